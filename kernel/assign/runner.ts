// `gradlab validate`'s executor, for a student checking their own notebook on their own
// machine (grading runs submissions in sandboxes: execute.ts). Runs one notebook in its own process: `gradlab run` in a fresh private directory
// holding nothing but a pipe the notebook is read from, with a minimal environment, a time
// limit per cell (gradlab run's own), a hard limit for the whole run (the process group is
// killed), and a memory limit (V8's heap limit, an address-space cap, and the resident size
// polled from /proc and killed past the limit).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawn, execFileSync } from "node:child_process";
import type { Notebook } from "./notebook";
import { treeRssMB } from "./execute";

export interface RunLimits {
  /** Seconds per cell (an interrupted cell becomes an error; later cells still run). */
  cellTimeout: number;
  /** Seconds for the whole run; past it the process group is killed. */
  totalTimeout: number;
  /** Resident memory in MiB; past it the process group is killed. */
  memoryMB: number;
}

export interface RunOutcome {
  /** The executed notebook, or null when the process was stopped before writing it. */
  notebook: Notebook | null;
  status: "ok" | "timeout" | "memory" | "crashed";
  detail: string;
  /** The index of the cell that was running when the process was stopped, if known. */
  runningCell: number | null;
  seconds: number;
  peakRssMB: number;
}

/** What the grader needs from an executor: one notebook in, the executed notebook out. */
export interface Runner {
  run(nb: Notebook, limits: RunLimits): Promise<RunOutcome>;
}

const MARK = "\u0001gradlab-cell ";

/** A cell before each cell that tells the grader, on the real stderr, which cell starts. */
function marker(k: number): any {
  return {
    cell_type: "code", metadata: { gradlab_marker: true }, outputs: [], execution_count: null,
    source: [`require("fs").writeSync(2, ${JSON.stringify(MARK + k + "\n")});`],
  };
}

export class ProcessRunner implements Runner {
  /** cli: the gradlab CLI script (dist/kernel/cli.js). */
  constructor(private readonly cli: string = path.join(__dirname, "..", "cli.js")) {}

  async run(nb: Notebook, limits: RunLimits): Promise<RunOutcome> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-sub-"));
    fs.chmodSync(dir, 0o700);
    const input = path.join(dir, "submission.ipynb");
    // A pipe, not a file: once gradlab run has read the notebook (hidden tests included),
    // nothing of it is left on disk for the student's code to read.
    execFileSync("mkfifo", ["-m", "600", input]);
    const marked = { ...nb, cells: nb.cells.flatMap((c, k) => [marker(k), c]) };
    const heap = Math.max(64, Math.floor(limits.memoryMB * 0.75));
    const vmKB = (limits.memoryMB + 4096) * 1024; // address space: V8 and BLAS threads reserve far more than they use
    // fd 3 of node is a real pipe (Node's own stdio "pipes" are sockets, which /dev/fd/3 cannot open); cat passes it on.
    const script = `ulimit -v ${vmKB} 2>/dev/null; "$0" --max-old-space-size=${heap} "$@" 3>&1 1>/dev/null | cat`;
    // The executed notebook comes back on a pipe (fd 3), never as a file another submission could read.
    const child = spawn("sh", ["-c", script, process.execPath, this.cli, "run", "submission.ipynb", "--out", "/dev/fd/3",
      "--allow-errors", "--timeout", String(limits.cellTimeout)], {
      cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: dir, TMPDIR: dir, LANG: "C.UTF-8", OPENBLAS_NUM_THREADS: "1" },
    });
    const t0 = Date.now();
    const writer = fs.createWriteStream(input);
    writer.on("error", () => {});
    // Once written, the pipe's name goes: the reader holds it open, nothing is left to find.
    writer.on("finish", () => fs.rmSync(input, { force: true }));
    writer.end(JSON.stringify(marked));
    const chunks: Buffer[] = [];
    child.stdout!.on("data", (d: Buffer) => chunks.push(d));
    let stderr = "", running = null as number | null, peak = 0, stopped = null as "timeout" | "memory" | null;
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      for (const m of stderr.matchAll(/\u0001gradlab-cell (\d+)\n/g)) running = Number(m[1]);
      stderr = stderr.replace(/\u0001gradlab-cell \d+\n/g, "").slice(-20000);
    });
    const kill = (why: "timeout" | "memory") => {
      if (stopped) return;
      stopped = why;
      try { process.kill(-child.pid!, "SIGKILL"); } catch { /* already gone */ }
    };
    const poll = setInterval(() => {
      const rss = treeRssMB(child.pid!);
      peak = Math.max(peak, rss);
      if (rss > limits.memoryMB) kill("memory");
    }, 100);
    const timer = setTimeout(() => kill("timeout"), limits.totalTimeout * 1000);
    const code: number | null = await new Promise((resolve) => child.on("close", (c, sig) => resolve(sig ? null : c)));
    clearInterval(poll);
    clearTimeout(timer);
    if (!writer.writableFinished) {
      // The child died before reading: open the pipe's other end so the writer is released.
      try { fs.closeSync(fs.openSync(input, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK)); } catch { /* gone */ }
      writer.destroy();
    }
    const seconds = (Date.now() - t0) / 1000;
    let notebook: Notebook | null = null;
    if (!stopped && chunks.length) {
      try {
        notebook = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        notebook!.cells = notebook!.cells.filter((c) => !c.metadata?.gradlab_marker);
      } catch {
        notebook = null; // not a notebook: whatever wrote it, there are no results
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    const oom = /heap out of memory|Allocation failed|Cannot allocate memory|std::bad_alloc/i.test(stderr);
    const status = stopped ?? (notebook ? "ok" : oom ? "memory" : "crashed");
    const detail = status === "ok" ? "" :
      status === "timeout" ? `stopped after ${limits.totalTimeout} s (the time limit for the whole notebook)` :
      status === "memory" ? `stopped: more than ${limits.memoryMB} MiB of memory` :
      `the notebook's process ended (exit ${code ?? "by signal"}) without results: ${stderr.trim().split("\n").slice(-3).join(" / ")}`;
    return { notebook, status, detail, runningCell: running, seconds, peakRssMB: Math.round(peak) };
  }
}
