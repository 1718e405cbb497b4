// Builds the notebook that is executed for one submission: the student's answers, the
// instructor's locked and test cells (hidden tests put back), and a note of every change
// the student made to a cell they were not meant to change. As nbgrader does, a modified or
// deleted locked cell is replaced by the original and graded with it.
import { type Cell, type Notebook, kindOf, meta, checksum, clone } from "./notebook";
import { type Key, gradingCell } from "./author";

export interface Tamper { grade_id: string; kind: string; what: "modified" | "deleted" | "type changed" }

export interface TestCell { grade_id: string; points: number; index: number }

export interface Prepared { notebook: Notebook; tampering: Tamper[]; tests: TestCell[] }

export function prepare(source: Notebook, key: Key, submission: Notebook): Prepared {
  const keyed = new Map(key.cells.map((c) => [c.grade_id, c]));
  const sourceById = new Map<string, Cell>();
  for (const c of source.cells) {
    const id = meta(c)?.grade_id;
    if (id && keyed.has(id)) sourceById.set(id, c);
  }
  for (const id of keyed.keys()) if (!sourceById.has(id)) throw new Error(`the key does not match the source: cell "${id}" is in the key but not in the source notebook`);

  // The student's cells by grade_id; cells without one (their scratch cells) stay after the
  // graded cell they follow.
  const student = new Map<string, Cell>();
  const extrasAfter = new Map<string | null, Cell[]>();
  let last: string | null = null;
  for (const c of submission.cells) {
    const id = meta(c)?.grade_id;
    if (id && keyed.has(id) && !student.has(id)) {
      student.set(id, c);
      last = id;
    } else {
      // A stray copy of a graded cell's metadata must not count as that cell.
      const extra = clone(c);
      if (extra.metadata) delete extra.metadata.nbgrader;
      extrasAfter.set(last, [...(extrasAfter.get(last) ?? []), extra]);
    }
  }

  const tampering: Tamper[] = [];
  const cells: Cell[] = [...(extrasAfter.get(null) ?? [])];
  for (const c of source.cells) {
    const id = meta(c)?.grade_id;
    const k = id ? keyed.get(id) : undefined;
    // Cells without nbgrader metadata belong to the student (nbgrader's rule): their copy runs, placed above.
    if (!k) continue;
    const mine = student.get(k.grade_id);
    if (k.kind === "solution") {
      if (!mine) {
        tampering.push({ grade_id: k.grade_id, kind: k.kind, what: "deleted" });
        cells.push(gradingCell({ ...c, source: 'throw new Error("this answer cell was deleted");' }));
      } else {
        const out = clone(mine);
        out.metadata = clone(c.metadata);
        out.cell_type = c.cell_type;
        out.outputs = c.cell_type === "code" ? [] : undefined;
        if (out.outputs === undefined) delete out.outputs;
        cells.push(out);
      }
    } else {
      if (!mine) tampering.push({ grade_id: k.grade_id, kind: k.kind, what: "deleted" });
      else if (mine.cell_type !== c.cell_type) tampering.push({ grade_id: k.grade_id, kind: k.kind, what: "type changed" });
      else if (checksum(mine) !== k.checksum) tampering.push({ grade_id: k.grade_id, kind: k.kind, what: "modified" });
      cells.push(gradingCell(c));
    }
    cells.push(...(extrasAfter.get(k.grade_id) ?? []));
  }
  // Markdown from the student's copy is irrelevant to grading; only code runs.
  const notebook: Notebook = { ...clone(submission), cells: cells.filter((c) => c.cell_type === "code") };
  const tests: TestCell[] = [];
  notebook.cells.forEach((c, index) => {
    const id = meta(c)?.grade_id;
    const k = id ? keyed.get(id) : undefined;
    if (k && k.kind === "test" && kindOf(c) === "test" && !tests.some((t) => t.grade_id === id)) tests.push({ grade_id: k.grade_id, points: k.points, index });
  });
  return { notebook, tampering, tests };
}
