// The markers in TypeScript comments: solutions become a stub that throws, hidden tests
// disappear from the student's copy.
const SOLUTION = /^([ \t]*)\/\/\s*BEGIN SOLUTION\b.*$/, END_SOLUTION = /^[ \t]*\/\/\s*END SOLUTION\b.*$/;
const HIDDEN = /^[ \t]*\/\/\s*BEGIN HIDDEN TESTS\b.*$/, END_HIDDEN = /^[ \t]*\/\/\s*END HIDDEN TESTS\b.*$/;

export const STUB = 'throw new Error("not implemented");';

type Where = string;

function replaceBlocks(text: string, begin: RegExp, end: RegExp, name: string, where: Where, replace: (indent: string) => string[]): { text: string; found: number } {
  const lines = text.split("\n");
  const out: string[] = [];
  let open: { line: number; indent: string } | null = null;
  let found = 0;
  lines.forEach((line, i) => {
    const b = begin.exec(line);
    if (b) {
      if (open) throw new Error(`${where}: "BEGIN ${name}" on line ${i + 1} inside another one opened on line ${open.line + 1}`);
      open = { line: i, indent: b[1] ?? line.match(/^[ \t]*/)![0] };
      return;
    }
    if (end.test(line)) {
      if (!open) throw new Error(`${where}: "END ${name}" on line ${i + 1} without a BEGIN ${name} before it`);
      out.push(...replace(open.indent));
      open = null;
      found++;
      return;
    }
    if (!open) out.push(line);
  });
  if (open) throw new Error(`${where}: "BEGIN ${name}" on line ${(open as { line: number }).line + 1} is never closed by // END ${name}`);
  return { text: out.join("\n"), found };
}

/** The student's version of a solution cell: each marked block becomes the stub, at its indentation. */
export function stripSolution(text: string, where: Where): { text: string; found: number } {
  return replaceBlocks(text, SOLUTION, END_SOLUTION, "SOLUTION", where, (indent) => [indent + STUB]);
}

export function stripHidden(text: string, where: Where): { text: string; found: number } {
  return replaceBlocks(text, HIDDEN, END_HIDDEN, "HIDDEN TESTS", where, () => []);
}

/** The source as it runs at grading: markers removed, everything kept. */
export function unmark(text: string): string {
  return text.split("\n").filter((l) => !(HIDDEN.test(l) || END_HIDDEN.test(l) || SOLUTION.test(l) || END_SOLUTION.test(l))).join("\n");
}
