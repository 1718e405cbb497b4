// expectClose: numpy's assert_allclose, with a message that shows the worst elements so a
// student sees where their result is off, not just that it is.
import { ValueError, ShapeError, fmtShape } from "../errors";
import { toValues, broadcastShapes, sourceIndex, unravel } from "./values";

export interface CloseOptions {
  /** Relative tolerance (numpy's default 1e-7). */
  rtol?: number;
  /** Absolute tolerance (numpy's default 0). */
  atol?: number;
  /** NaN equals NaN (numpy's default true). */
  equalNan?: boolean;
  /** How many of the worst elements the message lists (default 5). */
  show?: number;
  /** Said first in the message: what was compared. */
  message?: string;
}

/** Raised by the gradlab assertions; graders show its message as the test's failure. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Number(v.toPrecision(8)).toString();
}

/**
 * Passes when |actual − expected| ≤ atol + rtol·|expected| everywhere, as numpy's
 * assert_allclose: expected is the reference (the test is not symmetric), the shapes
 * broadcast, infinities must match exactly.
 */
export function expectClose(actual: unknown, expected: unknown, opts: CloseOptions = {}): void {
  const rtol = opts.rtol ?? 1e-7, atol = opts.atol ?? 0, equalNan = opts.equalNan ?? true;
  if (!(rtol >= 0) || !(atol >= 0)) throw new ValueError(`expectClose: rtol and atol must be ≥ 0, got rtol=${rtol}, atol=${atol}`);
  const a = toValues(actual, "expectClose: actual"), e = toValues(expected, "expectClose: expected");
  const shape = broadcastShapes(a.shape, e.shape);
  const head = opts.message ? `${opts.message}: ` : "";
  if (!shape) throw new AssertionError(`${head}shapes differ: actual ${fmtShape(a.shape)}, expected ${fmtShape(e.shape)}`);
  const n = shape.reduce((p, s) => p * s, 1);
  const bad: { idx: number[]; a: number; e: number; diff: number; excess: number }[] = [];
  let maxAbs = 0, maxRel = 0;
  const av = a.data, ev = e.data;
  for (let k = 0; k < n; k++) {
    const idx = unravel(k, shape);
    const x = av[sourceIndex(idx, a.shape)], y = ev[sourceIndex(idx, e.shape)];
    let ok: boolean;
    let diff = Math.abs(x - y);
    if (Number.isNaN(x) || Number.isNaN(y)) { ok = equalNan && Number.isNaN(x) && Number.isNaN(y); diff = ok ? 0 : Infinity; }
    else if (!Number.isFinite(x) || !Number.isFinite(y)) { ok = x === y; diff = ok ? 0 : Infinity; }
    else ok = diff <= atol + rtol * Math.abs(y);
    if (ok) continue;
    maxAbs = Math.max(maxAbs, diff);
    if (y !== 0) maxRel = Math.max(maxRel, diff / Math.abs(y));
    bad.push({ idx, a: x, e: y, diff, excess: diff - (atol + rtol * Math.abs(y)) });
  }
  if (bad.length === 0) return;
  bad.sort((p, q) => q.excess - p.excess || q.diff - p.diff);
  const show = bad.slice(0, opts.show ?? 5).map((b) =>
    `  at [${b.idx.join(", ")}]: actual ${fmt(b.a)}, expected ${fmt(b.e)} (|diff| ${fmt(b.diff)})`);
  throw new AssertionError(
    `${head}not close (rtol=${rtol}, atol=${atol}): ${bad.length} of ${n} elements differ` +
    (shape.length ? ` (shape ${fmtShape(shape)})` : "") + `\n` +
    `  max |diff| ${fmt(maxAbs)}, max relative diff ${fmt(maxRel)}\n` +
    `  worst:\n${show.join("\n")}` + (bad.length > show.length ? `\n  … and ${bad.length - show.length} more` : ""));
}
