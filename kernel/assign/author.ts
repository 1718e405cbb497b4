// `gradlab assign`: the student's version of a source notebook and the private key that
// grading checks it against.
import * as path from "node:path";
import { createHash } from "node:crypto";
import { type Cell, type Notebook, kindOf, meta, sourceOf, toLines, checksum, clone, KERNELSPEC } from "./notebook";
import { stripSolution, stripHidden, unmark } from "./markers";
import { declaredNames } from "./definition";
import { preloadedNames } from "../preloaded";

export interface KeyCell {
  grade_id: string;
  kind: "test" | "locked" | "solution" | "task";
  points: number;
  /** Checksum of the cell as released: a submission whose cell differs has tampered with it. */
  checksum: string;
}

export interface Key {
  gradlab_key: 1;
  assignment: string;
  total_points: number;
  /** Checksum of the source it was made from (cells, their nbgrader metadata, the grading limits): grading refuses a changed source. */
  source_sha256?: string;
  cells: KeyCell[];
}

/** What grading depends on in a source: each cell's type, source and nbgrader metadata, and metadata.gradlab. */
export function sourceDigest(nb: Notebook): string {
  const canon = JSON.stringify({
    gradlab: nb.metadata?.gradlab ?? null,
    cells: nb.cells.map((c) => [c.cell_type, sourceOf(c).replace(/\r\n?/g, "\n"), c.metadata?.nbgrader ?? null]),
  });
  return createHash("sha256").update(canon).digest("hex");
}

function where(cell: Cell, i: number): string {
  return `cell ${i + 1}${meta(cell)?.grade_id ? ` ("${meta(cell)!.grade_id}")` : ""}`;
}

/** Checks the nbgrader metadata an instructor wrote, with errors that name the cell. */
export function validateSource(nb: Notebook): void {
  const seen = new Map<string, number>();
  nb.cells.forEach((cell, i) => {
    const m = meta(cell);
    if (!m) return;
    const k = kindOf(cell);
    if (!k) return;
    if (typeof m.grade_id !== "string" || !/^[A-Za-z0-9_.-]+$/.test(m.grade_id)) {
      throw new Error(`${where(cell, i)}: an nbgrader ${k} cell needs a grade_id of letters, digits, "_", "-" or "." (got ${JSON.stringify(m.grade_id)})`);
    }
    if (seen.has(m.grade_id)) throw new Error(`${where(cell, i)}: grade_id "${m.grade_id}" is also used by cell ${seen.get(m.grade_id)! + 1}`);
    seen.set(m.grade_id, i);
    if (m.grade && !(typeof m.points === "number" && m.points >= 0 && Number.isFinite(m.points))) {
      throw new Error(`${where(cell, i)}: a graded cell needs points ≥ 0 (got ${JSON.stringify(m.points)})`);
    }
    if (m.grade && m.solution) throw new Error(`${where(cell, i)}: gradlab grades test cells only; a cell cannot be both "grade" and "solution" (manual grading is not supported)`);
    if (m.grade && cell.cell_type !== "code") throw new Error(`${where(cell, i)}: a graded cell must be a code cell`);
  });
  if (seen.size === 0) throw new Error("the source has no nbgrader cells: mark solution and test cells (metadata.nbgrader) first");
}

/**
 * Refuses an answer cell that declares a name gradlab or the assignment's locked cells
 * already have: at grading the tests keep gradlab's (or the assignment's), so they would
 * never call the student's function, and any answer would pass.
 */
function checkAnswerNames(nb: Notebook): void {
  const gradlab = new Set(preloadedNames());
  const locked = new Set(nb.cells.filter((c) => c.cell_type === "code" && (kindOf(c) === "locked" || kindOf(c) === "task")).flatMap((c) => declaredNames(sourceOf(c))));
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== "code" || kindOf(cell) !== "solution") return;
    for (const n of declaredNames(unmark(sourceOf(cell)))) {
      const whose = gradlab.has(n) ? "gradlab" : locked.has(n) ? "the assignment's locked cells" : null;
      if (whose) throw new Error(`${where(cell, i)}: the answer declares ${n}, which ${whose} already ${whose === "gradlab" ? "has" : "declare"}: the tests would call that ${n}, never the student's; give the answer's another name`);
    }
  });
}

/** The student's version of one cell. */
function releaseCell(cell: Cell, i: number): Cell {
  const out = clone(cell);
  let text = sourceOf(cell);
  const k = kindOf(cell);
  if (cell.cell_type === "code") {
    text = stripHidden(text, where(cell, i)).text;
    if (k === "solution") {
      const r = stripSolution(text, where(cell, i));
      // nbgrader: a solution cell without markers is replaced whole.
      text = r.found > 0 ? r.text : 'throw new Error("not implemented");';
    } else if (stripSolution(text, where(cell, i)).found > 0) {
      throw new Error(`${where(cell, i)}: SOLUTION markers in a cell that is not a solution cell (set metadata.nbgrader.solution)`);
    }
    out.outputs = [];
    out.execution_count = null;
  }
  out.source = toLines(text);
  if (out.metadata.nbgrader) out.metadata.nbgrader = { ...out.metadata.nbgrader, schema_version: 3 };
  if (k === "test" || k === "locked") out.metadata.editable = false;
  if (k === "test" || k === "locked") out.metadata.deletable = false;
  return out;
}

export function release(source: Notebook, name: string): { notebook: Notebook; key: Key } {
  validateSource(source);
  checkAnswerNames(source);
  const notebook = clone(source);
  notebook.cells = source.cells.map(releaseCell);
  notebook.metadata = { ...notebook.metadata, kernelspec: KERNELSPEC, language_info: { name: "typescript" } };
  const cells: KeyCell[] = [];
  notebook.cells.forEach((cell) => {
    const k = kindOf(cell);
    if (!k) return;
    const m = meta(cell)!;
    cells.push({ grade_id: m.grade_id!, kind: k, points: k === "test" ? m.points! : 0, checksum: checksum(cell) });
  });
  const key: Key = { gradlab_key: 1, assignment: name, total_points: cells.reduce((s, c) => s + c.points, 0), source_sha256: sourceDigest(source), cells };
  return { notebook, key };
}

/** The cell as it runs at grading: the instructor's source with hidden tests, markers removed. */
export function gradingCell(cell: Cell): Cell {
  const out = clone(cell);
  out.source = toLines(unmark(sourceOf(cell)));
  out.outputs = [];
  out.execution_count = null;
  return out;
}

export function assignmentName(sourceFile: string): string {
  const base = path.basename(sourceFile, ".ipynb");
  return base === "source" ? path.basename(path.dirname(path.resolve(sourceFile))) : base;
}
