// viz.weights: a layer's weights as images. A linear classifier's rows are its class
// "templates" (one image per class); a convolution's kernels are its filters (RGB when
// they see 3 channels, one grey-scale tile per input channel otherwise).
import { Tensor } from "../tensor";
import { Module } from "../nn/module";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";
import { checkGridOptions, gridGeometry, type GridOptions } from "./grid";
import { ImagesViz } from "./images";
import { r4 } from "./base";
import { integer, labels, maxOf, text } from "./args";
import { LIMITS } from "./payloads";
import type { ImageTile, ImagesPayload } from "./schema";

export interface WeightsOptions extends GridOptions {
  /** "templates": rows of a (classes, features) weight; "filters": (out, in, kh, kw) kernels; "auto" decides by shape. */
  mode?: "templates" | "filters" | "auto";
  /** Labels of the templates (Fashion-MNIST's "T-shirt/top", ...). */
  classNames?: string[];
  /** (channels, height, width) of one template; inferred for square images (784 → 1×28×28, 3072 → 3×32×32). */
  imageShape?: [number, number, number];
  /** Templates flattened as (H, W, C), numpy's order, instead of PyTorch's (C, H, W). */
  channelsLast?: boolean;
  /** At most this many tiles in the bundle (default 256); the rest are left out and said so. */
  maxTiles?: number;
  title?: string;
}

function weightOf(x: Module | Tensor): Tensor {
  if (x instanceof Tensor) return x;
  const w = (x as any).weight;
  if (x instanceof Module && w instanceof Tensor) return w;
  throw new ValueError(`viz.weights: expected a layer with a weight (Linear, Conv2d) or a tensor, got ${x instanceof Module ? x.typeName() : typeof x}`);
}

function inferImageShape(D: number): [number, number, number] | null {
  const sq = (n: number) => { const s = Math.round(Math.sqrt(n)); return s * s === n ? s : 0; };
  if (sq(D)) return [1, sq(D), sq(D)];
  if (D % 3 === 0 && sq(D / 3)) return [3, sq(D / 3), sq(D / 3)];
  return null;
}

/** Raw tiles (channel-last data) before colour decisions. */
interface RawTile { label: string; h: number; w: number; c: 1 | 3; data: Float32Array }

function templateTiles(w: Tensor, o: WeightsOptions): RawTile[] {
  const [C, D] = w.shape;
  const shape = o.imageShape ?? inferImageShape(D);
  if (!shape) throw new ShapeError(`viz.weights: cannot see ${D} weights per class as a square image; give imageShape: [channels, height, width]`);
  const [ch, h, wd] = shape;
  if (ch * h * wd !== D) throw new ShapeError(`viz.weights: imageShape ${fmtShape(shape)} holds ${ch * h * wd} values but each class has ${D}`);
  if (ch !== 1 && ch !== 3) throw new ShapeError(`viz.weights: templates need 1 or 3 channels, got ${describeValue(ch)}`);
  const src = w.dataSync() as ArrayLike<number>;
  return Array.from({ length: C }, (_, k) => {
    const data = new Float32Array(D);
    for (let p = 0; p < h * wd; p++) {
      for (let c = 0; c < ch; c++) data[p * ch + c] = src[k * D + (o.channelsLast ? p * ch + c : c * h * wd + p)];
    }
    return { label: o.classNames?.[k] ?? `class ${k}`, h, w: wd, c: ch as 1 | 3, data };
  });
}

function filterTiles(w: Tensor): RawTile[] {
  const [O, I, kh, kw] = w.shape;
  const src = w.dataSync() as ArrayLike<number>;
  const n = kh * kw;
  const tiles: RawTile[] = [];
  for (let o = 0; o < O; o++) {
    if (I === 3) {
      const data = new Float32Array(n * 3);
      for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = src[(o * 3 + c) * n + p];
      tiles.push({ label: `filter ${o}`, h: kh, w: kw, c: 3, data });
    } else {
      for (let i = 0; i < I; i++) tiles.push({ label: `filter ${o}, channel ${i}`, h: kh, w: kw, c: 1, data: Float32Array.from({ length: n }, (_, p) => src[(o * I + i) * n + p]) });
    }
  }
  return tiles;
}

function range(d: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of d) if (Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

/** Images of a layer's weights, laid out as make_grid, on a diverging scale centred at zero unless normalize. */
export function weights(layer: Module | Tensor, opts: WeightsOptions = {}): ImagesViz {
  checkGridOptions(opts, "viz.weights");
  opts = { ...opts, classNames: labels(opts.classNames, "viz.weights", "classNames", Infinity, "classes"), title: text(opts.title, "viz.weights", "title") };
  const w = weightOf(layer);
  const mode = opts.mode ?? "auto";
  const asFilters = mode === "filters" || (mode === "auto" && w.ndim === 4);
  if (asFilters && w.ndim !== 4) throw new ShapeError(`viz.weights: filters need a weight (out, in, kh, kw), got ${fmtShape(w.shape)}`);
  if (!asFilters && w.ndim !== 2) throw new ShapeError(`viz.weights: templates need a weight (classes, features), got ${fmtShape(w.shape)}; use mode: "filters" for (out, in, kh, kw)`);
  let tiles = asFilters ? filterTiles(w) : templateTiles(w, opts);
  const total = tiles.length;
  const maxTiles = integer(opts.maxTiles, "viz.weights", "maxTiles", 1, LIMITS.tiles, 256);
  if (opts.padding !== undefined && opts.padding > LIMITS.padding) throw new ValueError(`viz.weights: padding must be at most ${LIMITS.padding}; got ${describeValue(opts.padding)}`);
  if (opts.padValue !== undefined && !Number.isFinite(opts.padValue)) throw new ValueError(`viz.weights: padValue must be a finite number; got ${describeValue(opts.padValue)}`);
  if (tiles.length > maxTiles) tiles = tiles.slice(0, maxTiles);
  const I = w.shape[1];
  const nrow = Math.min(LIMITS.tiles, opts.nrow ?? (asFilters ? (I !== 3 && I > 1 && I <= 16 ? I : 8) : Math.min(tiles.length, 10)));
  const g = gridGeometry(tiles.length, tiles[0]?.h ?? 1, tiles[0]?.w ?? 1, nrow, opts.padding ?? 2);
  if (g.width > LIMITS.gridSide || g.height > LIMITS.gridSide) throw new ValueError(`viz.weights: a grid of ${g.width}×${g.height} pixels is too large to draw (at most ${LIMITS.gridSide} a side); change nrow or maxTiles`);
  const ranges = tiles.map((t) => range(t.data));
  const all: [number, number] = [-maxOf(ranges.map((r) => -r[0])), maxOf(ranges.map((r) => r[1]))];
  const normalize = opts.normalize ?? false;
  // With an explicit valueRange, scaleEach changes nothing in make_grid: every tile uses that range.
  const scaleEach = (opts.scaleEach ?? false) && !opts.valueRange;
  const sym = (r: [number, number]): [number, number] => { const m = Math.max(Math.abs(r[0]), Math.abs(r[1])) || 1; return [-m, m]; };
  const valueRange: [number, number] = normalize ? opts.valueRange ?? all : sym(opts.valueRange ?? all);
  const out: ImageTile[] = tiles.map((t, k) => {
    let data: number[];
    if (t.c === 3) {
      // RGB tiles carry [0, 1]: min–max as make_grid, or mid-grey at zero when not normalising.
      const [lo, hi] = scaleEach ? (normalize ? ranges[k] : sym(ranges[k])) : valueRange;
      data = Array.from(t.data, (v) => r4(Math.min(1, Math.max(0, (v - lo) / Math.max(hi - lo, 1e-5)))));
    } else {
      data = Array.from(t.data, r4);
    }
    return { label: t.label, height: t.h, width: t.w, channels: t.c, data, range: ranges[k] };
  });
  const payload: ImagesPayload = {
    version: 1, title: opts.title ?? (asFilters ? `filters ${fmtShape(w.shape)}` : `templates ${fmtShape(w.shape)}`),
    nrow, padding: opts.padding ?? 2, padValue: opts.padValue ?? 0,
    colormap: normalize ? "gray" : "diverging", valueRange, scaleEach, tiles: out,
  };
  const values = out.reduce((n, t) => n + t.data.length, 0);
  if (values > LIMITS.imageValues) throw new ValueError(`viz.weights: ${out.length} tiles of ${out[0].height}×${out[0].width} are ${values} values, more than the ${LIMITS.imageValues} an image grid can hold; pass a smaller maxTiles`);
  return new ImagesViz(payload, total > tiles.length ? ` (first ${tiles.length} of ${total} shown)` : "");
}
