// A cell that set a seed and showed nothing carries the change in an output of its own
// (application/vnd.gradlab-provenance+json). In JupyterLab, with gradlab's extension,
// that output draws nothing and its output area takes no room; the notebook's other
// outputs show as always. A screenshot goes to dist/test-artifacts/extension/.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./bundle";
import { ARTIFACTS, openBrowserSession, skipWithoutBrowser, type BrowserSession } from "./session";

const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const FIXTURE = path.join(ROOT, "test", "verify", "fixtures", "provenance.ipynb");
const PROVENANCE_MIME = "application/vnd.gradlab-provenance+json";

describe("a provenance-only output in the JupyterLab test page", function () {
  this.timeout(300000);
  let session: BrowserSession | undefined;

  before(async function () {
    skipWithoutBrowser(this);
    session = await openBrowserSession(30000);
  });

  after(async () => { await session?.close(); });

  it("draws nothing and takes no room, and no 'no renderer' notice shows", async () => {
    const { server, page, pageErrors } = session!;
    const out = path.join(server.dir, "provenance.ipynb");
    const r = spawnSync(process.execPath, [CLI, "run", FIXTURE, "--out", out], { encoding: "utf8", timeout: 200000 });
    assert.equal(r.status, 0, r.stderr);
    const outputs = JSON.parse(fs.readFileSync(out, "utf8")).cells.flatMap((c: any) => c.outputs ?? []);
    const expected = outputs.filter((o: any) => PROVENANCE_MIME in (o.data ?? {})).length;
    assert.ok(expected >= 1, "the notebook has a provenance-only output (its first cell only sets a seed)");
    await page.goto(session!.urlOf("provenance.ipynb"));
    await page.waitForFunction(() => "gradlabPage" in window, undefined, { timeout: 60000 });
    await page.evaluate(() => (window as unknown as { gradlabPage: { ready: Promise<string> } }).gradlabPage.ready);
    // The two tensor results draw as ever: the page is rendered.
    await page.waitForFunction(() => document.querySelectorAll(".jp-gradlab-tensor").length >= 2);
    await page.waitForFunction((n) => document.querySelectorAll(".jp-gradlab-provenance").length === n, expected);
    const shown = await page.evaluate(() => Array.from(document.querySelectorAll(".jp-gradlab-provenance"), (e) => {
      const area = e.closest(".jp-OutputArea-child") as HTMLElement | null;
      return { area: !!area, display: area ? getComputedStyle(area).display : "", height: area ? area.getBoundingClientRect().height : -1, text: (e.textContent ?? "").trim() };
    }));
    for (const s of shown) assert.deepEqual(s, { area: true, display: "none", height: 0, text: "" });
    assert.equal(await page.getByText("No renderer could be found").count(), 0);
    const file = path.join(ARTIFACTS, "provenance.png");
    await page.screenshot({ path: file, fullPage: true });
    console.log(`      screenshot: ${path.relative(ROOT, file)}`);
    assert.deepEqual(pageErrors, [], `the page threw: ${pageErrors.join("\n")}`);
  });
});
