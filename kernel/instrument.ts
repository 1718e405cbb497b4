// What the kernel changes in a cell's transpiled code before running it. No line moves,
// since tracebacks map the code's lines back to the cell's.
//
// - The converter's first statement sets every name the cell declares to undefined
//   (`exports.a = exports.b = void 0`). It is dropped, so a name whose declaration never
//   ran (the cell threw first) keeps its earlier value; each declaration that does run
//   records its name, so the session keeps exactly those (see keptDeclarations).
// - Every loop polls the interrupt word at the top of its body. vm's breakOnSigint stops
//   only the code that runs before a cell's first `await`; with the poll an interrupt
//   stops a loop wherever it runs, and the kernel's state stays as it was.
import type * as TS from "typescript";
import { ts } from "./typescript";

import { RAN, IRQ, STOP, DEFINE } from "./cell_runtime";

const POLL = `if (${IRQ}[0] !== 0) ${STOP}();`;

export interface Instrumented {
  code: string;
  /** Every name the cell declares (the dropped statement's list). */
  declared: string[];
  /** The cell awaits at its top level (the converter misses `for await`). */
  awaits: boolean;
}

interface Edit { at: number; remove?: number; text: string }

/** `exports.NAME`, or null. */
function exportName(node: TS.Node): string | null {
  return ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "exports" ? node.name.text : null;
}

/** The names of `exports.a = exports.b = void 0`, or null for any other statement. */
function resetNames(stmt: TS.Statement): string[] | null {
  if (!ts.isExpressionStatement(stmt)) return null;
  const names: string[] = [];
  let e: TS.Expression = stmt.expression;
  while (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    const name = exportName(e.left);
    if (name === null) return null;
    names.push(name);
    e = e.right;
  }
  return names.length > 0 && ts.isVoidExpression(e) ? names : null;
}

/** Names a top-level statement publishes as the cell's declarations ran: `exports.a = a;`, `Object.defineProperty(exports, "a", …)`. */
function publishedNames(stmt: TS.Statement, declared: Set<string>): string[] {
  if (!ts.isExpressionStatement(stmt)) return [];
  const out: string[] = [];
  const visit = (e: TS.Expression): void => {
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken) { visit(e.left); visit(e.right); return; }
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const name = exportName(e.left);
      if (name !== null && declared.has(name) && ts.isIdentifier(e.right) && e.right.text === name) out.push(name);
      return;
    }
    if (ts.isCallExpression(e) && e.expression.getText() === "Object.defineProperty" && e.arguments.length >= 2) {
      const [target, key] = e.arguments;
      if (ts.isIdentifier(target) && target.text === "exports" && ts.isStringLiteral(key) && declared.has(key.text)) out.push(key.text);
    }
  };
  visit(stmt.expression);
  return out;
}

function isLoop(node: TS.Node): node is TS.IterationStatement {
  return ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node) || ts.isWhileStatement(node) || ts.isDoStatement(node);
}

export function instrument(output: string): Instrumented {
  const sf = ts.createSourceFile("cell.js", output, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const edits: Edit[] = [];
  let declared: string[] = [];
  for (const stmt of sf.statements) {
    const names = resetNames(stmt);
    if (names && declared.length === 0) {
      declared = names;
      const start = stmt.getStart(sf);
      edits.push({ at: start, remove: stmt.end - start, text: "" });
      continue;
    }
    if (ts.isExpressionStatement(stmt) && ts.isCallExpression(stmt.expression) && stmt.expression.expression.getText(sf) === "Object.defineProperty") {
      const callee = stmt.expression.expression;
      edits.push({ at: callee.getStart(sf), remove: callee.end - callee.getStart(sf), text: DEFINE });
    }
    const published = publishedNames(stmt, new Set(declared));
    if (published.length > 0) edits.push({ at: stmt.end, text: ` ${RAN}.push(${published.map((n) => JSON.stringify(n)).join(", ")});` });
  }
  const visit = (node: TS.Node): void => {
    if (isLoop(node)) {
      const body = node.statement;
      if (ts.isBlock(body)) edits.push({ at: body.getStart(sf) + 1, text: ` ${POLL}` });
      else {
        edits.push({ at: body.getStart(sf), text: `{ ${POLL} ` });
        edits.push({ at: body.end, text: " }" });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  let awaits = false;
  const findAwait = (node: TS.Node): void => {
    if (awaits || ts.isFunctionLike(node) || ts.isClassLike(node)) return;
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) awaits = true;
    else ts.forEachChild(node, findAwait);
  };
  findAwait(sf);
  // Applied from the end, so earlier positions stay valid; at one position the edit made
  // first (an enclosing loop's) ends up outermost.
  edits.sort((a, b) => b.at - a.at);
  let code = output;
  for (const e of edits) code = code.slice(0, e.at) + e.text + code.slice(e.at + (e.remove ?? 0));
  return { code, declared, awaits };
}

/** One declaration of a .d.ts text and the value names it declares. */
interface Declaration { text: string; names: string[] }

function declarations(dts: string): Declaration[] {
  const sf = ts.createSourceFile("cells.d.ts", dts, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Declaration[] = [];
  for (const stmt of sf.statements) {
    if (ts.isVariableStatement(stmt)) {
      // One entry per variable, so that `let a = 1, b = f();` throwing in f keeps a only.
      const kind = stmt.declarationList.flags & ts.NodeFlags.Const ? "const" : stmt.declarationList.flags & ts.NodeFlags.Let ? "let" : "var";
      for (const d of stmt.declarationList.declarations) out.push({ text: `declare ${kind} ${d.getText(sf)};`, names: ts.isIdentifier(d.name) ? [d.name.text] : [] });
      continue;
    }
    const names: string[] = [];
    if (ts.isImportDeclaration(stmt) && stmt.importClause) {
      const c = stmt.importClause;
      if (c.name) names.push(c.name.text);
      if (c.namedBindings && ts.isNamespaceImport(c.namedBindings)) names.push(c.namedBindings.name.text);
      if (c.namedBindings && ts.isNamedImports(c.namedBindings)) names.push(...c.namedBindings.elements.map((e) => e.name.text));
    } else if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt) || ts.isModuleDeclaration(stmt)) && stmt.name && ts.isIdentifier(stmt.name)) {
      names.push(stmt.name.text);
    }
    out.push({ text: stmt.getText(sf), names });
  }
  return out;
}

/**
 * The declarations that hold after a cell threw part way: the cell's own for the names
 * whose declarations ran, the earlier cells' for the names it declares but never reached,
 * and everything else (types, earlier names it did not touch) as the converter gave it.
 */
export function keptDeclarations(newDecl: string, oldDecl: string, declared: readonly string[], ran: readonly string[]): string {
  const touched = new Set(declared), reached = new Set(ran);
  const unreached = (d: Declaration) => d.names.some((n) => touched.has(n) && !reached.has(n));
  const kept = declarations(newDecl).filter((d) => !unreached(d)).map((d) => d.text);
  const restored = declarations(oldDecl).filter(unreached).map((d) => d.text);
  return [...kept, ...restored].join("\n") + "\n";
}
