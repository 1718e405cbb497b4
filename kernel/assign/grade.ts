// `gradlab grade`: prepares every submission, runs each in its own sandbox beside a judge
// (kernel/assign/execute.ts), several at once, and scores each test cell: it passes when the
// judge ran it without an error.
import * as os from "node:os";
import * as path from "node:path";
import { type Notebook, readNotebook, sourceOf, meta, kindOf } from "./notebook";
import type { Key } from "./author";
import { prepare, type Tamper } from "./restore";
import { runSubmission, type CellPlan } from "./execute";
import type { Limits } from "./sandbox";
import { stripHidden } from "./markers";

export interface TestResult { grade_id: string; points: number; max_points: number; passed: boolean; message: string }

export interface StudentGrade {
  student: string;
  file: string;
  score: number;
  max_score: number;
  status: "graded" | "unreadable";
  tests: TestResult[];
  tampering: Tamper[];
  /** What stopped a cell or the run, said once for the feedback (time or memory limit, a crash). */
  notes: string[];
  /** What the student's own cells printed, capped. */
  printed: { label: string; text: string }[];
  seconds: number;
  peak_rss_mb: number;
}

export interface GradeOptions { limits: Limits; parallel?: number; sandbox: boolean }

/** The student's name: the submission's file name, or its folder for NAME/assignment.ipynb. */
export function studentName(file: string): string {
  const base = path.basename(file, ".ipynb");
  const dir = path.basename(path.dirname(path.resolve(file)));
  return ["submission", "assignment", "release", "source"].includes(base) || base === dir ? dir : base;
}

/** The lines of the source's hidden tests, which no message shown to a student may quote. */
export function hiddenLines(source: Notebook): string[] {
  const out: string[] = [];
  for (const c of source.cells) {
    if (kindOf(c) !== "test") continue;
    const all = sourceOf(c).split("\n").map((l) => l.trim());
    const shown = new Set(stripHidden(sourceOf(c), "a test cell").text.split("\n").map((l) => l.trim()));
    for (const l of all) if (l.length >= 6 && !shown.has(l) && !/^\/\/\s*(BEGIN|END) HIDDEN TESTS/.test(l)) out.push(l);
  }
  return out;
}

/** Replaces any quoted hidden-test line (or a long piece of one) in a message. */
export function scrub(text: string, hidden: string[]): string {
  let t = text;
  for (const l of hidden) {
    if (t.includes(l)) t = t.split(l).join("[hidden test]");
    for (const piece of l.split(/[;{}]/).map((p) => p.trim()).filter((p) => p.length >= 16)) if (t.includes(piece)) t = t.split(piece).join("[hidden test]");
  }
  return t;
}

/** Which side each code cell runs on, and at most `maxExtra` of the student's own extra cells. */
function plan(nb: Notebook, maxExtra: number, notes: string[]): CellPlan[] {
  let extras = 0, dropped = 0;
  const cells: CellPlan[] = [];
  nb.cells.forEach((c, index) => {
    if (c.cell_type !== "code") return;
    const k = kindOf(c);
    const id = meta(c)?.grade_id;
    const label = id ? `cell ${index + 1} ("${id}")` : `cell ${index + 1}`;
    if (!k && ++extras > maxExtra) { dropped++; return; }
    cells.push({ index, code: sourceOf(c), side: k === "test" ? "test" : k === "locked" || k === "task" ? "locked" : "student", label });
  });
  if (dropped) notes.push(`the notebook has ${extras} cells of your own besides the answer cells; only the first ${maxExtra} were run`);
  return cells;
}

export async function gradeOne(source: Notebook, key: Key, file: string, opts: GradeOptions): Promise<StudentGrade> {
  const student = studentName(file);
  const base = { student, file, max_score: key.total_points, seconds: 0, peak_rss_mb: 0, printed: [] };
  const testsOf = (message: string) => key.cells.filter((c) => c.kind === "test").map((c) => ({ grade_id: c.grade_id, points: 0, max_points: c.points, passed: false, message }));
  let submission: Notebook;
  try {
    submission = readNotebook(file, "submission");
  } catch (e) {
    const why = (e as Error).message.replace(file, path.basename(file));
    return { ...base, score: 0, status: "unreadable", tests: testsOf(why), tampering: [], notes: [why] };
  }
  const prep = prepare(source, key, submission);
  const notes: string[] = [];
  const out = await runSubmission(plan(prep.notebook, opts.limits.maxExtraCells, notes), opts.limits, opts.sandbox);
  const hidden = hiddenLines(source);
  const tests: TestResult[] = prep.tests.map((t) => {
    const v = out.verdicts.get(t.index);
    const message = scrub(v ? v.message : "not run", hidden).slice(0, 4000);
    const passed = !!v?.passed;
    return { grade_id: t.grade_id, points: passed ? t.points : 0, max_points: t.points, passed, message: passed ? "" : message || "failed" };
  });
  const score = tests.reduce((s, t) => s + t.points, 0);
  return {
    ...base, score, status: "graded", tests, tampering: prep.tampering, notes: [...notes, ...out.notes].map((n) => scrub(n, hidden)),
    printed: out.printed.map((p) => ({ label: p.label, text: scrub(p.text, hidden) })), seconds: out.seconds, peak_rss_mb: out.peakMB,
  };
}

/** What gradeAll tells as it goes: a submission started, a submission graded. */
export interface GradeEvents {
  started?(file: string, index: number): void;
  graded?(g: StudentGrade, index: number): void;
}

/** Grades all submissions, `parallel` at a time (default: one per core); results in the order given. */
export async function gradeAll(source: Notebook, key: Key, files: string[], opts: GradeOptions, events: GradeEvents = {}): Promise<StudentGrade[]> {
  const parallel = Math.max(1, opts.parallel ?? os.cpus().length);
  const results: StudentGrade[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      events.started?.(files[i], i);
      results[i] = await gradeOne(source, key, files[i], opts);
      events.graded?.(results[i], i);
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
