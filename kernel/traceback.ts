// Tracebacks that point at the cell's own lines. tslab emits no source map, so a frame's
// line in the transpiled code is matched to the cell line that shares most of its tokens.
import * as path from "node:path";

const TOKEN = /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"[^"]*"|'[^']*'/g;

function tokens(line: string): string[] {
  return (line.replace(/\bexports\./g, "").match(TOKEN) ?? []).filter((t) => t !== "const" && t !== "let" && t !== "var");
}

/** The 1-based cell line that best matches line `genLine` (1-based) of the transpiled output. */
export function cellLine(code: string, output: string, genLine: number): number | null {
  const gen = output.split("\n")[genLine - 1];
  if (gen === undefined) return null;
  const want = new Set(tokens(gen));
  if (want.size === 0) return null;
  let best = 0, bestLine: number | null = null;
  code.split("\n").forEach((line, i) => {
    const score = tokens(line).filter((t) => want.has(t)).length;
    const closer = bestLine !== null && Math.abs(i + 1 - genLine) < Math.abs(bestLine - genLine);
    if (score > best || (score === best && score > 0 && closer)) { best = score; bestLine = i + 1; }
  });
  return bestLine;
}

/** Where gradlab's own compiled code lives: frames there are folded (see mapTraceback). */
const GRADLAB_DIRS = [path.join(__dirname, "..", "core") + path.sep, __dirname + path.sep];

/** The function a stack frame names (`at Tensor.matmul (…)` gives Tensor.matmul), or null. */
function frameFunction(frame: string): string | null {
  return /^\s+at (?:async )?(?:new )?([^\s(]+) \(/.exec(frame)?.[1] ?? null;
}

/**
 * A traceback in the cell's terms: the error, then the cell's own lines. A run of frames
 * inside gradlab becomes one line naming the gradlab function the cell called (what
 * raised, as far as the cell can tell); Node's internals are left out. With
 * GRADLAB_TRACEBACK=full the whole JavaScript stack follows.
 */
export function mapTraceback(err: Error, code: string, output: string, cellName: string): string[] {
  const lines = [`${err.name}: ${err.message}`];
  const codeLines = code.split("\n");
  const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  const cellFrame = new RegExp(`${cellName.replace(/[[\]]/g, "\\$&")}:(\\d+):(\\d+)`);
  let library: string[] = [];
  const flushLibrary = () => {
    if (library.length === 0) return;
    const named = library.map(frameFunction).filter((n): n is string => n !== null && !n.startsWith("Object.<anonymous>"));
    const outermost = named.at(-1);
    lines.push(`    in gradlab${outermost ? `: ${outermost}` : ""}`);
    library = [];
  };
  let others = 0;
  for (const frame of frames) {
    const m = frame.match(cellFrame);
    if (m) {
      flushLibrary();
      const line = cellLine(code, output, Number(m[1]));
      const at = line === null ? null : `    at ${cellName} line ${line}: ${codeLines[line - 1].trim()}`;
      if (at !== null && lines.at(-1) !== at) lines.push(at); // an async arrow and its call share a line
      continue;
    }
    if (/\(node:|at node:|\/kernel\/(session|kernel|run)\.js/.test(frame)) continue;
    if (GRADLAB_DIRS.some((d) => frame.includes(d))) {
      library.push(frame);
      continue;
    }
    flushLibrary();
    if (others++ < 6) lines.push(frame); // the user's own modules and packages
  }
  flushLibrary();
  if (process.env.GRADLAB_TRACEBACK === "full") lines.push("", "The full JavaScript stack (GRADLAB_TRACEBACK=full):", ...frames);
  return lines;
}
