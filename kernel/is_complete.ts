// is_complete_request: whether a console should run what was typed, wait for more lines,
// or say at once that it can never run. Read with TypeScript's parser: code whose only
// syntax errors sit at its very end (an open block, bracket, template string or comment)
// can still be completed by more lines; an error before the end cannot be repaired by
// adding lines, so the code is invalid.
import { ts } from "./typescript";

export type Completeness = { status: "complete" } | { status: "invalid" } | { status: "incomplete"; indent: string };

/** Errors that only more input resolves, wherever the parser reports them. */
const UNTERMINATED_MULTILINE = new Set([
  1010, // '*/' expected: an open block comment
  1160, // Unterminated template literal
]);

const UNTERMINATED_STRING = 1002;

export function isComplete(code: string): Completeness {
  if (code.trim() === "") return { status: "complete" };
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const errors: { start?: number; code: number }[] = (sf as unknown as { parseDiagnostics: { start?: number; code: number }[] }).parseDiagnostics ?? [];
  if (errors.length === 0) return { status: "complete" };
  // A quoted string cannot go on to the next line (unless the line ends in a backslash).
  if (errors.some((e) => e.code === UNTERMINATED_STRING) && !code.endsWith("\\")) return { status: "invalid" };
  const end = code.trimEnd().length;
  const atEnd = (e: { start?: number; code: number }) => UNTERMINATED_MULTILINE.has(e.code) || (e.start ?? 0) >= end;
  if (!errors.every(atEnd)) return { status: "invalid" };
  return { status: "incomplete", indent: nextIndent(code) };
}

/** The last line's indent, one level deeper after an opening bracket. */
function nextIndent(code: string): string {
  const last = code.split("\n").at(-1) ?? "";
  const indent = /^\s*/.exec(last)![0];
  return /[{([]\s*$/.test(code) ? indent + "  " : indent;
}
