// Generic charts: line, scatter, histogram, heatmap, confusion matrix (and imshow,
// which is an image grid of one). Long series are thinned kernel-side.
import { Tensor } from "../tensor";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";
import { confusionMatrix as confusionCounts } from "../train/metrics";
import { VizObject, r4 } from "./base";
import { MIME, type ChartPayload } from "./schema";
import { computeStats, histogram as hist, jsonStats, finiteRange, type Numbers } from "./stats";
import { numbers, text, labels, integer, finiteRange as rangeArg, maxOf } from "./args";
import { LIMITS } from "./payloads";
import { Svg, axes, bars, legend, legendRows, PALETTE, fmt } from "./svg";
import { diverging, css } from "./colormap";
import { encodePNG } from "./png";
import { ImagesViz } from "./images";
import type { ImagesPayload } from "./schema";

type Grid = Extract<ChartPayload, { rows: number }>;

export interface ChartOptions { title?: string; xLabel?: string; yLabel?: string; logY?: boolean; maxPoints?: number }
type XY = { name?: string; x?: Numbers | Tensor; y: Numbers | Tensor };

/** Keeps every k-th point so at most max remain (always keeping the last). */
function thin(x: ArrayLike<number>, y: ArrayLike<number>, max: number): { x: number[]; y: number[] } {
  const k = Math.max(1, Math.ceil(x.length / max));
  const ox: number[] = [], oy: number[] = [];
  for (let i = 0; i < x.length; i += k) { ox.push(r4(x[i])); oy.push(r4(y[i])); }
  if (k > 1 && (x.length - 1) % k !== 0) { ox.push(r4(x[x.length - 1])); oy.push(r4(y[y.length - 1])); }
  return { x: ox, y: oy };
}

export class ChartViz extends VizObject<ChartPayload> {
  readonly mime = MIME.chart;
  constructor(private readonly p: ChartPayload) { super(); }
  payload(): ChartPayload { return this.p; }
  fallback(): [string, string] { return ["image/svg+xml", drawChart(this.p)]; }
  text(): string {
    const p = this.p;
    const head = `${p.kind}${p.title ? ": " + p.title : ""}`;
    if (p.kind === "line" || p.kind === "scatter") return `${head} (${p.series.map((s) => `${s.name}: ${s.x.length} points`).join(", ")})`;
    if (p.kind === "histogram") return `${head} (${p.stats.count} values, mean ${fmt(p.stats.mean)}, std ${fmt(p.stats.std)})`;
    // A confusion matrix is printed whole up to 30 classes; beyond, a printout would be megabytes.
    if (p.kind === "confusion" && (p as Grid).rows <= 30) {
      const g = p as Grid;
      const w = Math.max(maxOf(g.z.map((v) => String(v).length), 0), maxOf((g.yTicks ?? []).map((t) => t.length), 0));
      const rows = Array.from({ length: g.rows }, (_, i) => `${(g.yTicks?.[i] ?? String(i)).padStart(w)} ` +
        Array.from({ length: g.cols }, (_, j) => String(g.z[i * g.cols + j]).padStart(w)).join(" "));
      return [head, ...rows].join("\n");
    }
    return `${head} (${(p as Grid).rows}×${(p as Grid).cols})`;
  }
}

/** The options every chart takes, checked: text where text goes. */
function chartText(o: ChartOptions, op: string) {
  return { title: text(o.title, op, "title"), xLabel: text(o.xLabel, op, "xLabel"), yLabel: text(o.yLabel, op, "yLabel") };
}

function xyChart(kind: "line" | "scatter", data: XY | XY[] | Numbers | Tensor, o: ChartOptions): ChartViz {
  const op = `viz.${kind}`;
  const list: XY[] = Array.isArray(data) && data.length && typeof data[0] === "object" && data[0] !== null ? (data as XY[]) :
    data instanceof Tensor || Array.isArray(data) || ArrayBuffer.isView(data) ? [{ y: data as Numbers }] : [data as XY];
  if (list.length > LIMITS.series) throw new ValueError(`${op}: at most ${LIMITS.series} series in one chart; got ${list.length}`);
  const maxPoints = integer(o.maxPoints, op, "maxPoints", 2, LIMITS.points, 2000);
  if (o.logY !== undefined && typeof o.logY !== "boolean") throw new ValueError(`${op}: logY must be true or false; got ${describeValue(o.logY)}`);
  const series = list.map((s, i) => {
    if (typeof s !== "object" || s === null) throw new ValueError(`${op}: series ${i} must be numbers or { x, y, name }; got ${describeValue(s)}`);
    const y = numbers(s.y, op, list.length > 1 ? `series ${i}'s y` : "y");
    const x = s.x === undefined ? Array.from({ length: y.length }, (_, k) => k) : numbers(s.x, op, list.length > 1 ? `series ${i}'s x` : "x");
    if (x.length !== y.length) throw new ShapeError(`${op}: series ${s.name ?? i} has ${x.length} x values but ${y.length} y values`);
    const name = text(s.name, op, "name") ?? (list.length > 1 ? `series ${i}` : "y");
    return { name, ...thin(x, y, maxPoints) };
  });
  return new ChartViz({ version: 1, kind, ...chartText(o, op), logY: o.logY, series });
}

/** A line chart: line([1, 2, 3]), line({ x, y, name }), or several series in an array. */
export const line = (data: XY | XY[] | Numbers | Tensor, opts: ChartOptions = {}) => xyChart("line", data, opts);
/** A scatter plot, with line's arguments. */
export const scatter = (data: XY | XY[] | Numbers | Tensor, opts: ChartOptions = {}) => xyChart("scatter", data, opts);

/** A histogram of values (binned here: the bundle holds counts, not values). */
export function histogram(values: Numbers | Tensor, opts: { bins?: number; range?: [number, number]; title?: string; xLabel?: string } = {}): ChartViz {
  const op = "viz.histogram";
  const d = numbers(values, op, "values");
  const bins = integer(opts.bins, op, "bins", 1, LIMITS.bins, 50);
  return new ChartViz({ version: 1, kind: "histogram", title: text(opts.title, op, "title"), xLabel: text(opts.xLabel, op, "xLabel"),
    histogram: hist(d, bins, rangeArg(opts.range, op, "range")), stats: jsonStats(computeStats(d)) });
}

function matrix(m: Tensor | number[][], op: string): { rows: number; cols: number; z: number[] } {
  if (m instanceof Tensor) {
    if (m.ndim !== 2) throw new ShapeError(`${op}: expected a 2-D tensor, got ${fmtShape(m.shape)}`);
    return { rows: m.shape[0], cols: m.shape[1], z: Array.from(m.dataSync() as ArrayLike<number>, r4) };
  }
  if (!Array.isArray(m) || !m.every((r) => Array.isArray(r) && r.length === m[0].length)) throw new ShapeError(`${op}: expected a 2-D tensor or equal-length rows of numbers`);
  m.forEach((r, i) => numbers(r, op, `row ${i}`));
  return { rows: m.length, cols: m[0]?.length ?? 0, z: m.flat().map(r4) };
}

/** A grid the renderers can draw: at most LIMITS.cells cells and LIMITS.gridSide along a side. */
function checkGridSize(rows: number, cols: number, op: string): void {
  if (rows * cols > LIMITS.cells || rows > LIMITS.gridSide || cols > LIMITS.gridSide) {
    throw new ValueError(`${op}: ${rows}×${cols} is too large to draw (at most ${LIMITS.cells} cells and ${LIMITS.gridSide} along a side); use viz.imshow for images`);
  }
  if (rows === 0 || cols === 0) throw new ShapeError(`${op}: ${rows}×${cols} has no cells to draw`);
}

/** A heatmap of a 2-D tensor (diverging colours centred at zero). */
export function heatmap(m: Tensor | number[][], opts: ChartOptions & { xTicks?: string[]; yTicks?: string[] } = {}): ChartViz {
  const op = "viz.heatmap";
  const { rows, cols, z } = matrix(m, op);
  checkGridSize(rows, cols, op);
  return new ChartViz({ version: 1, kind: "heatmap", ...chartText(opts, op), rows, cols, z,
    xTicks: labels(opts.xTicks, op, "xTicks", cols, "columns"), yTicks: labels(opts.yTicks, op, "yTicks", rows, "rows") });
}

/** A confusion matrix, from predictions (scores or labels) and targets, or from counts already made. */
export function confusionMatrix(predOrCounts: Tensor, target?: Tensor, opts: { classNames?: string[]; title?: string; numClasses?: number } = {}): ChartViz {
  const counts = target ? confusionCounts(predOrCounts, target, opts.numClasses ?? opts.classNames?.length) : predOrCounts;
  const op = "viz.confusionMatrix";
  const { rows, cols, z } = matrix(counts, op);
  if (rows !== cols) throw new ShapeError(`${op}: counts must be square (C, C), got ${describeValue(rows)}×${cols}`);
  checkGridSize(rows, cols, op);
  const ticks = labels(opts.classNames, op, "classNames", rows, "classes") ?? Array.from({ length: rows }, (_, i) => String(i));
  return new ChartViz({ version: 1, kind: "confusion", title: text(opts.title, op, "title") ?? "confusion matrix", xLabel: "predicted", yLabel: "true", rows, cols, z, xTicks: ticks, yTicks: ticks });
}

/** One image: (H, W) on a grey (or, with diverging, blue–red) scale, (3, H, W) or (H, W, 3) as RGB in [0, 1]. */
export function imshow(t: Tensor, opts: { title?: string; colormap?: "gray" | "diverging"; valueRange?: [number, number] } = {}): ImagesViz {
  if (!(t instanceof Tensor)) throw new ValueError("viz.imshow: expected a Tensor");
  const s = t.shape.filter((d, i) => !(d === 1 && t.ndim > 2 && i === 0));
  const d = t.dataSync() as ArrayLike<number>;
  let tile: ImagesPayload["tiles"][number];
  if (t.numel > LIMITS.imageValues || s.some((n) => n > LIMITS.side)) {
    throw new ValueError(`viz.imshow: ${fmtShape(t.shape)} is too large to show (at most ${LIMITS.imageValues} values and ${LIMITS.side} pixels a side); downsample it first`);
  }
  const range = finiteRange(d) as [number, number];
  if (s.length === 2) {
    tile = { height: s[0], width: s[1], channels: 1, data: Array.from(d, r4), range };
  } else if (s.length === 3 && (s[0] === 3 || s[2] === 3)) {
    const [h, w] = s[0] === 3 ? [s[1], s[2]] : [s[0], s[1]];
    const data = new Array<number>(h * w * 3);
    for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = r4(s[0] === 3 ? d[c * h * w + p] : d[p * 3 + c]);
    tile = { height: h, width: w, channels: 3, data, range };
  } else {
    throw new ShapeError(`viz.imshow: expected an image (H, W), (1, H, W), (3, H, W) or (H, W, 3), got ${fmtShape(t.shape)}`);
  }
  const colormap = opts.colormap ?? "gray";
  if (colormap !== "gray" && colormap !== "diverging") throw new ValueError(`viz.imshow: colormap must be "gray" or "diverging"; got ${describeValue(colormap)}`);
  const m = Math.max(Math.abs(range[0]), Math.abs(range[1]));
  const vr = rangeArg(opts.valueRange, "viz.imshow", "valueRange") ?? (colormap === "diverging" ? [-m, m] as [number, number] : range);
  return new ImagesViz({ version: 1, title: text(opts.title, "viz.imshow", "title"), nrow: 1, padding: 0, padValue: 0, colormap, valueRange: vr, scaleEach: false, tiles: [tile] });
}

// ---- SVG fallbacks ------------------------------------------------------------------

function drawChart(p: ChartPayload): string {
  if (p.kind === "heatmap" || p.kind === "confusion") return drawGrid(p as Grid);
  if (p.kind === "line" || p.kind === "scatter") {
    const items = p.series.map((s, i) => ({ name: s.name, color: PALETTE[i % 10] }));
    const showLegend = p.series.length > 1 || p.series[0]?.name !== "y";
    const svg = new Svg(520, 340 + (showLegend ? 16 * (legendRows(items, 70, 516) - 1) : 0));
    const xs = p.series.flatMap((s) => s.x), ys = p.series.flatMap((s) => s.y.filter((v) => Number.isFinite(v) && (!p.logY || v > 0)));
    // A margin of 4 % keeps points off the frame (not on a log axis, whose range must stay positive).
    const pad = (r: [number, number], k: number): [number, number] => [r[0] - k * (r[1] - r[0]), r[1] + k * (r[1] - r[0])];
    const xd = pad(finiteRange(xs), p.kind === "scatter" ? 0.04 : 0), yd = p.logY ? finiteRange(ys) : pad(finiteRange(ys), 0.04);
    const sc = axes(svg, { x: 70, y: 36, w: 420, h: 230 }, xd, yd, { title: p.title, xLabel: p.xLabel, yLabel: p.yLabel, logY: p.logY });
    p.series.forEach((s, i) => {
      const c = PALETTE[i % 10];
      const py = s.y.map((v) => (Number.isFinite(v) && (!p.logY || v > 0) ? sc.sy(v) : NaN));
      if (p.kind === "line") svg.polyline(s.x.map(sc.sx), py, { stroke: c });
      else s.x.forEach((x, j) => { if (Number.isFinite(py[j])) svg.circle(sc.sx(x), py[j], 2.5, { fill: c, "fill-opacity": 0.7 }); });
    });
    if (showLegend) legend(svg, 70, 325, items, 516);
    return svg.toString();
  }
  if (p.kind === "histogram") {
    const svg = new Svg(520, 320);
    const h = p.histogram;
    const sc = axes(svg, { x: 70, y: 36, w: 420, h: 220 }, [h.edges[0], h.edges[h.edges.length - 1]], [0, maxOf(h.counts, 1)], { title: p.title, xLabel: p.xLabel, yLabel: "count" });
    bars(svg, sc, h.edges, h.counts);
    svg.text(70, 310, `n ${p.stats.count}   mean ${fmt(p.stats.mean)}   std ${fmt(p.stats.std)}   min ${fmt(p.stats.min)}   max ${fmt(p.stats.max)}`);
    return svg.toString();
  }
  return "";
}

/** Above this many cells a grid's SVG draws them as one embedded PNG, not a <rect> each (250,000 rects would be megabytes). */
const RECTS_MAX = 4096;

function drawGrid(p: Grid): string {
  // heatmap / confusion: cells coloured (confusion: white→blue by count; heatmap: diverging at 0).
  const n = p.rows * p.cols, raster = n > RECTS_MAX;
  const side = 440 / Math.max(p.rows, p.cols);
  const cell = raster ? Math.min(44, side) : Math.max(6, Math.min(44, Math.floor(side)));
  const labelW = Math.min(120, 8 + 6.5 * maxOf((p.yTicks ?? []).map((t) => t.length), 0));
  const left = 40 + labelW, top = 40;
  const svg = new Svg(left + p.cols * cell + 70, top + p.rows * cell + 60 + (p.xTicks ? 6.5 * Math.min(20, maxOf(p.xTicks.map((t) => t.length), 0)) : 0));
  if (p.title) svg.text(left + (p.cols * cell) / 2, 22, p.title, { "text-anchor": "middle", "font-weight": "bold", "font-size": 12 });
  let zmax = 1e-12;
  for (let i = 0; i < n; i++) { const a = Math.abs(p.z[i]); if (a > zmax && a !== Infinity) zmax = a; }
  const rowSum = Array.from({ length: p.rows }, (_, i) => { let s = 0; for (let j = 0; j < p.cols; j++) s += p.z[i * p.cols + j]; return s; });
  // Confusion cells shade by the fraction of their true class, so rare classes still read.
  const shade = (i: number, v: number) => (p.kind === "confusion" ? (rowSum[i] ? v / rowSum[i] : 0) : 0.5 + v / (2 * zmax));
  const colour = (t: number): [number, number, number] => (p.kind === "confusion" ? [Math.round(255 - 200 * t), Math.round(255 - 150 * t), 255 - Math.round(60 * t)] : diverging(t));
  if (raster) {
    const rgb = new Uint8Array(n * 3);
    for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.cols; j++) rgb.set(colour(shade(i, p.z[i * p.cols + j])), (i * p.cols + j) * 3);
    svg.image(left, top, p.cols * cell, p.rows * cell, encodePNG(p.cols, p.rows, rgb));
  } else {
    const labels = p.z.map((v) => (p.kind === "confusion" ? fmt(v) : Number(v.toPrecision(2)).toString()));
    // Every cell is labelled or none is: labels only where they happen to be short would draw a stray pattern.
    const labelled = cell >= 6 * maxOf(labels.map((l) => l.length), 0) + 4;
    for (let i = 0; i < p.rows; i++) {
      for (let j = 0; j < p.cols; j++) {
        const t = shade(i, p.z[i * p.cols + j]);
        svg.rect(left + j * cell, top + i * cell, cell, cell, { fill: css(colour(t)), stroke: "#fff", "stroke-width": 0.5 });
        const dark = p.kind === "confusion" ? t > 0.6 : Math.abs(t - 0.5) > 0.3;
        if (labelled) svg.text(left + j * cell + cell / 2, top + i * cell + cell / 2 + 4, labels[i * p.cols + j], { "text-anchor": "middle", "font-size": 10, fill: dark ? "#fff" : "#000" });
      }
    }
  }
  const step = Math.ceil(11 / cell);
  p.yTicks?.forEach((t, i) => { if (i % step === 0) svg.text(left - 4, top + i * cell + cell / 2 + 4, t, { "text-anchor": "end" }); });
  p.xTicks?.forEach((t, j) => {
    if (j % step) return;
    const x = left + j * cell + cell / 2 + 4, y = top + p.rows * cell + 6;
    svg.text(x, y, t, { "text-anchor": "end", transform: `rotate(-60 ${x} ${y})` });
  });
  if (p.yLabel) svg.text(12, top + (p.rows * cell) / 2, p.yLabel, { transform: `rotate(-90 12 ${top + (p.rows * cell) / 2})`, "text-anchor": "middle" });
  if (p.xLabel) svg.text(left + (p.cols * cell) / 2, svg.height - 8, p.xLabel, { "text-anchor": "middle" });
  return svg.toString();
}


