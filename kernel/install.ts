// `gradlab install` / `uninstall`: the kernelspec (and the prebuilt JupyterLab extension)
// in Jupyter's data directories, found without Python when they can be.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { logo } from "./png";
import { buildSnapshot, kernelArgv, snapshotPath } from "./snapshot";

export interface Where { user?: boolean; sysPrefix?: boolean; prefix?: string; python?: string }

const ROOT = path.join(__dirname, "..", "..");
const EXTENSION = "@gradlab/jupyterlab-extension";

/** The Jupyter data directory for the chosen scope (`jupyter --data-dir` for --user). */
export function dataDir(w: Where): string {
  if (w.prefix) return path.join(path.resolve(w.prefix), "share", "jupyter");
  if (w.sysPrefix) {
    const python = w.python ?? "python3";
    const r = spawnSync(python, ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`gradlab install --sys-prefix: could not ask ${python} for sys.prefix (${(r.stderr || r.error?.message || "").trim()}); pass --python or use --prefix`);
    return path.join(r.stdout.trim(), "share", "jupyter");
  }
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? os.homedir(), "jupyter");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
}

export function kernelSpec(): Record<string, unknown> {
  return {
    argv: kernelArgv(),
    display_name: "TypeScript (gradlab)",
    language: "typescript",
    interrupt_mode: "signal",
    env: {},
    metadata: { debugger: false },
  };
}

/** Writes (or rewrites: idempotent) the kernelspec and the labextension; returns what it did, line by line. */
export function install(w: Where): string[] {
  const data = dataDir(w);
  const dir = path.join(data, "kernels", "gradlab");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(), null, 2) + "\n");
  fs.writeFileSync(path.join(dir, "logo-32x32.png"), logo(32));
  fs.writeFileSync(path.join(dir, "logo-64x64.png"), logo(64));
  const done = [`kernelspec "gradlab" (TypeScript (gradlab)) in ${dir}`];
  const built = path.join(ROOT, "extension", "labextension");
  const target = path.join(data, "labextensions", ...EXTENSION.split("/"));
  if (fs.existsSync(path.join(built, "package.json"))) {
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(built, target, { recursive: true });
    fs.copyFileSync(path.join(ROOT, "install.json"), path.join(target, "install.json"));
    done.push(`JupyterLab extension ${EXTENSION} in ${target}`);
  } else {
    done.push(`JupyterLab extension not installed: it is not built (${built} is missing; npm run build builds it)`);
  }
  return done;
}

/**
 * Writes the kernel's startup snapshot unless it exists (or GRADLAB_SNAPSHOT=0); says
 * what it did. Without it the first kernel writes it in the background.
 */
export async function writeSnapshot(): Promise<string | null> {
  if (process.env.GRADLAB_SNAPSHOT === "0") return null;
  const where = snapshotPath();
  if (fs.existsSync(where)) return `kernel startup snapshot in ${where}`;
  const { Session } = await import("./session");
  const session = new Session(fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-preload-")));
  await session.preload();
  session.close();
  fs.rmSync(session.cwd, { recursive: true, force: true });
  const built = buildSnapshot(session.preloadConversion!);
  return "path" in built ? `kernel startup snapshot in ${built.path}` : `kernel startup snapshot not written (kernels start without it, a second slower): ${built.error}`;
}

export function uninstall(w: Where): string[] {
  const data = dataDir(w);
  const out: string[] = [];
  for (const p of [path.join(data, "kernels", "gradlab"), path.join(data, "labextensions", ...EXTENSION.split("/"))]) {
    if (fs.existsSync(p)) {
      fs.rmSync(p, { recursive: true, force: true });
      out.push(`removed ${p}`);
    }
  }
  return out.length ? out : [`nothing of gradlab's in ${data}`];
}
