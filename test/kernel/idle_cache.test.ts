// An idle kernel gives the caching allocator's unused blocks back (kernel/memory.ts): after
// training, the cache may hold up to an eighth of RAM that no tensor uses.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sourcePath } from "../helpers";

const CLI = sourcePath("dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";

describe("an idle kernel and the caching allocator", function () {
  this.timeout(300_000);
  let tmp = "";

  before(function () {
    if (spawnSync(PY, ["-c", "import jupyter_client"]).status !== 0) {
      console.log("    (skipped: Debian's jupyter-client is not installed; npm test installs it as root)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-idle-cache-"));
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(inst.status, 0, inst.stderr);
  });
  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("gives the cached blocks of 400 MB of dropped tensors back once idle", () => {
    const env = { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime") };
    const r = spawnSync(PY, [sourcePath("test", "kernel", "idle_cache_client.py")], { encoding: "utf8", env, timeout: 280_000 });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const obs = JSON.parse(r.stdout);
    console.log(`      resident: ${obs.busy_rss} MB after the cell, ${obs.idle_rss} MB idle; memory(): ${JSON.stringify(obs.memory)}`);
    assert.equal(obs.status, "ok");
    assert.equal(obs.memory.allocator, "caching");
    assert.ok(obs.memory.peakBytes >= 400_000_000, "the tensors came from the allocator");
    assert.equal(obs.memory.cachedBytes, 0, "nothing left in the cache");
    assert.ok(obs.busy_rss - obs.idle_rss >= 250, `${obs.busy_rss} MB → ${obs.idle_rss} MB`);
  });
});
