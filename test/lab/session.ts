// What the lab tests stand up: `gradlab lab` itself (the CLI, as a person runs it) on a copy
// of some course notebooks, with Jupyter's folders in a temporary place, and (openLab)
// Debian's chromium on the URL it prints. Every page error, console error, failed request and
// HTTP error response is recorded, so a test can say there were none.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import type { Page } from "playwright-core";
import { chromiumMissing, launch } from "../extension/browser";
import { labMissing } from "../../kernel/lab";

export const ROOT = path.resolve(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");

/** Where the lab tests save their screenshots. */
export const ARTIFACTS = path.join(ROOT, "dist", "test-artifacts", "lab");

/** Skips the suite, saying why, where chromium or the lab's server is not installed. */
export function skipWithoutLab(ctx: Mocha.Context): void {
  const why = chromiumMissing() ?? labMissing();
  if (!why) return;
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

export interface LabSession {
  /** the URL `gradlab lab` printed, token included. */
  url: string;
  /** the folder the lab serves (copies of the notebooks). */
  dir: string;
  page: Page;
  /** page errors, console errors, failed requests and HTTP errors, as they came. */
  problems: string[];
  /** the path of every websocket the page opened, in order (a reconnect loop shows here). */
  sockets: string[];
  /** what `gradlab lab` printed. */
  log(): string;
  /** ms from spawning `gradlab lab` to its URL printed, and to the file browser listing files. */
  timings: { url: number; interactive: number };
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/** A pause that does not keep the process alive. */
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Resolves with the first URL with a token that `gradlab lab` prints. */
function printedUrl(proc: ChildProcess, log: () => string, port: number, timeoutMs: number): Promise<string> {
  const re = new RegExp(`http://(?:127\\.0\\.0\\.1|localhost):${port}/lab\\?token=[0-9a-f]+`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gradlab lab printed no URL within ${timeoutMs / 1000} s:\n${log()}`)), timeoutMs);
    const check = () => {
      const m = re.exec(log());
      if (m) { clearTimeout(timer); resolve(m[0]); }
    };
    proc.stdout!.on("data", check);
    proc.stderr!.on("data", check);
    proc.once("exit", (code) => { clearTimeout(timer); reject(new Error(`gradlab lab exited with ${code}:\n${log()}`)); });
  });
}

/**
 * A second TypeScript kernel, tslab's own (gradlab's kernel is built on it), for the checks
 * that follow a kernel change: installed into the lab's Jupyter data folder.
 */
function installTslabKernel(data: string): void {
  const dir = path.join(data, "kernels", "tslab");
  fs.mkdirSync(dir, { recursive: true });
  const argv = [process.execPath, path.join(ROOT, "node_modules", "tslab", "bin", "tslab"), "kernel", "--config-path", "{connection_file}"];
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript (tslab)", language: "typescript" }, null, 1));
}

/** `gradlab lab` running, as its CLI printed it. */
export interface LabServer {
  /** the URL `gradlab lab` printed, token included. */
  url: string;
  token: string;
  /** the folder the lab serves (copies of the notebooks). */
  dir: string;
  /** Jupyter's config folder for this lab (user settings, labconfig). */
  configDir: string;
  /** what `gradlab lab` printed. */
  log(): string;
  /** ms from spawning `gradlab lab` to its URL printed. */
  startedMs: number;
  stop(): Promise<void>;
}

/** Starts `gradlab lab DIR --port P --no-browser` on copies of the named course notebooks. */
export async function startLab(notebooks: string[]): Promise<LabServer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-lab-"));
  const dir = path.join(tmp, "notebooks");
  fs.mkdirSync(dir);
  for (const n of notebooks) fs.copyFileSync(path.join(ROOT, "notebooks", `${n}.ipynb`), path.join(dir, `${n}.ipynb`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The kernels inherit this: the notebooks run their CI size.
    GRADLAB_CI: "1",
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    JUPYTER_DATA_DIR: path.join(tmp, "data"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    JUPYTER_PLATFORM_DIRS: "1",
  };
  delete env.JUPYTER_TOKEN;
  // The lab's kernels show progress as a user's do (the suite itself runs with it off).
  delete env.GRADLAB_VERBOSE;
  installTslabKernel(env.JUPYTER_DATA_DIR!);
  const t0 = Date.now();
  // detached: its own process group, so stop() can end what is left of it at once.
  const proc = spawn(process.execPath, [CLI, "lab", dir, "--port", String(port), "--no-browser"], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  proc.stdout!.on("data", (d) => { log += d; });
  proc.stderr!.on("data", (d) => { log += d; });
  const url = await printedUrl(proc, () => log, port, 120000);
  const token = new URL(url).searchParams.get("token")!;
  return {
    url, token, dir, configDir: env.JUPYTER_CONFIG_DIR!, log: () => log, startedMs: Date.now() - t0,
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once("exit", r));
        // The server's own shutdown ends its kernels first (they run in sessions of their
        // own, which no signal to this group reaches); `gradlab lab` exits with it.
        await fetch(new URL("/api/shutdown", url), { method: "POST", headers: { Authorization: `token ${token}` } }).catch(() => undefined);
        await Promise.race([exited, sleep(15000)]);
        if (proc.exitCode === null) process.kill(-proc.pid!, "SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        if (proc.exitCode === null) process.kill(-proc.pid!, "SIGKILL");
      }
      proc.stdout!.destroy();
      proc.stderr!.destroy();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Starts `gradlab lab` on copies of the named course notebooks and opens its page in chromium. */
export async function openLab(notebooks: string[], timeoutMs: number): Promise<LabSession> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startLab(notebooks);
  const t0 = Date.now() - server.startedMs;
  const browser = await launch();
  const page = await browser.context.newPage();
  page.setDefaultTimeout(timeoutMs);
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${(e.stack ?? String(e)).split("\n").slice(0, 6).join("\n")}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("requestfailed", (r) => problems.push(`failed request: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  const sockets: string[] = [];
  page.on("websocket", (ws) => sockets.push(new URL(ws.url()).pathname));
  await page.goto(server.url);
  await page.locator(".jp-DirListing-item").first().waitFor();
  const interactive = Date.now() - t0;
  return {
    url: server.url, dir: server.dir, page, problems, sockets, log: server.log, timings: { url: server.startedMs, interactive },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}
