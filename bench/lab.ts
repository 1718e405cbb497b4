// What a student waits for and what the lab costs: `npm start` on a built checkout until
// JupyterLab's file browser lists the course notebooks in a browser, opening 01-tour until
// its gradlab kernel is idle, Run All until the kernel is idle again, and the memory of
// the server, the kernel and the browser then. Jupyter's folders are temporary ones, so
// the user's own are untouched; the browser is Debian's chromium, headless.
//   node dist/bench/lab.js [runs]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const ROOT = path.join(__dirname, "..", "..");

/**
 * Memory (MB) of pid and its descendants, grouped by what each process is: proportional set
 * size (shared pages split among the processes sharing them, so chromium's many processes
 * add up honestly), from /proc.
 */
function treeMemory(pid: number): Record<string, number> {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch { /* gone */ }
  }
  const out: Record<string, number> = {};
  const walk = (p: number) => {
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ");
      const rss = Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${p}/smaps_rollup`, "utf8"))?.[1] ?? 0) / 1024;
      const kind = cmd.includes("lab/server.py") ? "server (jupyter_server)" : / kernel -f /.test(cmd) ? "gradlab kernel" : /chrom/.test(cmd) ? "chromium" : "npm and gradlab lab (node)";
      out[kind] = (out[kind] ?? 0) + rss;
    } catch { /* gone */ }
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

function waitForUrl(proc: ChildProcess, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => { const m = /http:\/\/(?:localhost|127\.0\.0\.1):\d+\/lab\?token=[0-9a-f]+/.exec(log()); if (m) resolve(m[0]); };
    proc.stdout!.on("data", check);
    proc.stderr!.on("data", check);
    proc.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${log()}`)));
  });
}

async function kernelIdle(page: Page): Promise<void> {
  const panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)");
  await panel.locator(".jp-KernelName", { hasText: "gradlab" }).waitFor();
  await panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').waitFor({ timeout: 600000 });
  // (a string: bench/ is compiled without the DOM's types)
  await page.waitForFunction('!Array.from(document.querySelectorAll(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt"), (e) => e.textContent).some((t) => t.includes("*"))', undefined, { timeout: 600000 });
}

async function once(): Promise<Record<string, number>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-bench-lab-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    // The server "opens the browser" with a command that does nothing; chromium is driven below.
    BROWSER: "true",
  };
  // A copy of the course, so Run All and its autosave leave the checkout's notebooks alone.
  const course = path.join(tmp, "notebooks");
  fs.cpSync(path.join(ROOT, "notebooks"), course, { recursive: true });
  const t0 = performance.now();
  const proc = spawn("npm", ["start", "--silent", "--", course], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  proc.stdout!.on("data", (d) => { log += d; });
  proc.stderr!.on("data", (d) => { log += d; });
  let browser: Browser | undefined;
  let url: string | undefined;
  try {
    url = await waitForUrl(proc, () => log);
    const tUrl = performance.now() - t0;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(120000);
    await page.goto(url);
    await page.locator(".jp-DirListing-itemText", { hasText: "01-tour.ipynb" }).waitFor();
    const tInteractive = performance.now() - t0;
    const t1 = performance.now();
    await page.locator(".jp-DirListing-itemText", { hasText: /^01-tour\.ipynb$/ }).dblclick();
    await kernelIdle(page);
    const tOpen = performance.now() - t1;
    await page.locator(".lm-MenuBar-itemLabel", { hasText: /^Run$/ }).click();
    await page.locator(".lm-Menu-itemLabel", { hasText: /^Run All Cells$/ }).click();
    const t2 = performance.now();
    await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status="busy"]').waitFor();
    await kernelIdle(page);
    const tRunAll = performance.now() - t2;
    const mem = treeMemory(proc.pid!);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const metrics = (await cdp.send("Performance.getMetrics")).metrics;
    const heap = (metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0) / 2 ** 20;
    // chromium's processes are this process's children (playwright launched them).
    const browserMem = treeMemory(process.pid).chromium ?? 0;
    return {
      "npm start → URL printed (s)": tUrl / 1000,
      "npm start → file browser listing, interactive (s)": tInteractive / 1000,
      "open 01-tour → kernel idle (s)": tOpen / 1000,
      "Run All 01-tour, full size (s)": tRunAll / 1000,
      "server (MB)": mem["server (jupyter_server)"] ?? 0,
      "gradlab kernel after Run All (MB)": mem["gradlab kernel"] ?? 0,
      "npm + gradlab lab node processes (MB)": mem["npm and gradlab lab (node)"] ?? 0,
      "chromium, all its processes (MB)": browserMem,
      "the lab tab's JS heap used (MB)": heap,
    };
  } finally {
    await browser?.close();
    // The server's own shutdown ends its kernels (in sessions of their own, out of npm's group).
    const exited = new Promise((r) => proc.once("exit", r));
    if (url) await fetch(new URL("/api/shutdown", url), { method: "POST", headers: { Authorization: `token ${new URL(url).searchParams.get("token")}` } }).catch(() => undefined);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15000))]);
    try { process.kill(-proc.pid!, "SIGTERM"); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 2000));
    try { process.kill(-proc.pid!, "SIGKILL"); } catch { /* gone */ }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync("/usr/bin/chromium")) throw new Error("chromium is not installed (apt-get install chromium)");
  if (spawnSync("/usr/bin/python3", ["-c", "import jupyterlab_server"]).status !== 0) throw new Error("jupyterlab_server is not installed (apt-get install python3-jupyterlab-server)");
  const runs = Number(process.argv[2] ?? 1);
  const all: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) all.push(await once());
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`gradlab lab (median of ${runs} run${runs > 1 ? "s" : ""})`);
  for (const k of Object.keys(all[0])) console.log(`  ${k.padEnd(52)} ${med(all.map((r) => r[k])).toFixed(k.endsWith("(s)") ? 2 : 0)}`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
