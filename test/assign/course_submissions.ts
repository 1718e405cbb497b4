// Submissions made from an assignment's source: its solutions as a student would type them,
// and the lines a release must never show.
import { type Notebook, sourceOf, toLines, meta } from "../../kernel/assign/notebook";
import { unmark } from "../../kernel/assign/markers";

/** The solutions in the source, markers removed, by grade_id. */
export function solutions(source: Notebook): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of source.cells) if (meta(c)?.solution) m.set(meta(c)!.grade_id!, unmark(sourceOf(c)));
  return m;
}

export function setSource(nb: Notebook, id: string, text: string): void {
  const c = nb.cells.find((x) => meta(x)?.grade_id === id);
  if (!c) throw new Error(`the assignment has no cell "${id}"`);
  c.source = toLines(text);
}

/** Adds a code cell of the student's own (no grading metadata) right after the cell `id`. */
export function addCellAfter(nb: Notebook, id: string, text: string): void {
  const at = nb.cells.findIndex((x) => meta(x)?.grade_id === id);
  if (at < 0) throw new Error(`the assignment has no cell "${id}"`);
  nb.cells.splice(at + 1, 0, { cell_type: "code", metadata: {}, source: toLines(text), outputs: [], execution_count: null } as any);
}

/** A solution with one piece replaced; throws when the piece is not there (the source changed). */
export function replaced(sol: Map<string, string>, id: string, from: string | RegExp, to: string): string {
  const text = sol.get(id)!;
  const out = text.replace(from, to);
  if (out === text) throw new Error(`the solution "${id}" has no ${String(from)}`);
  return out;
}

/** Lines inside solution and hidden-test blocks that are long enough to be telling. */
export function hiddenLines(source: Notebook): string[] {
  const out: string[] = [];
  for (const c of source.cells) {
    let inside = false;
    for (const line of sourceOf(c).split("\n")) {
      if (/\/\/\s*BEGIN (SOLUTION|HIDDEN TESTS)/.test(line)) { inside = true; continue; }
      if (/\/\/\s*END (SOLUTION|HIDDEN TESTS)/.test(line)) { inside = false; continue; }
      const t = line.trim();
      if (inside && t.length > 30 && !t.startsWith("//") && !/^[})\]; ]*$/.test(t)) out.push(t);
    }
  }
  return out;
}
