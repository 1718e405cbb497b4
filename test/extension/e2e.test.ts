// End to end: JupyterLab's notebook widgets with gradlab's renderers in Debian's
// chromium, talking to a real jupyter server running the installed gradlab kernel.
// Checks what is drawn, that the live loss plot updates one plot element in place,
// that Stop training ends fit() early, and that data never becomes HTML. Screenshots
// go to dist/test-artifacts/extension/.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "./bundle";
import { ARTIFACTS, openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";


interface RunResult { index: number; status: string; outputs: number; text: string }

describe("extension e2e: gradlab renderers in a JupyterLab notebook (chromium + jupyter server)", function () {
  this.timeout(120000);
  let session: BrowserSession | undefined;
  let page: Page;
  const dialogs: string[] = [];
  const pageErrors = (): string[] => session?.pageErrors ?? [];

  /** Runs code in a new cell; resolves with the kernel's reply status and the output's text. */
  const run = (code: string): Promise<RunResult> =>
    page.evaluate((c) => (window as unknown as { gradlabPage: { run(c: string): Promise<RunResult> } }).gradlabPage.run(c), code);
  const cell = (i: number) => page.locator(`[data-test-cell="${i}"]`);
  const shot = async (i: number, name: string) => {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await cell(i).screenshot({ path: file });
    console.log(`      screenshot: ${path.relative(ROOT, file)}`);
  };

  before(async function () {
    skipWithoutBrowser(this);
    session = await openBrowserSession(15000);
    page = session.page;
    page.on("dialog", (d) => { dialogs.push(d.message()); void d.dismiss(); });
    await page.goto(session.urlOf("gradlab.ipynb"));
    await page.waitForFunction(() => "gradlabPage" in window, undefined, { timeout: 30000 });
    const kernel = await page.evaluate(() => (window as unknown as { gradlabPage: { ready: Promise<string> } }).gradlabPage.ready);
    assert.match(kernel, /^gradlab: /, `the notebook should run the gradlab kernel, got ${kernel}`);
  });

  after(async function () {
    if (session) await page.screenshot({ path: path.join(ARTIFACTS, "notebook.png"), fullPage: true }).catch(() => undefined);
    await session?.close();
  });

  afterEach(function () {
    assert.deepEqual(pageErrors(), [], `the page threw: ${pageErrors().join("\n")}`);
  });

  it("shows a small tensor as a table with its statistics and histogram", async () => {
    const r = await run('manualSeed(0);\nviz.tensor(randn([3, 4]), { name: "small" })');
    assert.equal(r.status, "ok", r.text);
    const out = cell(r.index).locator(".jp-gradlab-tensor");
    assert.equal(await out.count(), 1, "one tensor renderer in the output");
    assert.equal(await out.locator(".jp-gradlab-tensor-header").textContent(), "small: float32 [3, 4]");
    assert.equal(await out.locator("table.jp-gradlab-table tbody td").count(), 12);
    const stats = await out.locator(".jp-gradlab-stats").textContent();
    for (const k of ["min", "max", "mean", "std", "NaN", "zeros"]) assert.ok(stats!.includes(k), `stats show ${k}: ${stats}`);
    assert.ok(await canvasInk(page, `[data-test-cell="${r.index}"] .jp-gradlab-hist-canvas`) > 0.02, "the histogram has bars");
    await shot(r.index, "tensor-small");
  });

  it("shows NaN and Infinity values by name and flags them in the statistics", async () => {
    const r = await run("viz.tensor(tensor([1, NaN, Infinity, 0]))");
    assert.equal(r.status, "ok", r.text);
    const out = cell(r.index).locator(".jp-gradlab-tensor");
    assert.deepEqual(await out.locator("tbody td").allTextContents(), ["1", "NaN", "Infinity", "0"]);
    assert.deepEqual(await out.locator(".jp-gradlab-warn").allTextContents(), ["NaN 1", "±Inf 1"]);
  });

  it("shows a 3-D tensor as a heatmap with a slice selector that redraws the slice", async () => {
    const r = await run('viz.tensor(randn([2, 24, 40]), { name: "volume" })');
    assert.equal(r.status, "ok", r.text);
    const sel = `[data-test-cell="${r.index}"]`;
    assert.equal(await page.locator(`${sel} .jp-gradlab-slice-index`).count(), 1, "one index input for the leading dimension");
    const canvas = page.locator(`${sel} .jp-gradlab-heatmap-canvas`);
    const [w, h] = await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
    assert.equal(w / h, 40 / 24, `the heatmap keeps the slice's 24×40 aspect (canvas ${w}×${h})`);
    const before = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await page.locator(`${sel} .jp-gradlab-slice-index`).fill("1");
    const after = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    assert.notEqual(after, before, "slice 1 draws different values than slice 0");
    await canvas.hover({ position: { x: 5, y: 5 } });
    assert.match((await page.locator(`${sel} .jp-gradlab-readout`).textContent())!, /^\[0, 0\] = -?\d/);
    await shot(r.index, "tensor-volume");
  });

  it("shows a Linear layer's weights as one template image per class, and conv filters as RGB tiles", async () => {
    const r = await run("const lin = new nn.Linear(784, 10);\ndisplay(viz.weights(lin));\nviz.weights(new nn.Conv2d(3, 16, 5))");
    assert.equal(r.status, "ok", r.text);
    const grids = cell(r.index).locator(".jp-gradlab-images");
    assert.equal(await grids.count(), 2, `two image grids (got output text: ${r.text.slice(0, 200)})`);
    assert.match((await grids.nth(0).locator(".jp-gradlab-caption").textContent())!, /^10 images, diverging scale/);
    assert.match((await grids.nth(1).locator(".jp-gradlab-caption").textContent())!, /^16 images/);
    for (let g = 0; g < 2; g++) {
      const sel = `[data-test-cell="${r.index}"] .jp-gradlab-images >> nth=${g}`;
      assert.ok(await canvasInk(page, `${sel} >> canvas`) > 0.2, `grid ${g} is drawn`);
    }
    const canvas = grids.nth(0).locator("canvas");
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: box.width * 0.05, y: box.height * 0.3 } });
    assert.match((await grids.nth(0).locator(".jp-gradlab-readout").textContent())!, /\[\d+, \d+\] = -?\d/, "the value under the cursor");
    await shot(r.index, "weights");
  });

  it("shows Xavier vs He activation histograms side by side, layer by layer", async () => {
    const code = [
      "manualSeed(17);",
      "function deep(act: () => nn.Module, initW: (w: Tensor) => void) {",
      "  const layers: nn.Module[] = [];",
      "  for (let i = 0; i < 5; i++) { const l = new nn.Linear(256, 256); initW(l.weight); init.zeros_(l.bias!); layers.push(l, act()); }",
      "  return new nn.Sequential(...layers);",
      "}",
      "const x = randn([200, 256]);",
      "viz.compare({",
      "  xavier: viz.activations(deep(() => new nn.Tanh(), (w) => init.xavierNormal_(w)), x, { run: 'xavier' }),",
      "  he: viz.activations(deep(() => new nn.ReLU(), (w) => init.kaimingNormal_(w)), x, { run: 'he' }),",
      "})",
    ].join("\n");
    const r = await run(code);
    assert.equal(r.status, "ok", r.text);
    const out = cell(r.index).locator(".jp-gradlab-histograms");
    assert.equal(await out.count(), 1, r.text.slice(0, 300));
    assert.deepEqual(await out.locator(".jp-gradlab-hist-run").allTextContents(), ["xavier", "he"]);
    assert.equal(await out.locator(".jp-gradlab-hist-layer").count(), 5, "one row per activation layer");
    assert.equal(await out.locator(".jp-gradlab-hist-panel").count(), 10);
    const stats = await out.locator(".jp-gradlab-hist-stats").allTextContents();
    assert.ok(stats.every((s) => /mean .* std .* zeros .*%/.test(s)), stats.join(" | "));
    assert.ok(stats.some((s) => /saturated/.test(s)), "tanh panels say how many values saturate");
    assert.match((await out.locator(".jp-gradlab-caption").textContent())!, /shared x axis/);
    await shot(r.index, "xavier-vs-he");
  });

  it("draws charts: a line plot with plotly and a confusion matrix on a canvas", async () => {
    const code = [
      "display(viz.line([1, 4, 9, 16, 25], { title: 'squares', xLabel: 'n' }));",
      "manualSeed(3);",
      "viz.confusionMatrix(randint(0, 3, [120]), randint(0, 3, [120]), { classNames: ['cat', 'dog', 'bird'] })",
    ].join("\n");
    const r = await run(code);
    assert.equal(r.status, "ok", r.text);
    const charts = cell(r.index).locator(".jp-gradlab-chart");
    assert.equal(await charts.count(), 2, r.text.slice(0, 300));
    assert.equal(await charts.nth(0).locator(".jp-gradlab-title").textContent(), "squares");
    assert.equal(await charts.nth(0).locator(".scatterlayer path.js-line").count(), 1, "plotly drew the line");
    const canvas = charts.nth(1).locator("canvas.jp-gradlab-heatmap-canvas");
    assert.deepEqual(await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]), [96, 96], "3×3 cells of 32 px");
    await canvas.hover({ position: { x: 80, y: 10 } });
    assert.match((await charts.nth(1).locator(".jp-gradlab-readout").textContent())!, /^\[0 cat, 2 bird\] = \d+$/);
    await shot(r.index, "charts");
  });

  it("updates the live loss plot in place during fit, and Stop training ends fit early", async () => {
    const code = [
      "manualSeed(0);",
      "const X = randn([4096, 16]), Y = randint(0, 4, [4096]);",
      "const model = new nn.Sequential(new nn.Linear(16, 64), new nn.ReLU(), new nn.Linear(64, 4));",
      "const plot = viz.lossPlot({ title: 'training' });",
      // Far more epochs than the test waits for: only the Stop button ends this fit.
      "const h = await fit(model, [X, Y], { epochs: 100000, batchSize: 32, callbacks: [plot] });",
      "`epochs run: ${h.epoch.length} of 100000; stopped: ${h.stopped?.kind}`",
    ].join("\n");
    const running = run(code);
    const sel = ".jp-gradlab-lossplot-plot";
    await page.waitForSelector(`${sel} .scatterlayer path.js-line`, { timeout: 60000 });
    // Mark the plot element: a re-created element would not carry the mark.
    const first = await page.evaluate((s) => {
      const el = document.querySelector(s) as HTMLElement & { __gradlabMark?: string; data?: { x: number[] }[] };
      el.__gradlabMark = "the first plot element";
      return el.data!.reduce((n, t) => n + t.x.length, 0);
    }, sel);
    const points = async () => page.evaluate((s) => {
      const all = document.querySelectorAll(s);
      const el = all[0] as HTMLElement & { __gradlabMark?: string; data?: { x: number[] }[] };
      return { elements: all.length, mark: el.__gradlabMark, points: el.data!.reduce((n, t) => n + t.x.length, 0), path: el.querySelector(".scatterlayer path.js-line")?.getAttribute("d")?.length ?? 0 };
    }, sel);
    // Two later updates, each with more points, on the same element.
    let seen = first;
    const samples: Awaited<ReturnType<typeof points>>[] = [];
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      let s = await points();
      while (s.points <= seen && Date.now() - t0 < 20000) { await page.waitForTimeout(100); s = await points(); }
      samples.push(s);
      seen = s.points;
    }
    for (const s of samples) {
      assert.equal(s.elements, 1, "one plot element");
      assert.equal(s.mark, "the first plot element", "updates reuse the plot element");
    }
    assert.ok(samples[0].points > first && samples[1].points > samples[0].points, `points grow: ${first} → ${samples.map((s) => s.points).join(" → ")}`);
    await shot(Number(await page.locator(sel).evaluate((el) => el.closest("[data-test-cell]")!.getAttribute("data-test-cell"))), "lossplot-live");
    await page.locator("#main .jp-Toolbar").screenshot({ path: path.join(ARTIFACTS, "toolbar.png") });
    await page.locator('[data-gradlab="stop-training"]').click();
    const r = await within(running, 30000, "fit did not end within 30 s of clicking Stop training");
    assert.equal(r.status, "ok", r.text);
    const m = /epochs run: (\d+) of 100000; stopped: (\w+)/.exec(r.text);
    assert.ok(m, `fit returned: ${r.text.slice(-300)}`);
    assert.ok(Number(m![1]) < 100000, `fit ended early (${m![1]} epochs)`);
    assert.equal(m![2], "requested", "stopped by the button's request");
    assert.match((await page.locator('[data-gradlab="stop-training"]').getAttribute("title"))!, /^Stopping/, "the kernel answered that a fit was running");
    const end = await points();
    assert.equal(end.mark, "the first plot element", "the final state is drawn on the same element");
    assert.equal(await page.locator(".jp-gradlab-lossplot").getAttribute("data-done"), "true", "the final update says done");
    assert.match((await page.locator(".jp-gradlab-lossplot-status").textContent())!, /^done at step \d+/);
    await shot(r.index, "lossplot-stopped");
  });

  it("shows a tensor named <img src=x onerror=alert(1)> as text, never as HTML (and a plot legend too)", async () => {
    const name = "<img src=x onerror=alert(1)>";
    const r = await run(`display(viz.tensor(tensor([1, 2, 3]), { name: ${JSON.stringify(name)} }));\nviz.line({ name: ${JSON.stringify(name)}, y: [1, 2, 3] }, { title: ${JSON.stringify(name)} })`);
    assert.equal(r.status, "ok", r.text);
    const out = cell(r.index).locator(".jp-gradlab-tensor");
    assert.equal(await out.locator(".jp-gradlab-name").textContent(), name);
    assert.equal(await cell(r.index).locator(".jp-gradlab-chart .jp-gradlab-title").textContent(), name);
    assert.equal(await cell(r.index).locator(".jp-gradlab-chart .legendtext").textContent(), name, "plotly shows the series name as plain text");
    assert.equal(await cell(r.index).locator(".jp-OutputArea img").count(), 0, "no img element in the output");
    await page.waitForTimeout(500);
    assert.deepEqual(dialogs, [], "no dialog opened");
    await shot(r.index, "xss-name");
  });
});

/** p, or an error after ms (the timer cleared either way, so it keeps no process alive). */
async function within<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(message)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** The fraction of a canvas's pixels that are not white or transparent (something was drawn). */
async function canvasInk(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) ink++;
    return ink / (d.length / 4);
  });
}
