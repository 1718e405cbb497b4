// The kernel's startup snapshot, through Jupyter's own client (snapshot_client.py): a
// kernel that starts without one writes it in the background, the next kernel starts
// from it and works as before (in a folder with no node_modules of its own), a snapshot
// older than gradlab's declarations is rewritten, `gradlab install` writes it at once,
// and GRADLAB_SNAPSHOT=0 starts without it.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";

const blobs = (cache: string) => {
  const dir = path.join(cache, "gradlab");
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".blob")) : [];
};

describe("the kernel's startup snapshot, through Jupyter's client", function () {
  this.timeout(600_000);
  let tmp = "";
  let env: NodeJS.ProcessEnv = {};
  let notebookDir = "";

  const probe = (extra: NodeJS.ProcessEnv = {}) => {
    const r = spawnSync(PY, [path.join(ROOT, "test", "kernel", "snapshot_client.py")], {
      encoding: "utf8", cwd: notebookDir, timeout: 240_000,
      env: { ...env, ...extra, PYTHONPATH: path.join(ROOT, "test", "kernel") },
    });
    assert.equal(r.status, 0, `snapshot_client.py failed:\n${r.stderr}`);
    const obs = JSON.parse(r.stdout);
    assert.equal(obs.failure, undefined, `snapshot_client.py stopped: ${obs.failure}\n${r.stderr.slice(-2000)}`);
    return obs;
  };

  /** What a working kernel answers, snapshot or not. */
  const worksAsAKernel = (obs: any) => {
    assert.equal(obs.node_types, "'linux 2'");
    assert.equal(obs.gradlab, "[ 2, 3 ]");
    assert.equal(obs.kept, "true");
    assert.match(obs.type_error.error, /TS2322: Type 'string' is not assignable to type 'number'/);
    assert.equal(obs.traceback.length, 2, obs.traceback.join("\n"));
    assert.equal(obs.traceback[0], "RangeError: too far");
    assert.match(obs.traceback[1], /^ {4}at cell\[\d+\] line 2: throw new RangeError\('too far'\);$/);
    assert.equal(obs.inspect.found, true);
    assert.match(obs.inspect.data["text/plain"], /randn/);
    // The launcher execs Node: the process Jupyter signals is the kernel itself.
    assert.equal(Number(obs.pid), obs.kernel_pid);
  };

  before(function () {
    const probeClient = spawnSync(PY, ["-c", "import jupyter_client"], { encoding: "utf8" });
    if (probeClient.status !== 0) {
      console.log("    (skipped: Debian's jupyter-client is not installed; npm test installs it as root)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-snapshot-"));
    notebookDir = path.join(tmp, "course"); // no node_modules above it
    fs.mkdirSync(notebookDir);
    env = {
      ...process.env,
      XDG_CACHE_HOME: path.join(tmp, "cache"),
      JUPYTER_PATH: path.join(tmp, "share", "jupyter"),
      JUPYTER_DATA_DIR: path.join(tmp, "data"),
      JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    };
    delete env.GRADLAB_SNAPSHOT;
    // Installed without writing the snapshot, so that the first kernel has none.
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8", env: { ...env, GRADLAB_SNAPSHOT: "0" } });
    assert.equal(inst.status, 0, inst.stderr);
    assert.doesNotMatch(inst.stdout, /kernel startup snapshot/);
  });

  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("starts the kernel through its launcher, with the files the snapshot is written for", () => {
    const spec = JSON.parse(fs.readFileSync(path.join(tmp, "share", "jupyter", "kernels", "gradlab", "kernel.json"), "utf8"));
    assert.deepEqual(spec.argv.slice(0, 2), ["/bin/sh", path.join(ROOT, "scripts", "kernel.sh")]);
    assert.equal(spec.argv[2], process.execPath);
    assert.equal(spec.argv[3], CLI);
    assert.match(spec.argv[4], /typescript-for-tslab\/lib\/typescript\.js$/);
    assert.equal(spec.argv[5], path.join(ROOT, "dist", "kernel", "snapshot_entry.js"));
    assert.equal(spec.argv[6], "{connection_file}");
  });

  it("writes the snapshot in the background after a kernel started without one; the next kernel starts from it", async () => {
    const first = probe();
    assert.equal(first.snapshot, "'none'");
    worksAsAKernel(first);
    const deadline = Date.now() + 300_000;
    while (blobs(env.XDG_CACHE_HOME!).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    assert.equal(blobs(env.XDG_CACHE_HOME!).length, 1, "no snapshot was written");
    const second = probe();
    assert.notEqual(second.snapshot, "'none'", "the second kernel did not start from the snapshot");
    const { reused, parsed } = JSON.parse(second.snapshot.slice(1, -1));
    // Every declaration file came from the snapshot; only the cells' own files were parsed.
    assert.ok(reused > 200, `only ${reused} declaration files came from the snapshot`);
    assert.ok(parsed <= 2 * 8, `${parsed} files were parsed afresh`);
    worksAsAKernel(second);
  });

  it("rewrites a snapshot whose declaration files changed since, after starting from it", async () => {
    const [blob] = blobs(env.XDG_CACHE_HOME!).map((f) => path.join(env.XDG_CACHE_HOME!, "gradlab", f));
    const before = fs.statSync(blob).mtimeMs;
    // gradlab's own declarations rebuilt: their time is what a rebuild changes.
    const api = path.join(ROOT, "dist", "kernel", "api.d.ts");
    const now = new Date();
    fs.utimesSync(api, now, now);
    const obs = probe();
    assert.notEqual(obs.snapshot, "'none'", "a stale snapshot is still used (what changed is parsed afresh)");
    worksAsAKernel(obs);
    const deadline = Date.now() + 300_000;
    while (fs.statSync(blob).mtimeMs === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    assert.notEqual(fs.statSync(blob).mtimeMs, before, "the stale snapshot was not rewritten");
  });

  it("starts without the snapshot under GRADLAB_SNAPSHOT=0", () => {
    assert.equal(blobs(env.XDG_CACHE_HOME!).length, 1);
    const obs = probe({ GRADLAB_SNAPSHOT: "0" });
    assert.equal(obs.snapshot, "'none'");
    worksAsAKernel(obs);
  });

  it("is written by gradlab install at once", () => {
    const cache = path.join(tmp, "cache-install");
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", path.join(tmp, "second")], { encoding: "utf8", env: { ...env, XDG_CACHE_HOME: cache } });
    assert.equal(inst.status, 0, inst.stderr);
    assert.match(inst.stdout, /kernel startup snapshot in .*kernel-\d+-\d+\.blob/);
    assert.deepEqual(blobs(cache).length, 1);
    // A new build of this gradlab replaces its older snapshot, and leaves other installations' alone.
    const [written] = blobs(cache);
    const [, install] = /^kernel-(\d+)-(\d+)\.blob$/.exec(written)!;
    const dir = path.join(cache, "gradlab");
    fs.writeFileSync(path.join(dir, `kernel-${install}-1.blob`), "an older build's");
    fs.writeFileSync(path.join(dir, "kernel-1-1.blob"), "another installation's");
    fs.rmSync(path.join(dir, written));
    const again = spawnSync(process.execPath, [CLI, "install", "--prefix", path.join(tmp, "second")], { encoding: "utf8", env: { ...env, XDG_CACHE_HOME: cache } });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(blobs(cache).sort(), [written, "kernel-1-1.blob"].sort());
  });
});
