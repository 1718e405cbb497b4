// Every builder's stated size cap renders: the largest payload each of core's builders
// makes (core/viz/payloads.ts LIMITS) is drawn by its renderer, not refused and not
// failing (a spread of 250,000 values into Math.max overflowed the stack before).
import { strict as assert } from "node:assert";
import type { Page } from "playwright-core";
import { viz, randn, manualSeed, nn, tensor } from "../../core";
import { LIMITS } from "../../core/viz/payloads";
import { openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";

type Api = { gradlabPage: { show(o: unknown[]): Promise<number>; ready: Promise<string> } };

/** A viz object's bundle as a saved notebook holds it (JSON), as one display_data output. */
function output(o: unknown): unknown {
  const data = JSON.parse(JSON.stringify((o as { [k: symbol]: () => unknown })[Symbol.for("Jupyter.display")]()));
  return { output_type: "display_data", data, metadata: {} };
}

describe("extension: the largest payloads the builders make are drawn (chromium + jupyter server)", function () {
  this.timeout(300000);
  let session: BrowserSession | undefined;
  let page: Page;

  before(async function () {
    skipWithoutBrowser(this);
    session = await openBrowserSession(60000);
    page = session.page;
    await page.goto(session.urlOf("gradlab.ipynb"));
    await page.waitForFunction(() => "gradlabPage" in window, undefined, { timeout: 30000 });
    await page.evaluate(() => (window as unknown as Api).gradlabPage.ready);
  });
  after(async () => { await session?.close(); });
  afterEach(() => { if (session) assert.deepEqual(session.pageErrors, []); });

  /** Shows one output in a new cell; resolves with its renderer's element once drawn or refused. */
  async function shown(o: unknown, drawn: string): Promise<string> {
    const index = await page.evaluate((o) => (window as unknown as Api).gradlabPage.show([o]), output(o));
    const out = `[data-test-cell="${index}"] .jp-OutputArea-output`;
    await page.waitForSelector(`${out} ${drawn}, ${out} .jp-gradlab-error`, { timeout: 120000 });
    const error = await page.locator(`${out} .jp-gradlab-error`).count();
    assert.equal(error, 0, await page.locator(out).textContent() ?? "");
    return out;
  }
  const points = (out: string) => page.evaluate((out) => (document.querySelector(`${out} .js-plotly-plot, ${out} .jp-gradlab-plot`) as unknown as { data: { x: unknown[] }[] }).data.reduce((n, t) => n + t.x.length, 0), out);

  it(`a line of ${LIMITS.points} points`, async () => {
    const n = LIMITS.points;
    const x = Array.from({ length: n }, (_, i) => i), y = x.map((i) => Math.sin(i / 1000));
    const out = await shown(viz.line({ x, y, name: "sin" }, { maxPoints: n }), ".main-svg .scatterlayer path.js-line");
    assert.equal(await points(out), n);
  });

  it(`a loss plot of ${LIMITS.points} points per series`, async () => {
    const plot = viz.lossPlot({ maxPoints: LIMITS.points });
    for (let i = 1; i <= 2 * LIMITS.points; i++) plot.update(i, { loss: 1 / i });
    const out = await shown(plot.done(), ".main-svg .scatterlayer path.js-line");
    assert.ok(await points(out) > LIMITS.points, "raw and smoothed curves, each up to the cap");
  });

  it(`a histogram of ${LIMITS.bins} bins`, async () => {
    manualSeed(4);
    await shown(viz.histogram(randn([200_000]), { bins: LIMITS.bins }), ".main-svg .barlayer");
  });

  it(`an image of ${LIMITS.imageValues} values, and ${LIMITS.tiles} weight templates`, async () => {
    manualSeed(5);
    const side = Math.floor(Math.sqrt(LIMITS.imageValues));
    const out = await shown(viz.imshow(randn([side, side])), "canvas.jp-gradlab-images-canvas");
    assert.match((await page.locator(`${out} .jp-gradlab-caption`).textContent())!, /^1 images/);
    const grid = await shown(viz.weights(new nn.Linear(16, LIMITS.tiles), { maxTiles: LIMITS.tiles }), "canvas.jp-gradlab-images-canvas");
    assert.match((await page.locator(`${grid} .jp-gradlab-caption`).textContent())!, new RegExp(`^${LIMITS.tiles} images`));
  });

  it("a tensor's largest sample, and a 500×500 confusion matrix as saved", async () => {
    manualSeed(6);
    const out = await shown(viz.tensor(randn([300, 300])), "canvas.jp-gradlab-heatmap-canvas");
    assert.match((await page.locator(`${out} .jp-gradlab-tensor-header`).textContent())!, /sampled: showing/);
    const counts = tensor(Array.from({ length: 500 }, (_, i) => Array.from({ length: 500 }, (_, j) => (i === j ? 50 : (i * j) % 3))), { dtype: "int32" });
    await shown(viz.confusionMatrix(counts), "canvas.jp-gradlab-heatmap-canvas");
  });
});
