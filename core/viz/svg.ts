// A small SVG writer for the static fallbacks: frames with ticks and labels, and text
// that is always escaped (names come from users: `<img src=x onerror=alert(1)>` stays text).

const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

/** Escapes text for XML content and attribute values. */
export function esc(s: unknown): string {
  const t = String(s);
  if (!NEEDS_ESCAPE.test(t)) return t;  // most strings (numbers, path data) need nothing
  return t.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)
    // XML 1.0 forbids most control characters even when escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "");
}

/** A short, readable number for ticks and labels. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace("e+", "e");
  return String(Number(v.toPrecision(4)));
}

/** About n "nice" tick values (1, 2, 5 × 10^k steps) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, n);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  return out;
}

/** tab10: distinguishable colours for series. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

type Attrs = Record<string, string | number | undefined>;
function attrs(a: Attrs): string {
  let out = "";
  for (const k in a) {
    const v = a[k];
    if (v !== undefined) out += ` ${k}="${typeof v === "number" ? round(v) : esc(v)}"`;
  }
  return out;
}
const round = (v: number) => Math.round(v * 100) / 100;

/** A coordinate to 0.1 px, written from two integers: a float's toString is most of a long path's cost. */
function tenths(v: number): string {
  const t = Math.round(v * 10), a = t < 0 ? -t : t, frac = a % 10;
  const s = frac ? `${(a - frac) / 10}.${frac}` : `${a / 10}`;
  return t < 0 ? `-${s}` : s;
}

export class Svg {
  private readonly parts: string[] = [];
  readonly width: number;
  readonly height: number;
  constructor(width: number, height: number) {
    this.width = Math.ceil(width);
    this.height = Math.ceil(height);
  }
  rect(x: number, y: number, w: number, h: number, a: Attrs = {}): this {
    this.parts.push(`<rect${attrs({ x, y, width: Math.max(0, w), height: Math.max(0, h), ...a })}/>`);
    return this;
  }
  line(x1: number, y1: number, x2: number, y2: number, a: Attrs = {}): this {
    this.parts.push(`<line${attrs({ x1, y1, x2, y2, stroke: "#000", ...a })}/>`);
    return this;
  }
  text(x: number, y: number, s: string, a: Attrs = {}): this {
    this.parts.push(`<text${attrs({ x, y, ...a })}>${esc(s)}</text>`);
    return this;
  }
  /** A polyline through points; NaN points break the line. */
  polyline(xs: number[], ys: number[], a: Attrs = {}): this {
    let d = "";
    let pen = false;
    for (let i = 0; i < xs.length; i++) {
      if (!Number.isFinite(xs[i]) || !Number.isFinite(ys[i])) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${tenths(xs[i])} ${tenths(ys[i])}`;
      pen = true;
    }
    if (d) this.parts.push(`<path${attrs({ d, fill: "none", "stroke-width": 1.5, ...a })}/>`);
    return this;
  }
  /** A PNG stretched over (x, y, w, h) with its pixels kept sharp (a large heatmap's cells). */
  image(x: number, y: number, w: number, h: number, png: Uint8Array): this {
    const href = `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
    this.parts.push(`<image${attrs({ x, y, width: w, height: h, preserveAspectRatio: "none", "image-rendering": "optimizeSpeed", "xmlns:xlink": "http://www.w3.org/1999/xlink", "xlink:href": href })}/>`);
    return this;
  }
  circle(cx: number, cy: number, r: number, a: Attrs = {}): this {
    this.parts.push(`<circle${attrs({ cx, cy, r, ...a })}/>`);
    return this;
  }
  toString(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" ` +
      `font-family="DejaVu Sans, Arial, sans-serif" font-size="11">` +
      `<rect width="100%" height="100%" fill="#fff"/>${this.parts.join("")}</svg>`;
  }
}

export interface Frame { x: number; y: number; w: number; h: number }
export interface AxesOptions {
  title?: string; xLabel?: string; yLabel?: string; logY?: boolean;
  /** Categorical tick labels at 0..n-1 (heatmaps, confusion matrices). */
  xCategories?: string[]; yCategories?: string[];
  yTicks?: number; xTicks?: number;
}
export interface Scales { sx(v: number): number; sy(v: number): number }

/** Draws a frame with ticks, grid lines, labels and title; returns the data→pixel scales. */
export function axes(svg: Svg, f: Frame, xDom: [number, number], yDom: [number, number], o: AxesOptions = {}): Scales {
  const [x0, x1] = xDom[1] > xDom[0] ? xDom : [xDom[0] - 0.5, xDom[0] + 0.5];
  const ly = (v: number) => (o.logY ? Math.log10(v) : v);
  let [y0, y1] = [ly(yDom[0]), ly(yDom[1])];
  if (!(y1 > y0)) [y0, y1] = [y0 - 0.5, y0 + 0.5];
  const sx = (v: number) => f.x + ((v - x0) / (x1 - x0)) * f.w;
  const sy = (v: number) => f.y + f.h - ((ly(v) - y0) / (y1 - y0)) * f.h;
  const grid = { stroke: "#e5e5e5" };
  if (o.xCategories) {
    o.xCategories.forEach((c, i) => svg.text(sx(i), f.y + f.h + 13, c, { "text-anchor": "middle" }));
  } else {
    for (const t of niceTicks(x0, x1, o.xTicks ?? 5)) {
      svg.line(sx(t), f.y, sx(t), f.y + f.h, grid).line(sx(t), f.y + f.h, sx(t), f.y + f.h + 4);
      svg.text(sx(t), f.y + f.h + 15, fmt(t), { "text-anchor": "middle" });
    }
  }
  if (o.yCategories) {
    o.yCategories.forEach((c, i) => svg.text(f.x - 4, sy(i) + 4, c, { "text-anchor": "end" }));
  } else {
    const ticks = o.logY
      ? Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, i) => Math.pow(10, Math.ceil(y0) + i))
      : niceTicks(y0, y1, o.yTicks ?? 5);
    if (o.logY && ticks.length === 0) ticks.push(Math.pow(10, y0), Math.pow(10, y1));
    for (const t of ticks) {
      svg.line(f.x, sy(t), f.x + f.w, sy(t), grid).line(f.x - 4, sy(t), f.x, sy(t));
      svg.text(f.x - 6, sy(t) + 4, fmt(t), { "text-anchor": "end" });
    }
  }
  svg.rect(f.x, f.y, f.w, f.h, { fill: "none", stroke: "#333" });
  if (o.title) svg.text(f.x + f.w / 2, f.y - 8, o.title, { "text-anchor": "middle", "font-size": 12, "font-weight": "bold" });
  if (o.xLabel) svg.text(f.x + f.w / 2, f.y + f.h + 32, o.xLabel, { "text-anchor": "middle" });
  if (o.yLabel) {
    const cx = f.x - 44, cy = f.y + f.h / 2;
    svg.text(cx, cy, o.yLabel, { "text-anchor": "middle", transform: `rotate(-90 ${round(cx)} ${round(cy)})` });
  }
  return { sx, sy };
}

/** A legend of coloured swatches in a row starting at (x, y). */
const itemWidth = (name: string) => 30 + Math.min(160, 6.5 * name.length);

/** How many rows legend() needs for these items between x and maxX. */
export function legendRows(items: { name: string }[], x: number, maxX: number): number {
  let rows = 1, cx = x;
  for (const it of items) {
    if (cx > x && cx + itemWidth(it.name) > maxX) { rows++; cx = x; }
    cx += itemWidth(it.name);
  }
  return rows;
}

/** A legend from (x, y), wrapping onto rows 16 px apart before maxX (default: the picture's width). */
export function legend(svg: Svg, x: number, y: number, items: { name: string; color: string; dash?: string }[], maxX = svg.width - 4): void {
  let cx = x, cy = y;
  for (const it of items) {
    if (cx > x && cx + itemWidth(it.name) > maxX) { cx = x; cy += 16; }
    svg.line(cx, cy - 4, cx + 18, cy - 4, { stroke: it.color, "stroke-width": 2, "stroke-dasharray": it.dash });
    svg.text(cx + 22, cy, it.name);
    cx += itemWidth(it.name);
  }
}

/** Bars of a histogram inside a frame (the frame's axes drawn by the caller). */
export function bars(svg: Svg, s: Scales, edges: number[], counts: number[], fill = "#4c72b0"): void {
  for (let i = 0; i < counts.length; i++) {
    if (!counts[i]) continue;
    const x = s.sx(edges[i]), w = s.sx(edges[i + 1]) - x;
    svg.rect(x, s.sy(counts[i]), Math.max(w, 0.5), s.sy(0) - s.sy(counts[i]), { fill });
  }
}
