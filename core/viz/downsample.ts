// Keeps a long series small as it grows: points go into buckets of 2^k consecutive
// points; each bucket keeps its minimum and its maximum (so spikes survive), and when
// there are too many buckets neighbours merge. O(1) amortised per point.

interface Bucket { n: number; minV: number; minStep: number; minS: number; maxV: number; maxStep: number; maxS: number }

export class Downsampler {
  private size = 1;
  private buckets: Bucket[] = [];
  /** Points seen in total. */
  count = 0;
  private readonly maxBuckets: number;

  /** Emits at most maxPoints points (two per bucket). */
  constructor(readonly maxPoints: number) {
    if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`maxPoints must be an integer ≥ 2, got ${maxPoints}`);
    this.maxBuckets = Math.floor(maxPoints / 2);
  }

  /** Adds a point; `smoothed` is the EMA at this step, carried along with the raw value. */
  push(step: number, value: number, smoothed: number): void {
    this.count++;
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b.n >= this.size) {
      b = { n: 0, minV: Infinity, minStep: step, minS: smoothed, maxV: -Infinity, maxStep: step, maxS: smoothed };
      this.buckets.push(b);
    }
    b.n++;
    // NaN (a diverged loss) compares false both ways: it is counted but not drawn.
    if (value < b.minV) { b.minV = value; b.minStep = step; b.minS = smoothed; }
    if (value > b.maxV) { b.maxV = value; b.maxStep = step; b.maxS = smoothed; }
    if (this.buckets.length > this.maxBuckets) this.merge();
  }

  private merge(): void {
    const out: Bucket[] = [];
    for (let i = 0; i < this.buckets.length; i += 2) {
      const a = this.buckets[i], b = this.buckets[i + 1];
      if (!b) { out.push(a); continue; }
      const lo = b.minV < a.minV ? b : a, hi = b.maxV > a.maxV ? b : a;
      out.push({ n: a.n + b.n, minV: lo.minV, minStep: lo.minStep, minS: lo.minS, maxV: hi.maxV, maxStep: hi.maxStep, maxS: hi.maxS });
    }
    this.buckets = out;
    this.size *= 2;
  }

  /** The kept points in step order. */
  points(): { steps: number[]; values: number[]; smoothed: number[] } {
    const steps: number[] = [], values: number[] = [], smoothed: number[] = [];
    const add = (s: number, v: number, e: number) => { steps.push(s); values.push(v); smoothed.push(e); };
    for (const b of this.buckets) {
      if (b.minV === Infinity) continue; // only NaNs
      if (b.minStep === b.maxStep) { add(b.minStep, b.minV, b.minS); continue; }
      if (b.minStep < b.maxStep) { add(b.minStep, b.minV, b.minS); add(b.maxStep, b.maxV, b.maxS); }
      else { add(b.maxStep, b.maxV, b.maxS); add(b.minStep, b.minV, b.minS); }
    }
    return { steps, values, smoothed };
  }
}
