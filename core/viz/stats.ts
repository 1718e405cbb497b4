// Summaries computed kernel-side so a bundle stays small whatever the tensor's size:
// statistics over the finite values and fixed-bin histograms.
import type { Histogram, Stats } from "./schema";
import { describeValue } from "../errors";

/** Anything viz accepts as a flat list of numbers. */
export type Numbers = ArrayLike<number>;

/** min, max, mean and (population, ddof 0) std over the finite values; NaN/±Inf/zero counts over all. */
export function computeStats(data: Numbers): Stats {
  let n = 0, mean = 0, m2 = 0, nan = 0, posInf = 0, negInf = 0, zeros = 0;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) { nan++; continue; }
    if (v === Infinity) { posInf++; continue; }
    if (v === -Infinity) { negInf++; continue; }
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
    // Welford's update: stable for the million-element tensors viz is meant for.
    n++;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  if (n === 0) return { count: data.length, min: NaN, max: NaN, mean: NaN, std: NaN, nan, posInf, negInf, zeros };
  return { count: data.length, min, max, mean, std: Math.sqrt(m2 / n), nan, posInf, negInf, zeros };
}

/** The finite range of data, widened to a non-empty interval ([v-0.5, v+0.5] for a constant). */
export function finiteRange(data: Numbers): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  }
  if (lo === Infinity) return [0, 1];
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** `bins` equal-width bins over range (the finite range by default); the last bin is closed, values outside are left out. */
export function histogram(data: Numbers, bins = 50, range?: [number, number]): Histogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram: bins must be a positive integer, got ${describeValue(bins)}`);
  const [lo, hi] = range ?? finiteRange(data);
  if (!(hi > lo)) throw new RangeError(`histogram: the range must be increasing, got [${lo}, ${hi}]`);
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (hi - lo);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= lo && v <= hi)) continue; // also skips NaN
    counts[Math.min(bins - 1, Math.floor((v - lo) * scale))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + (hi - lo) * (i / bins));
  return { edges, counts };
}

/** Percent (0–100) of elements for which pred holds. */
export function percent(data: Numbers, pred: (v: number) => boolean): number {
  if (data.length === 0) return 0;
  let k = 0;
  for (let i = 0; i < data.length; i++) if (pred(data[i])) k++;
  return (100 * k) / data.length;
}

/** A JSON-safe number: NaN and ±Inf become the strings the schema names. */
export function jsonNumber(v: number): number | "NaN" | "Infinity" | "-Infinity" {
  if (Number.isFinite(v)) return v;
  return v !== v ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

/** Stats with non-finite fields (of an all-NaN tensor) made JSON-safe as null-free numbers. */
export function jsonStats(s: Stats): Stats {
  const fix = (v: number) => (Number.isFinite(v) ? v : 0);
  return s.count - s.nan - s.posInf - s.negInf > 0 ? s : { ...s, min: fix(s.min), max: fix(s.max), mean: fix(s.mean), std: fix(s.std) };
}
