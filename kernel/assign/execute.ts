// Runs one prepared submission as two processes that never share a realm: the student's
// (kernel/assign/student.ts, in its sandbox) runs the student's cells and the locked ones;
// the judge's (kernel/assign/judge.ts, in a sandbox of its own) runs the locked and test
// cells and decides each test. The grader relays the judge's requests to the student's
// process, keeps time, and reads verdicts only from the judge's pipe. When a cell ends or
// kills the student's process (exit, signal, memory, time), that cell is marked, a fresh
// process replays the cells before it, and grading goes on.
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { launch, type Launched, type Limits } from "./sandbox";
import { MAX_MESSAGE, LineSplitter } from "./wire";

export interface CellPlan {
  /** Index in the prepared notebook. */
  index: number;
  code: string;
  /** student: the student's cell; locked: the assignment's, run on both sides; test: judged. */
  side: "student" | "locked" | "test";
  label: string;
}

export interface Verdict { passed: boolean; message: string }

export interface SubmissionOutcome {
  verdicts: Map<number, Verdict>;
  notes: string[];
  /** What the student's own cells printed (capped), and their errors. */
  printed: { label: string; text: string }[];
  seconds: number;
  peakMB: number;
}

type Next = { kind: "msg"; msg: any } | { kind: "timeout" } | { kind: "exit"; why: string };

const SIGNALS: Record<number, string> = { 1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ" };

/** The resident memory of a process and all its descendants, in MiB (0 for one that is gone). */
export function treeRssMB(pid: number): number {
  let kb = 0;
  const visit = (p: number, depth: number) => {
    try { kb += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0); } catch { return; }
    if (depth > 20) return;
    try { for (const c of fs.readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) visit(Number(c), depth + 1); } catch { /* gone */ }
  };
  visit(pid, 0);
  return kb / 1024;
}

/** A launched process and its message pipe (fd 3), with its own output kept as a short tail. */
class Proc {
  private readonly l: Launched;
  private readonly queue: any[] = [];
  private waiter: ((n: Next) => void) | null = null;
  private readonly lines = new LineSplitter();
  private exitWhy: string | null = null;
  private stoppedFor: string | null = null;
  tail = "";
  peakMB = 0;
  private poll: NodeJS.Timeout | null = null;

  constructor(script: string, args: string[], private readonly limits: Limits, sandbox: boolean) {
    this.l = launch(script, args, limits, { sandbox, heapMB: Math.max(128, Math.floor(limits.memoryMB * 0.75)) });
    const c: ChildProcess = this.l.child;
    c.stdin!.on("error", () => {});
    const keep = (d: Buffer) => { this.tail = (this.tail + d.toString("utf8")).slice(-4000); };
    c.stdout!.on("data", keep);
    c.stderr!.on("data", keep);
    const chan = c.stdio[3] as NodeJS.ReadableStream;
    chan.on("data", (d: Buffer) => {
      let lines: string[];
      try { lines = this.lines.push(d); } catch { this.stop(`it sent a message larger than ${MAX_MESSAGE / 1048576} MiB`); return; }
      for (const line of lines) {
        let msg: any;
        try { msg = JSON.parse(line); } catch { continue; /* not a message: whatever wrote it gains nothing */ }
        this.deliver({ kind: "msg", msg });
      }
    });
    chan.on("error", () => {});
    c.on("exit", (code, sig) => {
      const cg = this.l.cgroup;
      this.peakMB = Math.max(this.peakMB, cg?.peakMB() ?? 0);
      const memory = cg?.hitMemoryLimit() || /heap out of memory|Allocation failed|Cannot allocate memory|std::bad_alloc/i.test(this.tail);
      const status = sig ? `signal ${sig}` : code !== null && code > 128 ? `signal ${SIGNALS[code - 128] ?? code - 128}` : `exit code ${code}`;
      this.exitWhy = this.stoppedFor ?? (memory ? `it used more than the memory limit (${limits.memoryMB} MiB for the whole process tree)` :
        code === 128 + 24 ? "it used more than its CPU time" : code === 128 + 25 ? `it wrote a file larger than the limit (${limits.fileMB} MiB)` :
          `the process ended (${status})`);
      if (cg?.hitPidsLimit()) this.exitWhy += `; it reached the limit of ${limits.pids} processes and threads`;
      this.stop(this.exitWhy);
      this.deliver({ kind: "exit", why: this.exitWhy });
    });
    if (!this.l.cgroup) {
      // No cgroup (unsandboxed): the resident size of the process tree, polled.
      this.poll = setInterval(() => {
        const mb = treeRssMB(c.pid!);
        this.peakMB = Math.max(this.peakMB, Math.round(mb));
        if (mb > limits.memoryMB) this.stop(`it used more than the memory limit (${limits.memoryMB} MiB, resident, polled)`);
      }, 200);
    }
  }

  /** Whether a note already says why it ended. */
  reported = false;

  get why(): string { return this.stoppedFor ?? this.exitWhy ?? "it ended"; }

  /** False from the moment it is stopped, before its exit is seen. */
  get alive(): boolean { return this.exitWhy === null && this.stoppedFor === null; }

  private deliver(n: Next): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(n);
    } else if (n.kind === "msg") {
      this.queue.push(n.msg);
      // Replies come one per request; a pile of unasked-for messages is a flood.
      if (this.queue.length > 1000) {
        this.queue.length = 0;
        this.stop("it wrote more than 1000 messages nobody asked for on its reply pipe");
      }
    }
  }

  write(m: object): void {
    if (this.alive) this.l.child.stdin!.write(JSON.stringify(m) + "\n");
  }

  next(ms: number): Promise<Next> {
    if (this.queue.length) return Promise.resolve({ kind: "msg", msg: this.queue.shift() });
    if (!this.alive) return Promise.resolve({ kind: "exit", why: this.exitWhy! });
    return new Promise((resolve) => {
      const t = setTimeout(() => { if (this.waiter === done) { this.waiter = null; resolve({ kind: "timeout" }); } }, Math.max(0, ms));
      const done = (n: Next) => { clearTimeout(t); resolve(n); };
      this.waiter = done;
    });
  }

  /** Kills the whole tree (the cgroup's every process, the sandbox with it). */
  stop(why: string): void {
    if (this.stoppedFor === null) this.stoppedFor = why;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    this.peakMB = Math.max(this.peakMB, this.l.cgroup?.peakMB() ?? 0);
    this.l.stop();
  }
}

const secs = (n: number) => `${n} s`;

export async function runSubmission(cells: CellPlan[], limits: Limits, sandbox: boolean): Promise<SubmissionOutcome> {
  const t0 = Date.now();
  const deadline = t0 + limits.totalTimeout * 1000;
  const verdicts = new Map<number, Verdict>();
  const notes: string[] = [];
  const printed: { label: string; text: string }[] = [];
  const replay: CellPlan[] = [];
  let student: Proc | null = null, judge: Proc | null = null, generation = 0, restarts = 0, peak = 0, nextId = 0;
  let studentGone: string | null = null;
  /** Names bound in the judge; bound again after a restart, as their values now live in a new process. */
  const bound: string[] = [];
  let rebind = false;
  const left = () => deadline - Date.now();
  const cellMs = () => Math.min(limits.cellTimeout * 1000, left());
  const limitsArg = JSON.stringify({ outputCellBytes: limits.outputCellBytes, outputTotalBytes: limits.outputTotalBytes });

  const startProc = async (script: string, args: string[]): Promise<Proc | string> => {
    const p = new Proc(script, args, limits, sandbox);
    const r = await p.next(Math.max(60_000, limits.cellTimeout * 1000));
    if (r.kind === "msg" && r.msg.op === "ready") return p;
    p.stop("did not start");
    return r.kind === "exit" ? `${r.why}: ${p.tail.trim().split("\n").slice(-3).join(" / ")}` : "it did not start within a minute";
  };

  /** One request to the student's process: its reply, or why there is none (the process is then gone). */
  const ask = async (req: object, ms: number): Promise<{ ok: true; msg: any } | { ok: false; why: string }> => {
    const s = student!;
    const id = ++nextId;
    s.write({ id, ...req });
    // One deadline for the request: messages that are not its reply do not buy more time.
    const until = Date.now() + Math.min(ms, left());
    for (;;) {
      const n = await s.next(until - Date.now());
      if (n.kind === "msg") { if (n.msg.id === id) return { ok: true, msg: n.msg }; continue; }
      if (n.kind === "timeout") {
        const why = left() <= 0 ? `it ran past the time limit for the whole notebook (${secs(limits.totalTimeout)})` : `it ran past the time limit (${secs(limits.cellTimeout)} per cell)`;
        s.stop(why);
        s.reported = true;
        peak = Math.max(peak, s.peakMB);
        return { ok: false, why };
      }
      s.reported = true;
      peak = Math.max(peak, s.peakMB);
      return { ok: false, why: n.why };
    }
  };

  /** A student's process that has run every cell so far (replayed after a crash), or null when there can be none. */
  const ensureStudent = async (): Promise<Proc | null> => {
    while (!student || !student.alive) {
      if (studentGone) return null;
      if (student) {
        peak = Math.max(peak, student.peakMB);
        if (++restarts > limits.maxRestarts) { studentGone = `its process was stopped ${limits.maxRestarts + 1} times; nothing more of it was run`; notes.push(studentGone); return null; }
      }
      const p = await startProc("kernel/assign/student.js", [String(++generation), limitsArg]);
      if (typeof p === "string") { studentGone = `the submission's process could not start: ${p}`; notes.push(studentGone); return null; }
      student = p;
      rebind = bound.length > 0;
      for (const c of replay) {
        const r = await ask({ op: "cell", code: c.code, name: c.label }, cellMs());
        if (!r.ok) { notes.push(`${c.label} stopped again when the cells before a crash were run again: ${r.why}`); replay.splice(replay.indexOf(c), 1); break; }
      }
    }
    return student;
  };

  /** Runs one command in the judge, relaying its requests to the student's process; its final message. */
  const judgeDo = async (cmd: object, label: string): Promise<{ ok: boolean; error: string | null; refused?: string[]; gradlabs?: string[] }> => {
    if (!judge || !judge.alive) return { ok: false, error: "not graded: the judge had stopped" };
    if (rebind) {
      rebind = false;
      await judgeDo({ op: "bind", names: bound.slice() }, label);
    }
    judge.write(cmd);
    // The judge's own time: waiting for the submission's code is the submission's time, timed apart.
    let until = Date.now() + cellMs();
    for (;;) {
      const n = await judge.next(until - Date.now());
      if (n.kind === "timeout" || n.kind === "exit") {
        const why = n.kind === "timeout" ? `the test ran past the time limit (${secs(limits.cellTimeout)} per cell)` : `the judge stopped: ${n.why}`;
        judge.stop(why);
        notes.push(`${label}: ${why}; the tests after it were not graded`);
        return { ok: false, error: `not graded: ${why}` };
      }
      const m = n.msg;
      if (m.op === "done") return { ok: m.ok === true, error: m.error ?? null, refused: m.refused, gradlabs: m.gradlabs };
      if (m.op !== "rpc") continue;
      const s = await ensureStudent();
      if (!s) { judge.write({ op: "reply", ok: false, error: studentGone ?? "the submission's process is gone" }); continue; }
      const asked = Date.now();
      const r = await ask(m.req, Math.max(0, until - asked));
      until += Date.now() - asked;
      if (r.ok) judge.write({ op: "reply", ok: r.msg.ok === true, value: r.msg.value, error: r.msg.error });
      else {
        notes.push(`${label}: the submission's code called by the test was stopped: ${r.why}`);
        judge.write({ op: "reply", ok: false, error: `your code was stopped: ${r.why}` });
      }
    }
  };

  try {
    // Both start at once: each spends a second or two loading gradlab and TypeScript.
    const [j] = await Promise.all([startProc("kernel/assign/judge.js", []), ensureStudent()]);
    if (typeof j === "string") throw new Error(`gradlab grade: the judge could not start: ${j}`);
    judge = j;
    for (const cell of cells) {
      // A process that died is replaced before the next cell, so that the judge's names point into the new one.
      const was = student as Proc | null;
      if (was && !was.alive && !studentGone) {
        // Ended between cells (a timer, a forged reply and a kill): charged to the cell before.
        if (!was.reported) notes.push(`after ${replay.at(-1)?.label ?? "the first cells"}: ${was.why}; the cells before were run again in a new process`);
        was.reported = true;
        await ensureStudent();
      }
      if (left() <= 0) {
        notes.push(`the time limit for the whole notebook (${secs(limits.totalTimeout)}) was reached before ${cell.label}; the cells from there on were not run`);
        break;
      }
      if (cell.side === "test") {
        const r = await judgeDo({ op: "cell", code: cell.code, name: cell.label }, cell.label);
        verdicts.set(cell.index, { passed: r.ok, message: r.ok ? "" : r.error ?? "failed" });
        continue;
      }
      if (cell.side === "locked") {
        const r = await judgeDo({ op: "cell", code: cell.code, name: cell.label }, cell.label);
        if (!r.ok) notes.push(`${cell.label} (the assignment's own cell) failed in the judge: ${r.error}`);
      }
      const s = await ensureStudent();
      if (!s) continue;
      const r = await ask({ op: "cell", code: cell.code, name: cell.label }, cellMs());
      if (!r.ok) {
        notes.push(`${cell.label}: ${r.why}; it is counted as failed and the cells before it were run again in a new process`);
        if (cell.side === "student") printed.push({ label: cell.label, text: `stopped: ${r.why}` });
        continue;
      }
      replay.push(cell);
      const m = r.msg;
      if (cell.side === "student") {
        // The notice first, so that no later cap can cut it off.
        const text = (m.dropped > 0 ? `[${m.dropped} more characters of output not kept]\n` : "") + String(m.output ?? "") + (m.error ? `\n${String(m.error).slice(0, 4000)}` : "");
        if (text.trim()) printed.push({ label: cell.label, text });
        const names = (Array.isArray(m.names) ? m.names : []).slice(0, 1000).map(String);
        // The cell's text goes with its names, for tests that read how the code is written.
        const b = await judgeDo({ op: "bind", names, cell: { label: cell.label, code: cell.code } }, cell.label);
        // A bind that stopped the submission's process (a value whose copy never ends) is
        // not repeated in the new one: it would stop that one too, and every one after it.
        const repeatable = b.ok || (student as Proc | null)?.alive === true;
        if (repeatable) for (const n of names) if (!b.refused?.includes(n) && !bound.includes(n)) bound.push(n);
        const gradlabs = b.refused?.filter((n) => b.gradlabs?.includes(n)) ?? [], assignment = b.refused?.filter((n) => !gradlabs.includes(n)) ?? [];
        const list = (ns: string[]) => ns.slice(0, 10).join(", ") + (ns.length > 10 ? " …" : "");
        if (gradlabs.length) notes.push(`${cell.label} defines ${list(gradlabs)}, ${gradlabs.length === 1 ? "a name" : "names"} gradlab already has: your cells use yours, the tests use gradlab's (give yours another name if a test is to call it)`);
        if (assignment.length) notes.push(`${cell.label} defines ${list(assignment)}, which the assignment's own cells define: your cells use yours, the tests use the assignment's`);
        if (!b.ok && b.error && names.length) notes.push(`${cell.label}: its names could not be given to the tests: ${b.error}`);
      }
    }
  } finally {
    for (const p of [student, judge] as (Proc | null)[]) if (p) { p.stop("done"); peak = Math.max(peak, p.peakMB); }
  }
  return { verdicts, notes, printed, seconds: (Date.now() - t0) / 1000, peakMB: peak };
}
