// The code behind a name a submission defines, read from its cells' text as the grader took
// it from the notebook file (never from the submission's running code, whose toString it
// controls). A name's code is every top-level statement of the student's cells that declares
// it or changes it (an extra cell's `helper = autogradVersion`, `impl.f = …`,
// `Object.assign(impl, …)`), and, in turn, the code behind the student's names it mentions.
// Once that code reaches through globalThis, every statement that mentions globalThis counts,
// so a helper hung on the global object is found too. A statement that only uses a name
// (`checkGradient(svmLoss, …)` in a scratch cell) is not part of its code.
// TypeScript as gradlab ships it (tslab's copy; the typescript package is only a build tool).
import type * as TS from "typescript";
import { ts } from "../typescript";

/** A cell of the student's, as run. */
export interface SubmittedCell { label: string; code: string }

interface Statement { text: string; code: string; declares: string[]; words: Set<string> }

const GLOBALS = ["globalThis", "global", "window", "self"];

/** The code without its comments (words in strings stay: `globalThis["helper"]` names helper). */
function withoutComments(code: string): string {
  const out: string[] = [];
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, code);
  for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
    if (k === ts.SyntaxKind.SingleLineCommentTrivia || k === ts.SyntaxKind.MultiLineCommentTrivia) out.push(" ");
    else out.push(scanner.getTokenText());
  }
  return out.join("");
}

function bindingNames(n: TS.BindingName, into: string[]): void {
  if (ts.isIdentifier(n)) into.push(n.text);
  else for (const e of n.elements) if (!ts.isOmittedExpression(e)) bindingNames(e.name, into);
}

function declaredBy(s: TS.Statement): string[] {
  const names: string[] = [];
  if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) names.push(s.name.text);
  else if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) bindingNames(d.name, names);
  else if ((ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s)) && ts.isIdentifier(s.name)) names.push(s.name.text);
  else if (ts.isImportDeclaration(s) && s.importClause) {
    const c = s.importClause;
    if (c.name) names.push(c.name.text);
    const b = c.namedBindings;
    if (b && ts.isNamespaceImport(b)) names.push(b.name.text);
    else if (b) for (const e of b.elements) names.push(e.name.text);
  }
  return names;
}

function statementsOf(cells: SubmittedCell[]): Statement[] {
  const out: Statement[] = [];
  for (const cell of cells) {
    const sf = ts.createSourceFile("cell.ts", cell.code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    for (const s of sf.statements) {
      const text = s.getText(sf), code = withoutComments(text);
      out.push({ text, code, declares: declaredBy(s), words: new Set(code.match(/[A-Za-z_$][\w$]*/g) ?? []) });
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/[$]/g, "\\$");

/** Whether code assigns to name or to a property of it, or hands it to a function that changes objects. */
function writes(code: string, name: string): boolean {
  // name, maybe cast or asserted ((name as any), name!), then .a, ?.a or [k] any number of times
  const target = `(?<![\\w$.])(?:\\(\\s*)?${esc(name)}(?:\\s+as\\s+[^)]*\\)|!(?!=))?(?:\\s*\\??\\.\\s*[\\w$]+|\\s*\\[[^\\]]*\\])*`;
  return new RegExp(`${target}\\s*(?:[-+*/%&|^]|\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?)?=(?![=>])|${target}\\s*(?:\\+\\+|--)|(?:\\+\\+|--|\\bdelete)\\s*${target}`).test(code) ||
    new RegExp(`\\b(?:Object|Reflect)\\s*\\.\\s*(?:assign|defineProperty|defineProperties|setPrototypeOf|set|deleteProperty)\\s*\\(\\s*(?:\\(\\s*)?${esc(name)}(?![\\w$])`).test(code);
}

/** The names a cell's top-level statements declare. */
export function declaredNames(code: string): string[] {
  return statementsOf([{ label: "", code }]).flatMap((s) => s.declares);
}

/** The code behind `name` in the student's cells (statements in the cells' order), or null when no cell declares it. */
export function codeDefining(cells: SubmittedCell[], name: string): string | null {
  const statements = statementsOf(cells);
  const studentNames = new Set(statements.flatMap((s) => s.declares));
  if (!studentNames.has(name)) return null;
  const names = new Set([name]);
  const taken = new Set<Statement>();
  for (let grew = true; grew;) {
    grew = false;
    for (const s of statements) {
      if (taken.has(s)) continue;
      const relevant = s.declares.some((n) => names.has(n)) ||
        [...names].some((n) => s.words.has(n) && (GLOBALS.includes(n) || writes(s.code, n)));
      if (!relevant) continue;
      taken.add(s);
      grew = true;
      for (const w of s.words) if (studentNames.has(w) || GLOBALS.includes(w)) names.add(w);
    }
  }
  return statements.filter((s) => taken.has(s)).map((s) => s.text).join("\n");
}
