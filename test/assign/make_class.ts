// The sample class: submissions made from the source notebook's solutions, each with one
// thing a real class has (a wrong gradient, an endless loop, a tampered test, …).
// Run as a script to write them: node dist/test/assign/make_class.js SOURCE.ipynb RELEASE.ipynb OUT_DIR
import * as fs from "node:fs";
import * as path from "node:path";
import { type Notebook, type Cell, readNotebook, writeNotebook, sourceOf, toLines, meta, clone } from "../../kernel/assign/notebook";
import { unmark } from "../../kernel/assign/markers";

/** What each student should get, with the reason, so a test can say what went wrong. */
export interface Expected { score: number; failing: string[]; tampered?: string[] }

type Edit = (nb: Notebook, solutions: Map<string, string>) => void;

function cell(nb: Notebook, id: string): Cell {
  const c = nb.cells.find((x) => meta(x)?.grade_id === id);
  if (!c) throw new Error(`the assignment has no cell "${id}"`);
  return c;
}

function setSource(nb: Notebook, id: string, text: string): void {
  cell(nb, id).source = toLines(text);
}

function answerAll(nb: Notebook, solutions: Map<string, string>): void {
  for (const [id, text] of solutions) setSource(nb, id, text);
}

// Reads everything a student could think of: relative paths, the environment, the working
// directory's parents, and its own input. A solution that works only if something leaked.
const SNOOP = `
const snooped: string[] = (() => {
  const fs = require("fs"), path = require("path");
  const found: string[] = [];
  const look = (f: string) => { try { const t = fs.readFileSync(f, "utf8"); if (/HIDDEN TESTS|gradlab_key|Wbig/.test(t)) found.push(f); } catch {} };
  const names = ["source.ipynb", "source.key.json", "submission.ipynb", "softmax.ipynb", "../source.ipynb", "../source.key.json",
    "../../source.ipynb", "../../source.key.json", "../../../test/assign/fixtures/softmax/source.ipynb",
    "../../../course/instructor/linear/source.ipynb"];
  for (const n of names) look(n);
  for (let d = process.cwd(); ; d = path.dirname(d)) {
    try { for (const e of fs.readdirSync(d)) if (/source|key|\\.ipynb$/.test(e)) look(path.join(d, e)); } catch {}
    if (d === path.dirname(d)) break;
  }
  for (const v of Object.values(process.env) as string[]) if (v && v.includes("/")) for (const p of v.split(":")) { look(p); look(path.join(p, "source.ipynb")); }
  return found;
})();
`;

export const CLASS: Record<string, { edit: Edit; expected: Expected }> = {
  correct: { edit: answerAll, expected: { score: 10, failing: [] } },
  partly_wrong: {
    // Forgets to divide the gradient by N: the loss is right, the gradient is not.
    edit: (nb, s) => { answerAll(nb, s); setSource(nb, "softmax_loss", s.get("softmax_loss")!.replace("const dW = X.T.matmul(p.sub(Y)).div(n);", "const dW = X.T.matmul(p.sub(Y));")); },
    expected: { score: 7, failing: ["test_gradient"] },
  },
  infinite_loop: {
    edit: (nb, s) => { answerAll(nb, s); setSource(nb, "two_layer_net", s.get("two_layer_net")!.replace("opt.step();", "opt.step();\n    while (s >= 0) { /* never ends */ }")); },
    expected: { score: 6, failing: ["test_train", "test_generalises"] },
  },
  memory_hog: {
    edit: (nb, s) => { answerAll(nb, s); setSource(nb, "two_layer_net", "const hoard: Float64Array[] = [];\nwhile (true) { const a = new Float64Array(1 << 22); a.fill(1); hoard.push(a); }\n" + s.get("two_layer_net")!); },
    expected: { score: 6, failing: ["test_train", "test_generalises"] },
  },
  edits_locked_test: {
    // A wrong gradient, and the gradient test emptied so that it would pass.
    edit: (nb, s) => { CLASS.partly_wrong.edit(nb, s); setSource(nb, "test_gradient", "// looks fine to me\n"); },
    expected: { score: 7, failing: ["test_gradient"], tampered: ["test_gradient modified"] },
  },
  deletes_test: {
    edit: (nb, s) => { answerAll(nb, s); nb.cells = nb.cells.filter((c) => meta(c)?.grade_id !== "test_initial_loss"); },
    expected: { score: 10, failing: [], tampered: ["test_initial_loss deleted"] },
  },
  syntax_error: {
    edit: (nb, s) => { answerAll(nb, s); setSource(nb, "softmax_loss", s.get("softmax_loss")!.replace("const scores = X.matmul(W);", "const scores = X.matmul(W;")); },
    expected: { score: 4, failing: ["test_initial_loss", "test_loss_value", "test_gradient"] },
  },
  reads_hidden: {
    edit: (nb, s) => {
      answerAll(nb, s);
      setSource(nb, "softmax_loss", SNOOP + s.get("softmax_loss")!.replace("// cheat", "").replace(/\{\n/, `{\n  if (snooped.length === 0) throw new Error("found no hidden tests to copy");\n`));
    },
    expected: { score: 4, failing: ["test_initial_loss", "test_loss_value", "test_gradient"] },
  },
};

/** The solutions in the source, as the student would type them (markers removed). */
export function solutions(source: Notebook): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of source.cells) if (meta(c)?.solution) m.set(meta(c)!.grade_id!, unmark(sourceOf(c)));
  return m;
}

/** Writes OUT/<student>.ipynb for every member of the class; returns the paths. */
export function makeClass(source: Notebook, release: Notebook, outDir: string): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const s = solutions(source);
  return Object.entries(CLASS).map(([name, { edit }]) => {
    const nb = clone(release);
    edit(nb, s);
    const file = path.join(outDir, `${name}.ipynb`);
    writeNotebook(file, nb);
    return file;
  });
}

if (require.main === module) {
  const [src, rel, out] = process.argv.slice(2);
  if (!src || !rel || !out) throw new Error("usage: node dist/test/assign/make_class.js SOURCE.ipynb RELEASE.ipynb OUT_DIR");
  for (const f of makeClass(readNotebook(src), readNotebook(rel), out)) console.log(f);
}
