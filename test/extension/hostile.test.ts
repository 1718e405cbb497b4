// Renderers against hostile payloads, in JupyterLab's notebook widgets in chromium: a
// notebook's outputs come from whoever wrote the file. Every field of every payload is
// changed in turn (hostile_payloads.ts) and put in a notebook cell as saved outputs, between
// good outputs. Then: no dialog, no request leaves the page, no link, style or element
// from data in the DOM, gradlab's error box (naming the field) for what fails the schema,
// never JupyterLab's "Javascript Error", and the neighbouring outputs drawn as before.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { ROOT } from "./bundle";
import { ARTIFACTS, openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";
import { MARK, basePayloads, sizeVariants, variants, type Variant } from "./hostile_payloads";

interface Seen { cls: string; error: string | null; text: string; plot: boolean; canvas: number }
interface RunResult { index: number; status: string; outputs: number; text: string }

type Api = { gradlabPage: { show(o: unknown[]): Promise<number>; run(c: string): Promise<RunResult>; ready: Promise<string> } };

describe("extension: every renderer against hostile payloads (chromium + jupyter server)", function () {
  this.timeout(600000);
  let session: BrowserSession | undefined;
  let page: Page;
  const dialogs: string[] = [];
  const requests: string[] = [];

  const display = (mime: string, data: unknown) => ({ output_type: "display_data", data: { [mime]: data, "text/plain": "gradlab output" }, metadata: {} });
  const stream = (text: string) => ({ output_type: "stream", name: "stdout", text: `${text}\n` });
  const show = (outputs: unknown[]) => page.evaluate((o) => (window as unknown as Api).gradlabPage.show(o), outputs);
  const run = (code: string) => page.evaluate((c) => (window as unknown as Api).gradlabPage.run(c), code);
  const cell = (i: number) => page.locator(`[data-test-cell="${i}"]`);

  /** Waits until every output of cell i is drawn, refused, or has failed; returns what each shows. */
  async function outputsOf(i: number, count: number): Promise<Seen[]> {
    const shown = () => page.evaluate((i) => document.querySelectorAll(`[data-test-cell="${i}"] .jp-OutputArea-output`).length, i);
    await page.waitForFunction(({ i, count }) => {
      const outs = [...document.querySelectorAll(`[data-test-cell="${i}"] .jp-OutputArea-output`)];
      const done = (o: Element) => {
        const plotly = o.matches(".jp-gradlab-lossplot") || (o.matches(".jp-gradlab-chart") && !o.querySelector("canvas"));
        const error = [...o.querySelectorAll(".jp-gradlab-error")].some((e) => !e.closest("[hidden]"));
        return error || /Javascript Error/.test(o.textContent ?? "") || (plotly ? !!o.querySelector(".main-svg") : o.childElementCount > 0 || !o.className.includes("jp-gradlab"));
      };
      return outs.length === count && outs.every(done);
    }, { i, count }, { timeout: 120000, polling: 250 }).catch(async (e) => {
      throw new Error(`cell ${i}: ${await shown()} of ${count} outputs, not all drawn or refused (${e})`);
    });
    return page.evaluate((i) => [...document.querySelectorAll(`[data-test-cell="${i}"] .jp-OutputArea-output`)].map((o) => {
      const box = [...o.querySelectorAll(".jp-gradlab-error")].find((e) => !e.closest("[hidden]"));
      return { cls: o.className, error: box?.textContent ?? null, text: (o.textContent ?? "").slice(0, 400), plot: !!o.querySelector(".main-svg"), canvas: o.querySelectorAll("canvas").length };
    }), i);
  }

  /** What in the page's outputs came from data as markup: elements, links, styles, attributes. */
  const injected = () => page.evaluate((mark) => {
    const bad: string[] = [];
    const FORBIDDEN = new Set(["img", "script", "iframe", "object", "embed", "link", "meta", "style", "foreignobject", "video", "audio", "form", "frame", "base", "math"]);
    // Attributes that hold plain text (a tooltip, plotly's copy of the escaped label) may quote data.
    const TEXT_ATTRS = new Set(["title", "aria-label", "data-unformatted"]);
    // gradlab's outputs (JupyterLab's own text renderer links URLs in a traceback, as it should).
    for (const area of document.querySelectorAll('#main .jp-OutputArea-output[class*="jp-gradlab-"]')) {
      for (const e of area.querySelectorAll("*")) {
        const tag = e.tagName.toLowerCase();
        if (FORBIDDEN.has(tag)) bad.push(`<${tag}> element`);
        if (e.namespaceURI === "http://www.w3.org/1998/Math/MathML" || e.closest("mjx-container")) bad.push(`MathJax <${tag}>`);
        if (tag === "a" && !e.closest(".modebar")) bad.push(`<a href="${e.getAttribute("href") ?? e.getAttribute("xlink:href")}">`);
        for (const a of e.attributes) {
          if (a.value.includes(mark) && !TEXT_ATTRS.has(a.name)) bad.push(`${tag} ${a.name}="${a.value.slice(0, 80)}"`);
          if (a.name === "style" && /url\(|font-size:\s*40px/.test(a.value)) bad.push(`${tag} style="${a.value.slice(0, 80)}"`);
          if (a.name.startsWith("on")) bad.push(`${tag} ${a.name}`);
        }
      }
      // Data shown as text keeps its markup characters; text of MARK alone means markup was read.
      const walk = document.createTreeWalker(area, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const t = n.nodeValue ?? "";
        if (t.includes(mark) && !/[<$&]/.test(t)) bad.push(`text "${t.slice(0, 80)}" in <${n.parentElement?.tagName.toLowerCase()}>`);
      }
    }
    return [...new Set(bad)];
  }, MARK);

  before(async function () {
    skipWithoutBrowser(this);
    session = await openBrowserSession(30000);
    page = session.page;
    page.on("dialog", (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on("request", (r) => { requests.push(r.url()); });
    // JupyterLab loads MathJax, and plotly hands `$…$` text to a MathJax it finds; this page
    // has none, so it gets a stand-in that records whoever touches it.
    await page.addInitScript(() => {
      const touched: string[] = [];
      (window as unknown as { mathjaxTouched: string[] }).mathjaxTouched = touched;
      (window as unknown as { MathJax: unknown }).MathJax = new Proxy({}, { get: (_, k) => { touched.push(String(k)); return undefined; } });
    });
    await page.goto(session.urlOf("gradlab.ipynb"));
    await page.waitForFunction(() => "gradlabPage" in window, undefined, { timeout: 30000 });
    const kernel = await page.evaluate(() => (window as unknown as Api).gradlabPage.ready);
    assert.match(kernel, /^gradlab: /);
  });

  after(async () => { await session?.close(); });

  afterEach(async function () {
    if (!session) return;
    assert.deepEqual(session.pageErrors, [], `the page threw: ${session.pageErrors.join("\n")}`);
    assert.deepEqual(dialogs, [], "no dialog opened");
    const origin = new URL(session.server.url).origin;
    const away = requests.filter((u) => u.includes(MARK) || !(u.startsWith(`${origin}/`) || u.startsWith("data:") || u.startsWith("blob:")));
    assert.deepEqual(away, [], "no request left the page for data's addresses");
    const mathjax = await page.evaluate(() => (window as unknown as { mathjaxTouched: string[] }).mathjaxTouched);
    assert.deepEqual(mathjax, [], "no text from data went to MathJax");
  });

  /**
   * Puts the variants in cells of at most 36 (JupyterLab shows 50 outputs of a cell and
   * folds the rest), each between good outputs and text neighbours; checks every output.
   */
  async function check(name: string, mime: string, good: unknown, all: Variant[]): Promise<void> {
    const failures: string[] = [];
    for (let start = 0; start < all.length; start += 36) {
      const vs = all.slice(start, start + 36);
      const outputs: unknown[] = [display(mime, good), stream("neighbour before")];
      const slots: number[] = [];
      vs.forEach((v, k) => {
        slots.push(outputs.length);
        outputs.push(display(v.mime, v.data));
        // (Two stream outputs in a row would merge into one.)
        if (k % 12 === 11 && k < vs.length - 1) outputs.push(stream(`neighbour ${k}`));
      });
      outputs.push(stream("neighbour after"), display(mime, good));
      const index = await show(outputs);
      const seen = await outputsOf(index, outputs.length);
      vs.forEach((v, k) => {
        const s = seen[slots[k]];
        if (/Javascript Error/.test(s.text)) failures.push(`${v.what}: JupyterLab's raw error: ${s.text.slice(0, 120)}`);
        if (v.expect === "error" && (s.error === null || !s.error.startsWith("gradlab cannot draw this") || (v.field && !s.error.includes(v.field)))) {
          failures.push(`${v.what}: expected gradlab's error box naming ${v.field}, got ${s.error ?? `no error box: ${s.text.slice(0, 100)}`}`);
        }
        if (v.expect === "draw" && s.error !== null) failures.push(`${v.what}: expected it drawn, got ${s.error}`);
      });
      // The good outputs around them are drawn, and the text outputs are intact.
      for (const s of [seen[0], seen[seen.length - 1]]) {
        assert.equal(s.error, null, `a good ${name} beside hostile ones: ${s.error}`);
        assert.ok(s.plot || s.canvas > 0 || s.text.length > 0, `a good ${name} beside hostile ones is drawn`);
      }
      assert.equal(seen[1].text.trim(), "neighbour before");
      assert.equal(seen[seen.length - 2].text.trim(), "neighbour after");
      // Hovering what plotly drew from data would load a cursor:url() if a style had come through.
      const texts = cell(index).locator("svg text").filter({ hasText: MARK });
      const n = Math.min(await texts.count(), 8);
      for (let k = 0; k < n; k++) await texts.nth(k).hover({ force: true, timeout: 5000 }).catch(() => undefined);
      if (start === 0) {
        const err = seen.findIndex((s) => s.error !== null);
        if (err >= 0) await cell(index).locator(".jp-OutputArea-output").nth(err).screenshot({ path: path.join(ARTIFACTS, `hostile-${name}-error.png`) });
        const drawn = vs.findIndex((v) => v.expect === "draw" && /markup 0/.test(v.what));
        if (drawn >= 0) await cell(index).locator(".jp-OutputArea-output").nth(slots[drawn]).screenshot({ path: path.join(ARTIFACTS, `hostile-${name}-text.png`) });
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${all.length} ${name} variants`);
    assert.deepEqual(await injected(), [], "nothing from data became markup");
  }

  for (const { name, mime, data } of basePayloads()) {
    it(`${name}: markup, wrong types, missing fields, NaN/Infinity in every field`, async () => {
      const vs = variants(name, mime, data);
      console.log(`      ${vs.length} variants of the ${name} payload`);
      await check(name, mime, data, vs);
    });
  }

  it("sizes past the caps are refused; the largest sizes within them draw", async () => {
    const bases = basePayloads();
    await check("sizes", bases[0].mime, bases[0].data, sizeVariants());
  });

  it("a 500×500 heatmap and confusion matrix draw in the renderer", async () => {
    const r = await run("manualSeed(1);\ndisplay(viz.heatmap(randn([500, 500])));\nviz.confusionMatrix(randint(0, 40, [500, 500]))");
    assert.equal(r.status, "ok", r.text);
    const seen = await outputsOf(r.index, 2);
    for (const s of seen) {
      assert.equal(s.error, null, s.error ?? "");
      assert.match(s.text, /500×500, colour range/);
    }
    const sizes = await cell(r.index).locator("canvas.jp-gradlab-heatmap-canvas").evaluateAll((cs) => cs.map((c) => [(c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height]));
    assert.deepEqual(sizes, [[500, 500], [500, 500]], "one pixel per cell");
    await cell(r.index).screenshot({ path: path.join(ARTIFACTS, "heatmap-500.png") });
  });

  it("builders in the kernel refuse markup where numbers go, with gradlab's message", async () => {
    const r = await run(`viz.line({ name: "s", x: ['<a href="https://example.org/${MARK}" target="_blank">re-login</a>', '<span style="font-size:40px;cursor:url(/${MARK}),auto">BIG</span>'] as any, y: [1, 2] })`);
    assert.equal(r.status, "error");
    assert.match(r.text, /viz\.line: x must be numbers; got a string at index 0/);
  });

  it("a bad update in the middle of a live loss plot: the error box over the last good state, then the next update draws", async () => {
    const shown = await run('const live = viz.lossPlot({ title: "live" });\nlive.update(1, { loss: 2 }).update(2, { loss: 1 }).done();\nundefined');
    assert.equal(shown.status, "ok", shown.text);
    const [first] = await outputsOf(shown.index, 1);
    assert.equal(first.error, null);
    const plot = cell(shown.index).locator(".jp-gradlab-lossplot-plot");
    await plot.evaluate((e) => { (e as HTMLElement & { mark?: string }).mark = "first"; });
    const bad = await run([
      "const bad = live.payload() as any;",
      `bad.series[0].steps[0] = '<a href="https://example.org/${MARK}">x</a>';`,
      `await updateDisplay(live.displayId, { [Symbol.for("Jupyter.display")]: () => ({ "application/vnd.gradlab.lossplot+json": bad, "text/plain": "bad" }) });`,
    ].join("\n"));
    assert.equal(bad.status, "ok", bad.text);
    const problem = cell(shown.index).locator(".jp-gradlab-lossplot-problem .jp-gradlab-error");
    await problem.waitFor({ state: "visible" });
    assert.match((await problem.textContent())!, /^gradlab cannot draw this loss plot: an update could not be drawn, so the last good state is shown: series\[0\]\.steps\[0\] must be a finite number; got a string/);
    assert.ok(await plot.isVisible(), "the last good state stays drawn");
    await cell(shown.index).screenshot({ path: path.join(ARTIFACTS, "lossplot-bad-update.png") });
    const next = await run("live.update(3, { loss: 0.5 }).done();\nundefined");
    assert.equal(next.status, "ok", next.text);
    await problem.waitFor({ state: "hidden" });
    await page.waitForFunction((i) => /done at step 3/.test(document.querySelector(`[data-test-cell="${i}"] .jp-gradlab-lossplot-status`)?.textContent ?? ""), shown.index);
    assert.equal(await plot.evaluate((e) => (e as HTMLElement & { mark?: string }).mark), "first", "the same plot element, updated in place");
    assert.deepEqual(await injected(), []);
  });
});
