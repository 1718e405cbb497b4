// The live loss plot's right axis: drawn for a second metric that has data and is shown,
// not for the learning rate while its curve is hidden (its default), nor for a series
// with no finite values. Clicking the learning rate's legend entry brings its axis.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { viz } from "../../core";
import { ARTIFACTS, openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";

type Api = { gradlabPage: { show(o: unknown[]): Promise<number>; ready: Promise<string> } };
const MIME = "application/vnd.gradlab.lossplot+json";

/** A finished loss plot's payload, as a saved notebook holds it. */
function saved(values: (step: number) => Record<string, number>): unknown {
  const plot = viz.lossPlot({ title: "axes" });
  for (let s = 1; s <= 40; s++) plot.update(s, values(s));
  return { output_type: "display_data", data: { [MIME]: JSON.parse(JSON.stringify(plot.done().payload())), "text/plain": "loss plot" }, metadata: {} };
}

describe("extension: the loss plot's right axis (chromium + jupyter server)", function () {
  this.timeout(180000);
  let session: BrowserSession | undefined;
  let page: Page;

  before(async function () {
    skipWithoutBrowser(this);
    session = await openBrowserSession(30000);
    page = session.page;
    await page.goto(session.urlOf("gradlab.ipynb"));
    await page.waitForFunction(() => "gradlabPage" in window, undefined, { timeout: 30000 });
    await page.evaluate(() => (window as unknown as Api).gradlabPage.ready);
  });
  after(async () => { await session?.close(); });
  afterEach(() => { if (session) assert.deepEqual(session.pageErrors, []); });

  /** Shows the outputs in a new cell; resolves with each plot's right-axis title, or null where none is drawn. */
  async function rightAxes(outputs: unknown[]): Promise<{ index: number; titles: (string | null)[] }> {
    const index = await page.evaluate((o) => (window as unknown as Api).gradlabPage.show(o), outputs);
    const plots = `[data-test-cell="${index}"] .jp-gradlab-lossplot-plot`;
    await page.waitForFunction(({ plots, n }) => [...document.querySelectorAll(plots)].filter((p) => p.querySelector(".main-svg")).length === n, { plots, n: outputs.length });
    return { index, titles: await titles(plots) };
  }
  const titles = (plots: string) => page.evaluate((plots) => [...document.querySelectorAll(plots)].map((p) => {
    const ticks = p.querySelectorAll(".overaxes-above g.y2tick").length;
    return ticks ? p.querySelector(".g-y2title")?.textContent ?? "" : null;
  }), plots);

  it("draws no right axis for a hidden learning rate or a metric without data, and one for accuracy", async () => {
    const { titles: t } = await rightAxes([
      saved((s) => ({ loss: 1 / s })),
      saved((s) => ({ loss: 1 / s, lr: 0.1 })),
      saved((s) => ({ loss: 1 / s, acc: NaN })),
      saved((s) => ({ loss: 1 / s, acc: s / 40, lr: 0.1 })),
    ]);
    assert.deepEqual(t, [null, null, null, "acc"]);
  });

  it("brings the learning-rate axis with its curve when its legend entry is clicked, and takes it away again", async () => {
    const { index, titles: t } = await rightAxes([saved((s) => ({ loss: 1 / s, lr: s < 20 ? 0.1 : 0.01 }))]);
    assert.deepEqual(t, [null]);
    const plots = `[data-test-cell="${index}"] .jp-gradlab-lossplot-plot`;
    const entry = page.locator(`${plots} .legend .traces`).filter({ hasText: /^lr$/ });
    await entry.click();
    await page.waitForFunction((plots) => document.querySelector(`${plots} .overaxes-above g.y2tick`) !== null, plots);
    assert.deepEqual(await titles(plots), ["lr"]);
    await page.locator(`[data-test-cell="${index}"]`).screenshot({ path: path.join(ARTIFACTS, "lossplot-lr-axis.png") });
    await entry.click();
    await page.waitForFunction((plots) => document.querySelector(`${plots} .overaxes-above g.y2tick`) === null, plots);
  });
});
