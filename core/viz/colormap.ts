// Colour scales for scalar images: a diverging blue–white–red centred at zero (weights
// and gradients have a sign that matters) and a plain grey ramp.

// ColorBrewer RdBu, reversed so negative is blue; 0 maps to the white in the middle.
const RDBU: [number, number, number][] = [
  [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
  [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31],
];

/** t in [0, 1] → RGB bytes on the diverging scale (0.5 is white). */
export function diverging(t: number): [number, number, number] {
  if (!(t >= 0)) t = 0; // NaN too
  if (t > 1) t = 1;
  const x = t * (RDBU.length - 1);
  const i = Math.min(RDBU.length - 2, Math.floor(x));
  const f = x - i;
  const a = RDBU[i], b = RDBU[i + 1];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** t in [0, 1] → grey bytes. */
export function gray(t: number): [number, number, number] {
  const g = Math.round(255 * Math.min(1, Math.max(0, t >= 0 ? t : 0)));
  return [g, g, g];
}

/** A CSS colour for an SVG fill. */
export function css(c: [number, number, number]): string {
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}
