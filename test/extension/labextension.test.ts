// The built labextension has the layout JupyterLab loads prebuilt extensions from, and
// `gradlab install --prefix` puts it where JupyterLab looks
// (PREFIX/share/jupyter/labextensions/@gradlab/jupyterlab-extension).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BUILT = path.join(ROOT, "extension", "labextension");
const NAME = "@gradlab/jupyterlab-extension";

interface Meta { name: string; jupyterlab: { _build?: { load: string; extension?: string; mimeExtension?: string; style?: string } } }
const meta = (dir: string): Meta => JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));

/** Checks a labextension folder: package.json's _build points at a static/remoteEntry.<hash>.js that exposes gradlab's modules. */
function checkLayout(dir: string): void {
  assert.ok(fs.existsSync(path.join(dir, "package.json")), `${dir}/package.json is missing: build with \`node scripts/build-extension.js\` (npm test does)`);
  const m = meta(dir);
  assert.equal(m.name, NAME);
  const b = m.jupyterlab._build;
  assert.ok(b, "package.json has jupyterlab._build (written by build-labextension)");
  assert.match(b.load, /^static\/remoteEntry\.[0-9a-f]+\.js$/);
  assert.equal(b.mimeExtension, "./mimeExtension", "the renderers are a mimeExtension");
  assert.equal(b.extension, "./extension", "the Stop training plugin is an extension");
  assert.equal(b.style, "./style");
  const entries = fs.readdirSync(path.join(dir, "static")).filter((f) => /^remoteEntry\..*\.js$/.test(f));
  assert.deepEqual(entries, [path.basename(b.load)], "exactly one remoteEntry, the one package.json names");
  const entry = fs.readFileSync(path.join(dir, b.load), "utf8");
  for (const exposed of ["./index", "./extension", "./mimeExtension", "./style"]) assert.ok(entry.includes(`"${exposed}"`), `the remoteEntry exposes ${exposed}`);
  // JupyterLab's own packages are shared from the page, never bundled a second time.
  assert.ok(entry.includes("@jupyterlab/rendermime-interfaces") || entry.includes("@lumino/widgets"), "the remoteEntry consumes JupyterLab's shared packages");
}

describe("extension: the prebuilt labextension", () => {
  it("has the layout JupyterLab loads (package.json jupyterlab._build, static/remoteEntry.*.js)", () => {
    checkLayout(BUILT);
  });

  it("is installed by `gradlab install --prefix` into share/jupyter/labextensions/@gradlab/jupyterlab-extension", () => {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-install-"));
    try {
      const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "install", "--prefix", prefix], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const target = path.join(prefix, "share", "jupyter", "labextensions", "@gradlab", "jupyterlab-extension");
      assert.ok(r.stdout.includes(target), `install says where it put the extension: ${r.stdout}`);
      checkLayout(target);
      assert.equal(meta(target).jupyterlab._build!.load, meta(BUILT).jupyterlab._build!.load, "the installed copy is the built one");
      const install = JSON.parse(fs.readFileSync(path.join(target, "install.json"), "utf8"));
      assert.equal(install.packageManager, "npm", "install.json tells JupyterLab how gradlab was installed");
      assert.ok(fs.existsSync(path.join(prefix, "share", "jupyter", "kernels", "gradlab", "kernel.json")), "the kernelspec is installed alongside");
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
    }
  });
});
