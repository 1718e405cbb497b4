// Course notebooks 07 and 12 (their CI size) in the real JupyterLab that `gradlab lab`
// serves: opened from the file browser, Run All from the Run menu, every gradlab output
// drawn by its renderer, no page error or failing request; a full-height screenshot of
// each (and of 07, with its per-layer histograms, in the dark theme) goes to dist/test-artifacts/lab/.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ARTIFACTS, ROOT, openLab, skipWithoutLab, type LabSession } from "./session";
import { fullHeightShot, kernelIdle, menu, openFromFileBrowser, panel, savedGradlabOutputs, shownOutputs } from "./ui";

const NOTEBOOKS = ["07-initialisation", "12-cnn"];

describe("gradlab lab: course notebooks run in JupyterLab (chromium)", function () {
  this.timeout(600000);
  let lab: LabSession | undefined;

  before(async function () {
    skipWithoutLab(this);
    lab = await openLab(NOTEBOOKS, 60000);
  });

  after(async () => { await lab?.close(); });

  afterEach(function () {
    if (lab) assert.deepEqual(lab.problems, [], `the page logged errors or made failing requests:\n${lab.problems.join("\n")}`);
  });

  for (const name of NOTEBOOKS) {
    it(`${name}: Run All, then every gradlab output is drawn by its renderer`, async () => {
      const page = lab!.page;
      await openFromFileBrowser(page, `${name}.ipynb`);
      await menu(page, "Run", "Run All Cells");
      await panel(page).locator('.jp-Notebook-ExecutionIndicator[data-status="busy"]').waitFor();
      await kernelIdle(page, 480000);
      const prompts = await panel(page).locator(".jp-CodeCell .jp-InputPrompt").allTextContents();
      assert.ok(prompts.every((p) => /\[\d+\]/.test(p)), `every code cell ran: ${prompts.join(" ")}`);
      assert.equal(await panel(page).locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count(), 0, "no cell failed");
      await page.keyboard.press("Control+s");
      await page.waitForFunction(() => !document.querySelector(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty"));
      const expected = savedGradlabOutputs(path.join(lab!.dir, `${name}.ipynb`));
      assert.ok(expected >= 3, `${name} shows several gradlab figures, the saved file has ${expected}`);
      assert.deepEqual(await shownOutputs(page), { gradlab: expected, drawn: expected, fallbacks: 0 });
      const file = path.join(ARTIFACTS, `notebook-${name}.png`);
      await fullHeightShot(page, file);
      console.log(`      screenshot: ${path.relative(ROOT, file)}`);
      if (name === "07-initialisation") {
        // The per-layer histograms, Xavier vs He, under the dark theme too.
        await menu(page, "Settings", "Theme", "JupyterLab Dark");
        await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false");
        await page.waitForTimeout(1000);
        const dark = path.join(ARTIFACTS, `notebook-${name}-dark.png`);
        await fullHeightShot(page, dark);
        console.log(`      screenshot: ${path.relative(ROOT, dark)}`);
        await menu(page, "Settings", "Theme", "JupyterLab Light");
        await page.waitForFunction(() => document.body.dataset.jpThemeLight === "true");
      }
      // The next notebook opens in a tab of its own; this one's kernel stops with the lab.
      await page.locator(".jp-mod-current .lm-TabBar-tabCloseIcon").click();
    });
  }
});
