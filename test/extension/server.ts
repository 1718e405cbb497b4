// A real `jupyter server` (Debian's jupyter-server) for the e2e test: the gradlab
// kernelspec installed into a temporary prefix by `gradlab install --prefix`, a
// notebook folder, and the test page served as its extra static files (same origin,
// so no CORS settings).
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { ROOT } from "./bundle";

export const PYTHON = "/usr/bin/python3";

/** Why the server cannot run here, or null when it can. */
export function serverMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import jupyter_server"], { encoding: "utf8" });
  return r.status === 0 ? null : `jupyter_server is not importable by ${PYTHON} (apt-get install jupyter-server)`;
}

export interface Server { url: string; token: string; dir: string; prefix: string; proc: ChildProcess; log: () => string; stop(): Promise<void> }

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/** A pause that does not keep the process alive. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** An empty notebook whose kernelspec is gradlab's. */
const NOTEBOOK = {
  cells: [], nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" }, language_info: { name: "typescript" } },
};

/** Installs the kernel into a temporary prefix and starts a jupyter server serving pageDir under /static/. */
export async function startServer(pageDir: string): Promise<Server> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-e2e-"));
  const prefix = path.join(tmp, "prefix"), dir = path.join(tmp, "notebooks");
  fs.mkdirSync(dir, { recursive: true });
  const inst = spawnSync(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "install", "--prefix", prefix], { encoding: "utf8" });
  if (inst.status !== 0) throw new Error(`gradlab install --prefix failed: ${inst.stderr || inst.stdout}`);
  fs.writeFileSync(path.join(dir, "gradlab.ipynb"), JSON.stringify(NOTEBOOK, null, 1));
  const port = await freePort(), token = `gradlab-e2e-${process.pid}`;
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    JUPYTER_DATA_DIR: path.join(tmp, "data"),
    JUPYTER_PLATFORM_DIRS: "1",
  };
  const proc = spawn(PYTHON, ["-m", "jupyter_server", "--no-browser", `--port=${port}`, "--ip=127.0.0.1", `--ServerApp.token=${token}`,
    `--ServerApp.root_dir=${dir}`, `--ServerApp.extra_static_paths=${pageDir}`, "--ServerApp.port_retries=0",
    // CI containers run as root; the server refuses that unless told.
    ...(process.getuid?.() === 0 ? ["--allow-root"] : [])],
  { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout!.on("data", (d) => { log += d; });
  proc.stderr!.on("data", (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`jupyter server exited with ${proc.exitCode}:\n${log}`);
    try {
      const r = await fetch(`${url}/api/kernelspecs?token=${token}`);
      if (r.ok) {
        const specs = (await r.json()) as { kernelspecs: Record<string, unknown> };
        if (!specs.kernelspecs.gradlab) throw new Error(`the server does not list the gradlab kernelspec (JUPYTER_PATH=${env.JUPYTER_PATH}): ${Object.keys(specs.kernelspecs)}`);
        break;
      }
    } catch (e) {
      if (e instanceof Error && e.message.includes("gradlab kernelspec")) throw e;
    }
    if (Date.now() - t0 > 30000) throw new Error(`jupyter server did not answer within 30 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url, token, dir, prefix, proc, log: () => log,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        // The server's own shutdown ends its kernels first (a signal could orphan them).
        await fetch(`${url}/api/shutdown`, { method: "POST", headers: { Authorization: `token ${token}` } }).catch(() => undefined);
        await Promise.race([exited, sleep(10000)]);
        if (proc.exitCode === null) {
          proc.kill("SIGTERM");
          await Promise.race([exited, sleep(5000)]);
        }
        if (proc.exitCode === null) proc.kill("SIGKILL");
      }
      // A kernel that outlived the server would hold these pipes (it inherits them) and this process.
      proc.stdout!.destroy();
      proc.stderr!.destroy();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
