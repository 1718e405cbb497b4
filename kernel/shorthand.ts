// tslab's converter rewrites a cell's references to earlier cells' variables as
// exports.NAME, but misses shorthand properties: `{ epochs }` where `epochs` was declared
// in an earlier cell became a ReferenceError. Writing them out as `{ epochs: epochs }`
// (the same object, on the same line) before converting sidesteps that.
import { ts } from "./typescript";

/** The cell with every shorthand property `{ x }` written out as `{ x: x }`; lines are unchanged. */
export function expandShorthands(code: string): string {
  const sf = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const at: [number, number][] = [];
  const visit = (n: import("typescript").Node): void => {
    if (ts.isShorthandPropertyAssignment(n)) at.push([n.name.getStart(sf), n.name.getEnd()]);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (at.length === 0) return code;
  let out = "";
  let from = 0;
  for (const [start, end] of at.sort((a, b) => a[0] - b[0])) {
    out += code.slice(from, end) + ": " + code.slice(start, end);
    from = end;
  }
  return out + code.slice(from);
}
