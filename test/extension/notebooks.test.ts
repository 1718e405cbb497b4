// Course notebooks as a student sees them in JupyterLab: executed headless (CI size),
// then opened in the test page of JupyterLab's own notebook widgets with gradlab's
// renderers, against a real jupyter server. Every gradlab figure must be drawn by its
// renderer (not by a fallback); a full-page screenshot of each goes to
// dist/test-artifacts/extension/ for a person to look at.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./bundle";
import { ARTIFACTS, openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";

const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const NOTEBOOKS = ["01-tour", "07-initialisation", "12-cnn"];
const RENDERERS = ".jp-gradlab-tensor, .jp-gradlab-images, .jp-gradlab-histograms, .jp-gradlab-lossplot, .jp-gradlab-chart";

/** The gradlab outputs of an executed notebook: those whose bundle has a gradlab mime type. */
function gradlabOutputs(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  return nb.cells.flatMap((c: any) => c.outputs ?? [])
    .filter((o: any) => Object.keys(o.data ?? {}).some((k) => k.startsWith("application/vnd.gradlab."))).length;
}

describe("course notebooks in the JupyterLab test page (chromium + jupyter server)", function () {
  this.timeout(600000);
  let session: BrowserSession | undefined;

  before(async function () {
    skipWithoutBrowser(this);
    session = await openBrowserSession(30000);
  });

  after(async () => { await session?.close(); });

  for (const name of NOTEBOOKS) {
    it(`${name}: every gradlab figure is drawn by its renderer`, async () => {
      const { server, page, pageErrors } = session!;
      const out = path.join(server.dir, `${name}.ipynb`);
      const r = spawnSync(process.execPath, [CLI, "run", path.join(ROOT, "notebooks", `${name}.ipynb`), "--out", out],
        { encoding: "utf8", env: { ...process.env, GRADLAB_CI: "1" }, timeout: 300000 });
      assert.equal(r.status, 0, r.stderr);
      const expected = gradlabOutputs(out);
      assert.ok(expected >= 3, `${name} should show several gradlab figures, has ${expected}`);
      await page.goto(session!.urlOf(`${name}.ipynb`));
      await page.waitForFunction(() => "gradlabPage" in window, undefined, { timeout: 60000 });
      await page.evaluate(() => (window as unknown as { gradlabPage: { ready: Promise<string> } }).gradlabPage.ready);
      await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel as string).length >= (n as number), [RENDERERS, expected] as const);
      assert.equal(await page.locator(RENDERERS).count(), expected, "one gradlab renderer per gradlab output");
      // Figures come as <img> in text/html only for front ends without the extension.
      assert.equal(await page.locator(".jp-OutputArea-output img[src^='data:image/svg+xml']").count(), 0, "no SVG fallback shown");
      // The notebook scrolls inside the page: make the window as tall as the notebook.
      const height = await page.evaluate(() => Math.max(...Array.from(document.querySelectorAll(".jp-Notebook, .jp-Notebook *"), (e) => e.scrollHeight)));
      await page.setViewportSize({ width: 1280, height: Math.min(height + 40, 16000) });
      await page.waitForTimeout(500);
      const file = path.join(ARTIFACTS, `notebook-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 1000 });
      console.log(`      screenshot: ${path.relative(ROOT, file)}`);
      assert.deepEqual(pageErrors, [], `the page threw: ${pageErrors.join("\n")}`);
    });
  }
});
