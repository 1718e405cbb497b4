// The course's first notebook in the real JupyterLab that `gradlab lab` serves, driven in
// Debian's chromium as a person would: open 01-tour from the file browser, Run All from the
// Run menu, then the Stop training, interrupt and restart buttons, completion, save, close
// and reopen, and the dark theme. Every gradlab output must be drawn by its renderer (never
// its SVG fallback), and the page must log no error and make no failing request throughout.
// Screenshots go to dist/test-artifacts/lab/.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS, ROOT, openLab, skipWithoutLab, type LabSession } from "./session";
import { addCell, fullHeightShot, kernelIdle, luminance, menu, openFromFileBrowser, panel, savedGradlabOutputs, shownOutputs, toolbar } from "./ui";

const TOUR = "01-tour.ipynb";

describe("gradlab lab: the tour notebook in JupyterLab (chromium)", function () {
  this.timeout(300000);
  let lab: LabSession | undefined;
  let page: Page;
  const shot = (name: string) => path.join(ARTIFACTS, `${name}.png`);
  const say = (file: string) => console.log(`      screenshot: ${path.relative(ROOT, file)}`);

  before(async function () {
    skipWithoutLab(this);
    lab = await openLab(["01-tour"], 60000);
    page = lab.page;
    console.log(`      gradlab lab: URL printed after ${lab.timings.url} ms, file browser listing after ${lab.timings.interactive} ms`);
  });

  after(async () => { await lab?.close(); });

  afterEach(function () {
    if (lab) assert.deepEqual(lab.problems, [], `the page logged errors or made failing requests:\n${lab.problems.join("\n")}`);
  });

  it("is JupyterLab with its menus, launcher and gradlab's kernel", async () => {
    assert.match(lab!.url, /\/lab\?token=[0-9a-f]{16,}$/, "prints the URL with its token");
    const menus = await page.locator(".lm-MenuBar-itemLabel").allTextContents();
    assert.deepEqual(menus, ["File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help"]);
    assert.ok(await page.locator(".jp-LauncherCard", { hasText: "TypeScript (gradlab)" }).count() >= 2, "the launcher offers gradlab's notebook and console");
    assert.equal(await page.locator("body").getAttribute("data-jp-theme-name"), "JupyterLab Light");
    await page.screenshot({ path: shot("lab-start") });
    say(shot("lab-start"));
  });

  it("has the command palette, the settings editor and Help › About JupyterLab", async () => {
    await page.keyboard.press("Control+Shift+c");
    await page.locator(".lm-CommandPalette-input").fill("new terminal");
    await page.locator(".lm-CommandPalette-item", { hasText: "New Terminal" }).first().waitFor();
    await page.keyboard.press("Escape");
    await menu(page, "Settings", "Settings Editor");
    // Every plugin's schema, as jupyterlab_server serves them from lab/build/schemas.
    await page.locator(".jp-PluginList-entry", { hasText: "Notebook" }).first().waitFor();
    assert.ok(await page.locator(".jp-PluginList-entry").count() > 30, "the settings editor lists the plugins' settings");
    // Left open: closing it at once races its toolbar's resize (JupyterLab logs an error).
    await menu(page, "Help", "About JupyterLab");
    assert.match((await page.locator(".jp-Dialog .jp-About-version").textContent())!, /4\.6\.4/);
    await page.locator(".jp-Dialog .jp-mod-reject").click();
    await page.locator(".jp-Dialog").waitFor({ state: "detached" });
  });

  it("opens a terminal from the File menu, in the notebooks' folder", async () => {
    await menu(page, "File", "New", "Terminal");
    await page.locator(".jp-Terminal .xterm").waitFor();
    await page.locator(".jp-Terminal .xterm").click();
    // xterm draws on a canvas: what the shell did is read back from the file it wrote.
    await page.keyboard.type("echo $((6*7)) > terminal-check.txt\n");
    const file = path.join(lab!.dir, "terminal-check.txt");
    for (let i = 0; i < 100 && !(fs.existsSync(file) && fs.readFileSync(file, "utf8").trim()); i++) await page.waitForTimeout(100);
    assert.equal(fs.readFileSync(file, "utf8").trim(), "42");
    await page.locator(".jp-mod-current .lm-TabBar-tabCloseIcon").click();
  });

  it("opens 01-tour from the file browser and Run All draws every gradlab output with its renderer", async () => {
    const t0 = Date.now();
    await openFromFileBrowser(page, TOUR);
    console.log(`      notebook open, kernel idle after ${Date.now() - t0} ms`);
    assert.match((await panel(page).locator(".jp-KernelName").textContent())!, /TypeScript \(gradlab\)/);
    await menu(page, "Run", "Run All Cells");
    await panel(page).locator('.jp-Notebook-ExecutionIndicator[data-status="busy"]').waitFor();
    await kernelIdle(page, 240000);
    const prompts = await panel(page).locator(".jp-CodeCell .jp-InputPrompt").allTextContents();
    assert.ok(prompts.every((p) => /\[\d+\]/.test(p)), `every code cell ran: ${prompts.join(" ")}`);
    assert.equal(await panel(page).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count(), 0, "no cell failed");
    await page.keyboard.press("Control+s");
    await panel(page).locator(".jp-mod-dirty").waitFor({ state: "detached" }).catch(() => undefined);
    await page.waitForFunction(() => !document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty"));
    const expected = savedGradlabOutputs(path.join(lab!.dir, TOUR));
    assert.ok(expected >= 6, `the tour shows several gradlab figures, the saved file has ${expected}`);
    const shown = await shownOutputs(page);
    assert.deepEqual(shown, { gradlab: expected, drawn: expected, fallbacks: 0 }, "each gradlab output drawn by its renderer, no SVG fallback");
    assert.equal(await panel(page).locator(".jp-gradlab-lossplot").getAttribute("data-done"), "true", "the loss plot's final state");
    await fullHeightShot(page, shot("tour-light"));
    say(shot("tour-light"));
  });

  it("shows fit's progress as one line per epoch updated in place, and Stop ends it there", async () => {
    const cell = await addCell(page, [
      "manualSeed(0); const X3 = randn([8192, 32]), Y3 = randint(0, 4, [8192]);",
      "const m3 = new nn.Sequential(new nn.Linear(32, 128), new nn.ReLU(), new nn.Linear(128, 4));",
      "const h3 = await fit(m3, [X3, Y3], { epochs: 100000, batchSize: 32, metrics: ['accuracy'] });",
      "`stopped: ${h3.stopped?.kind}`",
    ].join("\n"));
    await page.keyboard.press("Shift+Enter");
    const out = cell.locator(".jp-OutputArea-output").first();
    // Wait for the third epoch's line: two finished lines above it.
    await page.waitForFunction((el) => /^epoch 3\/100000/m.test(el?.textContent ?? ""), await out.elementHandle(), { timeout: 60000 });
    const shown = (await out.textContent())!;
    const lines = shown.trim().split("\n");
    assert.match(lines[0], /^epoch 1\/100000  █+ 256\/256  [\d.]+ s  \d+ (ms|µs)\/step  loss \d\.\d{4}  accuracy 0\.\d{4}$/);
    assert.match(lines[lines.length - 1], /^epoch \d+\/100000  [█▌░]+ +\d+\/256  [\d.]+ s  (ETA [\d.]+ s  )?loss /);
    assert.equal(await cell.locator(".jp-OutputArea-output").count(), 1, "one output, updated in place");
    await cell.screenshot({ path: shot("notebook-progress") });
    say(shot("notebook-progress"));
    await toolbar(page, "gradlabStopTraining");
    await kernelIdle(page, 30000);
    const final = (await cell.locator(".jp-OutputArea").textContent())!;
    assert.match(final, /\(training stopped by request at epoch \d+, batch \d+\)/);
    assert.match(final, /stopped: requested/);
  });

  it("updates a live loss plot in place, and the Stop training button ends the fit", async () => {
    assert.equal(await panel(page).locator('[data-gradlab="stop-training"]').count(), 1, "the Stop button is on a gradlab notebook");
    const cell = await addCell(page, [
      "manualSeed(0); const X2 = randn([4096, 16]), Y2 = randint(0, 4, [4096]);",
      "const m2 = new nn.Sequential(new nn.Linear(16, 64), new nn.ReLU(), new nn.Linear(64, 4));",
      // Far more epochs than the test waits for: only the Stop button ends this fit.
      "const h2 = await fit(m2, [X2, Y2], { epochs: 100000, batchSize: 32, callbacks: [viz.lossPlot({ title: 'until Stop' })] });",
      "`epochs run: ${h2.epoch.length} of 100000; stopped: ${h2.stopped?.kind}`",
    ].join("\n"));
    await page.keyboard.press("Shift+Enter");
    const plot = cell.locator(".jp-gradlab-lossplot-plot");
    await plot.locator(".scatterlayer path.js-line").first().waitFor({ timeout: 60000 });
    // A mark on the element: a re-created plot would not carry it.
    const points = () => plot.evaluate((el: HTMLElement & { __mark?: string; data?: { x: number[] }[] }) => {
      el.__mark ??= "first";
      return { mark: el.__mark, points: el.data!.reduce((n, t) => n + t.x.length, 0), plots: el.closest(".jp-Cell")!.querySelectorAll(".jp-gradlab-lossplot-plot").length };
    });
    const seen = [await points()];
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      let s = await points();
      while (s.points <= seen.at(-1)!.points && Date.now() - t0 < 20000) { await page.waitForTimeout(100); s = await points(); }
      seen.push(s);
    }
    for (const s of seen) assert.deepEqual([s.mark, s.plots], ["first", 1], "one plot element, updated in place");
    assert.ok(seen[1].points > seen[0].points && seen[2].points > seen[1].points, `points grow: ${seen.map((s) => s.points).join(" → ")}`);
    await toolbar(page, "gradlabStopTraining");
    await kernelIdle(page, 30000);
    const text = (await cell.locator(".jp-OutputArea").textContent())!;
    const m = /epochs run: (\d+) of 100000; stopped: (\w+)/.exec(text);
    assert.ok(m, `fit returned: ${text.slice(-300)}`);
    assert.equal(m![2], "requested", "stopped by the button's request");
    assert.equal(await cell.locator(".jp-gradlab-lossplot").getAttribute("data-done"), "true");
  });

  it("interrupts a running cell with the toolbar button, and restarts the kernel", async () => {
    const cell = await addCell(page, "let spins = 0;\nwhile (true) { spins++; }");
    await page.keyboard.press("Shift+Enter");
    await panel(page).locator('.jp-Notebook-ExecutionIndicator[data-status="busy"]').waitFor();
    await page.waitForTimeout(500);
    await toolbar(page, "interrupt");
    await kernelIdle(page, 30000);
    assert.match((await cell.locator(".jp-OutputArea").textContent())!, /KeyboardInterrupt/);
    await toolbar(page, "restart");
    await page.locator(".jp-Dialog .jp-mod-accept", { hasText: "Restart" }).click();
    await page.locator(".jp-Dialog").waitFor({ state: "detached" });
    await kernelIdle(page, 60000);
    const after = await addCell(page, "backend().name");
    await page.keyboard.press("Shift+Enter");
    await kernelIdle(page, 60000);
    assert.match((await after.locator(".jp-InputPrompt").textContent())!, /\[1\]/, "the first cell of a new kernel");
  });

  it("completes nn.Lin to Linear", async () => {
    const cell = await addCell(page, "nn.Lin");
    await page.keyboard.press("Tab");
    // JupyterLab lists the matches, or inserts the only one.
    await page.waitForFunction((c) => {
      const items = Array.from(document.querySelectorAll(".jp-Completer .jp-Completer-item"), (e) => e.textContent ?? "");
      return items.some((t) => t.startsWith("Linear")) || (c as Element).querySelector(".cm-content")!.textContent!.includes("nn.Linear");
    }, await cell.elementHandle());
    await page.keyboard.press("Escape");
    await cell.locator(".cm-content").click();
    await page.keyboard.press("Escape");
  });

  it("shows the Stop training button only while the notebook's kernel is gradlab's", async () => {
    const stop = panel(page).locator('[data-gradlab="stop-training"]');
    const change = async (to: string) => {
      await menu(page, "Kernel", "Change Kernel…");
      await page.locator(".jp-Dialog select").selectOption({ label: to });
      await page.locator(".jp-Dialog .jp-mod-accept").click();
      await panel(page).locator(".jp-KernelName", { hasText: to }).waitFor();
      await kernelIdle(page, 60000);
    };
    await stop.waitFor({ state: "visible" });
    await change("TypeScript (tslab)");
    await stop.waitFor({ state: "hidden" });
    await change("TypeScript (gradlab)");
    await stop.waitFor({ state: "visible" });
  });

  it("saves, closes and reopens: the saved outputs are drawn by the renderers again", async () => {
    await page.keyboard.press("Control+s");
    await page.waitForFunction(() => !document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty"));
    const expected = savedGradlabOutputs(path.join(lab!.dir, TOUR));
    await page.locator(".jp-mod-current .lm-TabBar-tabCloseIcon").click();
    await panel(page).waitFor({ state: "detached" });
    await openFromFileBrowser(page, TOUR);
    await page.waitForFunction((n) => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output[data-mime-type^="application/vnd.gradlab."]').length >= n, expected);
    assert.deepEqual(await shownOutputs(page), { gradlab: expected, drawn: expected, fallbacks: 0 });
  });

  it("switches to the dark theme from the Settings menu", async () => {
    await menu(page, "Settings", "Theme", "JupyterLab Dark");
    await page.waitForFunction(() => document.body.dataset.jpThemeName === "JupyterLab Dark" && document.body.dataset.jpThemeLight === "false");
    await page.waitForTimeout(1000);
    const looks = await panel(page).evaluate((p) => {
      const style = (sel: string) => getComputedStyle(p.querySelector(sel)!);
      return {
        notebook: style(".jp-Notebook").backgroundColor,
        title: style(".jp-gradlab-lossplot .jp-gradlab-title").color,
        plotBackground: style(".jp-gradlab-lossplot .main-svg").backgroundColor,
        tickText: style(".jp-gradlab-lossplot .xtick text").fill,
        axisTitle: style(".jp-gradlab-chart .g-xtitle text").fill,
        table: style(".jp-gradlab-table td").color,
      };
    });
    assert.ok(luminance(looks.notebook) < 0.3, `the notebook is dark: ${looks.notebook}`);
    for (const k of ["title", "tickText", "axisTitle", "table"] as const) assert.ok(luminance(looks[k]) > 0.6, `${k} is light on the dark page: ${looks[k]}`);
    assert.equal(looks.plotBackground, "rgba(0, 0, 0, 0)", "plots have no white paper");
    for (const [sel, name] of [[".jp-gradlab-lossplot", "dark-lossplot"], [".jp-gradlab-chart", "dark-chart"], [".jp-gradlab-tensor", "dark-tensor"]]) {
      await panel(page).locator(sel).first().screenshot({ path: shot(name) });
      say(shot(name));
    }
    await fullHeightShot(page, shot("tour-dark"));
    say(shot("tour-dark"));
  });

  it("kept one event-bus socket all along: no reconnect loop", () => {
    const events = lab!.sockets.filter((p) => p.endsWith("/api/events/subscribe"));
    assert.equal(events.length, 1, `websockets opened: ${lab!.sockets.join(", ")}`);
  });
});
