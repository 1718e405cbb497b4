// Tracebacks that point at the cell's own lines. tslab emits no source map, so a frame's
// line in the transpiled code is matched to the cell line that shares most of its tokens.
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

export function mapTraceback(err: Error, code: string, output: string, cellName: string): string[] {
  const lines = [`${err.name}: ${err.message}`];
  const codeLines = code.split("\n");
  for (const frame of (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l))) {
    const m = frame.match(new RegExp(`${cellName.replace(/[[\]]/g, "\\$&")}:(\\d+):(\\d+)`));
    if (m) {
      const line = cellLine(code, output, Number(m[1]));
      const at = line === null ? null : `    at ${cellName} line ${line}: ${codeLines[line - 1].trim()}`;
      if (at !== null && lines.at(-1) !== at) lines.push(at); // an async arrow and its call share a line
      continue;
    }
    // Frames inside gradlab or Node explain less than the cell's own line; keep a few.
    if (lines.length < 8 && !/node:|\/kernel\/(session|kernel|run)\.js/.test(frame)) lines.push(frame);
  }
  return lines;
}
