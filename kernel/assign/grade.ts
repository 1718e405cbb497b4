// `gradlab grade`: prepares every submission, runs them several at once, and scores each
// test cell: it passes when its output holds no error.
import * as os from "node:os";
import * as path from "node:path";
import { type Notebook, type Cell, readNotebook, sourceOf, toLines, meta } from "./notebook";
import type { Key } from "./author";
import { prepare, type Tamper } from "./restore";
import type { Runner, RunLimits, RunOutcome } from "./runner";

export interface TestResult { grade_id: string; points: number; max_points: number; passed: boolean; message: string }

export interface StudentGrade {
  student: string;
  file: string;
  score: number;
  max_score: number;
  status: "graded" | "unreadable";
  tests: TestResult[];
  tampering: Tamper[];
  /** What stopped a cell or the run, said once for the feedback (time or memory limit). */
  notes: string[];
  seconds: number;
  peak_rss_mb: number;
}

export interface GradeOptions { limits: RunLimits; parallel?: number; runner: Runner }

/** The student's name: the submission's file name, or its folder for NAME/assignment.ipynb. */
export function studentName(file: string): string {
  const base = path.basename(file, ".ipynb");
  const dir = path.basename(path.dirname(path.resolve(file)));
  return ["submission", "assignment", "release", "source"].includes(base) || base === dir ? dir : base;
}

function errorOf(cell: Cell | undefined): string | null {
  const err = cell?.outputs?.find((o: any) => o.output_type === "error");
  if (!err) return null;
  return `${err.ename}: ${err.evalue}`.trim();
}

function sameCells(sent: Notebook, got: Notebook): boolean {
  return sent.cells.length === got.cells.length && sent.cells.every((c, i) => sourceOf(c) === sourceOf(got.cells[i]));
}

/** Runs, and where the process was stopped inside a known cell, runs again with that cell replaced by the stop. */
async function execute(nb: Notebook, opts: GradeOptions, notes: string[]): Promise<{ nb: Notebook | null; out: RunOutcome }> {
  let current = nb;
  const stopped = new Map<number, string>();
  for (let attempt = 0; ; attempt++) {
    const out = await opts.runner.run(current, opts.limits);
    if (out.notebook && !sameCells(current, out.notebook)) {
      // The executor's output file is named on its command line: a submission could write a
      // notebook of its own there and exit. It cannot know the hidden tests, so compare sources.
      notes.push("the executed notebook came back with cells that were not sent: results discarded");
      return { nb: null, out: { ...out, notebook: null, status: "crashed", detail: "results discarded (the notebook was altered while running)" } };
    }
    if (out.notebook) {
      for (const [k, why] of stopped) {
        const c = out.notebook.cells[k];
        if (c) c.outputs = [{ output_type: "error", ename: why.startsWith("memory") ? "MemoryLimit" : "TimeLimit", evalue: why, traceback: [] }];
      }
      return { nb: out.notebook, out };
    }
    notes.push(out.detail + (out.runningCell !== null ? ` in cell ${out.runningCell + 1}` : ""));
    if (out.runningCell === null || attempt >= 2 || out.status === "crashed") return { nb: null, out };
    const k = out.runningCell;
    const why = out.status === "memory" ? `memory limit: ${out.detail}` : `time limit: ${out.detail}`;
    stopped.set(k, why);
    current = { ...current, cells: current.cells.map((c, i) => i === k ? { ...c, source: toLines(`throw new Error(${JSON.stringify(why)});`) } : c) };
  }
}

export async function gradeOne(source: Notebook, key: Key, file: string, opts: GradeOptions): Promise<StudentGrade> {
  const student = studentName(file);
  const base = { student, file, max_score: key.total_points, seconds: 0, peak_rss_mb: 0 };
  const testsOf = (message: string) => key.cells.filter((c) => c.kind === "test").map((c) => ({ grade_id: c.grade_id, points: 0, max_points: c.points, passed: false, message }));
  let submission: Notebook;
  try {
    submission = readNotebook(file, "submission");
  } catch (e) {
    return { ...base, score: 0, status: "unreadable", tests: testsOf((e as Error).message), tampering: [], notes: [(e as Error).message] };
  }
  const prep = prepare(source, key, submission);
  const notes: string[] = [];
  const { nb, out } = await execute(prep.notebook, opts, notes);
  const tests: TestResult[] = prep.tests.map((t) => {
    const failure = nb ? errorOf(nb.cells[t.index]) : `not run: ${out.detail}`;
    const cellNotRun = nb && nb.cells[t.index]?.execution_count == null ? "not run" : null;
    const message = failure ?? cellNotRun ?? "";
    return { grade_id: t.grade_id, points: message ? 0 : t.points, max_points: t.points, passed: !message, message };
  });
  const score = tests.reduce((s, t) => s + t.points, 0);
  return { ...base, score, status: "graded", tests, tampering: prep.tampering, notes, seconds: out.seconds, peak_rss_mb: out.peakRssMB };
}

/** Grades all submissions, `parallel` at a time (default: one per core); results in the order given. */
export async function gradeAll(source: Notebook, key: Key, files: string[], opts: GradeOptions, progress?: (g: StudentGrade) => void): Promise<StudentGrade[]> {
  const parallel = Math.max(1, opts.parallel ?? os.cpus().length);
  const results: StudentGrade[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await gradeOne(source, key, files[i], opts);
      progress?.(results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, files.length) }, worker));
  return results;
}

export function checkKey(key: any, file: string): Key {
  if (!key || key.gradlab_key !== 1 || !Array.isArray(key.cells)) throw new Error(`${file} is not a gradlab assignment key (made by gradlab assign)`);
  return key as Key;
}

export { sourceOf, meta };
