// Backend selection: native by default when built, the TypeScript backend otherwise,
// said in one line; switching at run time keeps tensors valid.
import { strict as assert } from "node:assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backend, availableBackends, setBackend, tensor } from "../../core";
import { sourcePath } from "../helpers";

/** A copy of the built package in a temp dir, with the addon absent or replaced by junk. */
function packageCopy(addon: "absent" | "corrupt"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-fallback-"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "gradlab", version: "0.0.0" }));
  fs.cpSync(sourcePath("dist", "core"), path.join(dir, "dist", "core"), { recursive: true });
  if (addon === "corrupt") {
    fs.mkdirSync(path.join(dir, "native", "build", "Release"), { recursive: true });
    fs.writeFileSync(path.join(dir, "native", "build", "Release", "gradlab.node"), "not a shared object");
  }
  return dir;
}

function runIn(dir: string, code: string) {
  const env = { ...process.env };
  delete env.GRADLAB_BACKEND;
  delete env.GRADLAB_ADDON;
  return spawnSync(process.execPath, ["-e", code], { cwd: dir, env, encoding: "utf8" });
}

describe("backend selection", () => {
  it("says which backend is active and why", () => {
    const b = backend();
    assert.ok(availableBackends().includes(b.name));
    assert.ok(b.reason.length > 10);
    assert.ok(b.threads >= 1);
  });

  it("switches at run time and keeps tensors valid", () => {
    const before = backend().name;
    const x = tensor([1, 2, 3]);
    for (const name of availableBackends()) {
      setBackend(name);
      assert.equal(backend().name, name);
      assert.deepEqual(x.mul(2).toArray(), [2, 4, 6]);
    }
    setBackend(before);
    assert.throws(() => setBackend("cuda"), /no backend named "cuda" here; available: js/);
  });

  for (const kind of ["absent", "corrupt"] as const) {
    it(`falls back to the TypeScript backend, with one clear line, when the addon is ${kind}`, () => {
      const dir = packageCopy(kind);
      try {
        const r = runIn(dir, "const g = require('./dist/core'); const y = g.tensor([1, 2]).matmul(g.tensor([3, 4])); console.log(g.backend().name, y.item());");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "js 11");
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
        assert.match(lines[0], /^gradlab: running on the TypeScript backend because the native addon could not be loaded/);
        assert.match(lines[0], kind === "absent" ? /not built/ : /gradlab\.node: .*(invalid ELF header|too short|file too short)/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
