// `gradlab lab [DIR] [--port N] [--no-browser]`: JupyterLab (the standard plugins, built by
// scripts/build-lab.js into lab/build) with gradlab's prebuilt extension, served by
// lab/server.py on jupyter_server + jupyterlab_server (Debian's python3-jupyterlab-server).
// The kernelspec and extension are installed for the user first, as `npm start` does.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { install } from "./install";

const ROOT = path.join(__dirname, "..", "..");
export const LAB = path.join(ROOT, "lab");

/** Pythons to try: GRADLAB_PYTHON alone when set, else Debian's first (its jupyter packages live there, not in a pyenv or venv). */
const PYTHONS = process.env.GRADLAB_PYTHON ? [process.env.GRADLAB_PYTHON] : ["/usr/bin/python3", "python3"];

/** The first Python that has jupyter_server and jupyterlab_server ≥ 2, or null. */
export function labPython(): string | null {
  const probe = "import jupyter_server, jupyterlab_server; assert int(jupyterlab_server.__version__.split('.')[0]) >= 2";
  return PYTHONS.find((p) => spawnSync(p, ["-c", probe], { stdio: "ignore" }).status === 0) ?? null;
}

/** Why `gradlab lab` cannot run here, or null when it can. */
export function labMissing(): string | null {
  return labPython() ? null : "jupyter_server and jupyterlab_server are not installed for Python (Debian: apt-get install python3-jupyterlab-server)";
}

/** Builds lab/build when it is missing or older than its sources (a no-op otherwise). */
function build(): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "build-lab.js"), "--strict"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("the lab did not build (see above); npm install builds it too");
}

export interface LabOptions { dir?: string; port?: number; browser: boolean }

/** Runs the lab until its server exits; resolves with the server's exit code. */
export async function lab(o: LabOptions): Promise<number> {
  const python = labPython();
  if (!python) throw new Error(`gradlab lab: ${labMissing()}`);
  const dir = path.resolve(o.dir ?? ".");
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`gradlab lab: ${dir} is not a folder`);
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port > 0 && o.port < 65536)) throw new Error(`--port must be a port number, got ${o.port}`);
  build();
  for (const line of install({ user: true })) console.log(`gradlab: ${line}`);
  const args = [path.join(LAB, "server.py"), `--ServerApp.root_dir=${dir}`];
  if (o.port !== undefined) args.push(`--port=${o.port}`, "--ServerApp.port_retries=0");
  if (!o.browser) args.push("--no-browser");
  // Containers and fresh machines often run as root; jupyter_server refuses that unless told.
  if (process.getuid?.() === 0) args.push("--allow-root");
  // In DIR: jupyter_server 1.x starts terminals in its own working folder.
  const child = spawn(python, args, { stdio: "inherit", cwd: dir });
  // Ctrl+C reaches the server too (same terminal); it asks to confirm, as `jupyter lab` does.
  // A SIGTERM or SIGHUP sent to this process alone is passed on: the server then shuts its
  // kernels down and exits, and so does this process (an orphaned server would keep them).
  const ignore = () => undefined;
  const pass = (signal: NodeJS.Signals) => { child.kill(signal); };
  process.on("SIGINT", ignore);
  process.on("SIGTERM", pass);
  process.on("SIGHUP", pass);
  return new Promise((resolve) => child.on("exit", (code, signal) => {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", pass);
    process.off("SIGHUP", pass);
    resolve(code ?? (signal ? 1 : 0));
  }));
}
