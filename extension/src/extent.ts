// Reductions over payload arrays in one loop: spreading 250,000 values into
// Math.min/Math.max overflows the call stack.

/** The smallest and largest finite values ([Infinity, -Infinity] when there are none). */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The largest value, or fallback when none is larger. */
export function maxOf(values: ArrayLike<number>, fallback = -Infinity): number {
  let m = fallback;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}
