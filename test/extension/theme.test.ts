// The renderers in a dark theme: text, axes and backgrounds come from JupyterLab's theme
// variables (--jp-ui-font-color1, --jp-layout-color0, …), read again when the theme
// changes; colour maps stay as they are. The page switches theme as JupyterLab does: new
// values for the variables and new data-jp-theme-* attributes on <body>. (The dark theme
// package itself is not installed here; these are its variables' kind of values.)
import { strict as assert } from "node:assert";
import * as path from "node:path";
import type { Page } from "playwright-core";
import { ARTIFACTS, openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";

interface RunResult { index: number; status: string; outputs: number; text: string }
type Api = { gradlabPage: { run(c: string): Promise<RunResult>; ready: Promise<string> } };

const DARK = {
  "--jp-ui-font-color1": "rgb(230, 230, 230)", "--jp-ui-font-color2": "rgb(180, 180, 180)", "--jp-ui-font-color3": "rgb(130, 130, 130)",
  "--jp-layout-color0": "rgb(17, 17, 17)", "--jp-layout-color1": "rgb(33, 33, 33)", "--jp-layout-color2": "rgb(48, 48, 48)",
  "--jp-border-color1": "rgb(97, 97, 97)", "--jp-border-color2": "rgb(66, 66, 66)",
  "--jp-cell-editor-background": "rgb(33, 33, 33)", "--jp-content-font-color1": "rgb(230, 230, 230)",
};

describe("extension: renderers in a dark theme (chromium + jupyter server)", function () {
  this.timeout(180000);
  let session: BrowserSession | undefined;
  let page: Page;
  const run = (code: string) => page.evaluate((c) => (window as unknown as Api).gradlabPage.run(c), code);

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

  it("draws plot text, axes, histogram and label backgrounds in the theme's colours, and follows a switch to dark", async () => {
    const r = await run([
      "manualSeed(2);",
      "display(viz.line([1, 3, 2], { title: 'line', xLabel: 'step', yLabel: 'value' }));",
      "display(viz.activations(new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh()), randn([32, 8])));",
      "display(viz.weights(new nn.Linear(16, 3)));",
      "const p = viz.lossPlot(); for (let i = 1; i <= 40; i++) p.update(i, { loss: 1 / i }); p.done();",
      "viz.tensor(randn([3, 4]), { name: 'w' })",
    ].join("\n"));
    assert.equal(r.status, "ok", r.text);
    const cell = `[data-test-cell="${r.index}"]`;
    await page.waitForFunction((cell) => document.querySelectorAll(`${cell} .main-svg`).length >= 2, cell);

    // What the renderers drew, in the colours they drew it.
    const look = () => page.evaluate((cell) => {
      const pixel = (c: HTMLCanvasElement, x: number, y: number) => [...c.getContext("2d")!.getImageData(x, y, 1, 1).data.slice(0, 3)].join(",");
      const hist = document.querySelector(`${cell} .jp-gradlab-hist-canvas`) as HTMLCanvasElement;
      const images = document.querySelector(`${cell} .jp-gradlab-images-canvas`) as HTMLCanvasElement;
      const plots = [...document.querySelectorAll(`${cell} .jp-gradlab-plot`)];
      return {
        axisTitle: plots.map((p) => getComputedStyle(p.querySelector(".xtitle")!).fill),
        tickText: plots.map((p) => getComputedStyle(p.querySelector(".xtick text")!).fill),
        grid: plots.map((p) => getComputedStyle(p.querySelector(".gridlayer .ytick, .gridlayer path")!).stroke),
        paper: plots.map((p) => getComputedStyle(p.querySelector(".main-svg")!).backgroundColor),
        // Near the top left: above the bars and away from the zero line in the middle.
        histBackground: pixel(hist, 3, 2),
        // The strip under the row of tiles, where the labels are: three 4×4 tiles, padding 2, zoom 16,
        // so the tiles end at (2 + 4) × 16 = 96 px and the 14 px strip follows.
        labelStrip: pixel(images, 1, 100),
        tensorText: getComputedStyle(document.querySelector(`${cell} .jp-gradlab-tensor`)!).color,
      };
    }, cell);

    const light = await look();

    // Switch as JupyterLab does: new variables, then the body's theme attributes.
    await page.addStyleTag({ content: `:root { ${Object.entries(DARK).map(([k, v]) => `${k}: ${v} !important;`).join(" ")} } body { background: rgb(17, 17, 17); }` });
    await page.evaluate(() => { document.body.dataset.jpThemeLight = "false"; document.body.dataset.jpThemeName = "JupyterLab Dark"; });
    await page.waitForFunction((cell) => getComputedStyle(document.querySelector(`${cell} .jp-gradlab-plot .xtitle`)!).fill === "rgb(230, 230, 230)", cell);
    const dark = await look();
    // One picture per output: a cell taller than the page is cut off in one picture.
    const outputs = page.locator(`${cell} .jp-OutputArea-output`);
    for (let k = 0; k < await outputs.count(); k++) await outputs.nth(k).screenshot({ path: path.join(ARTIFACTS, `theme-dark-${k}.png`) });

    assert.deepEqual(dark.axisTitle, ["rgb(230, 230, 230)", "rgb(230, 230, 230)"], "axis titles in --jp-ui-font-color1");
    assert.deepEqual(dark.tickText, ["rgb(230, 230, 230)", "rgb(230, 230, 230)"], "tick labels in --jp-ui-font-color1");
    assert.deepEqual(dark.grid, ["rgb(66, 66, 66)", "rgb(66, 66, 66)"], "grid lines in --jp-border-color2");
    assert.equal(dark.histBackground, "33,33,33", "histogram panels on --jp-layout-color1");
    assert.equal(dark.labelStrip, "17,17,17", "image labels on --jp-layout-color0");
    assert.equal(dark.tensorText, "rgb(230, 230, 230)");
    for (const p of dark.paper) assert.equal(p, "rgba(0, 0, 0, 0)", "plots on the page's own background");
    assert.notDeepEqual(light.axisTitle, dark.axisTitle, "the light theme's text differs: the plots followed the switch");
    assert.notEqual(light.histBackground, dark.histBackground);
  });
});
