// Colour scales for canvas drawing, the same as core/viz draws its static fallbacks:
// a blue-white-red diverging scale centred at zero, and grey.

export type RGB = [number, number, number];

const BLUE: RGB = [33, 102, 172], WHITE: RGB = [247, 247, 247], RED: RGB = [178, 24, 43];
const mix = (a: RGB, b: RGB, t: number): RGB => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

/** Diverging: -m → blue, 0 → white, +m → red, where m = max(|lo|, |hi|). */
export function diverging(v: number, lo: number, hi: number): RGB {
  const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const t = Math.max(-1, Math.min(1, v / m));
  return t < 0 ? mix(WHITE, BLUE, -t) : mix(WHITE, RED, t);
}

/** Grey: lo → black, hi → white. */
export function gray(v: number, lo: number, hi: number): RGB {
  const t = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0.5;
  return [255 * t, 255 * t, 255 * t];
}

/** The scale a tensor heatmap uses: diverging when values straddle 0, grey otherwise. */
export function scaleFor(lo: number, hi: number): (v: number) => RGB {
  return lo < 0 && hi > 0 ? (v) => diverging(v, lo, hi) : (v) => gray(v, lo, hi);
}

/** Non-finite values are drawn in a colour no scale uses. */
export const NONFINITE: RGB = [255, 0, 255];
