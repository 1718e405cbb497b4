// `gradlab run` (and npm start without Jupyter, which runs the tour the same way) must
// still print its own summary after the notebook ran: the cells' output capture ends with it.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");

describe("gradlab run's own output", function () {
  this.timeout(60_000);
  it("prints the summary line after the notebook's cells ran", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-run-")), "out.ipynb");
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "run", path.join(ROOT, "test", "kernel", "fixtures", "sample.ipynb"), "--out", out], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /gradlab run: .*sample\.ipynb: 5 code cells, 0 error\(s\), written to /);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });
});
