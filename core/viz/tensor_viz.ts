// viz.tensor: any tensor as statistics, a histogram and its values (all of them when
// small, a strided sample of every dimension when large), with an SVG fallback.
import { Tensor } from "../tensor";
import { ValueError } from "../errors";
import { formatTensor } from "../format";
import { VizObject, r4 } from "./base";
import { MIME, type TensorPayload } from "./schema";
import { computeStats, histogram, jsonNumber, jsonStats } from "./stats";
import { Svg, axes, bars, fmt } from "./svg";
import { maxOf, text } from "./args";
import { LIMITS } from "./payloads";

/** At most this many values travel in the bundle. */
export const MAX_SHOWN = LIMITS.tensorValues;

/** A strided sample: each dimension thinned by the same factor until ≤ limit values remain. */
export function sampleShape(shape: number[], limit = MAX_SHOWN): { shown: number[]; strides: number[] } {
  const strides = shape.map(() => 1);
  const shown = shape.slice();
  const total = () => shown.reduce((a, b) => a * b, 1);
  while (total() > limit) {
    const i = shown.indexOf(Math.max(...shown)); // thin the longest dimension first
    strides[i] *= 2;
    shown[i] = Math.ceil(shape[i] / strides[i]);
  }
  return { shown, strides };
}

export class TensorViz extends VizObject<TensorPayload> {
  readonly mime = MIME.tensor;
  private cached?: TensorPayload;
  constructor(readonly t: Tensor, readonly name?: string) { super(); }

  payload(): TensorPayload {
    if (this.cached) return this.cached;
    const t = this.t;
    const d = t.dataSync() as ArrayLike<number>;
    const { shown, strides } = sampleShape(t.shape);
    const rowStrides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    const values: TensorPayload["values"] = [];
    const idx = shown.map(() => 0);
    const n = shown.reduce((a, b) => a * b, 1);
    for (let k = 0; k < n; k++) {
      let off = 0;
      for (let i = 0; i < idx.length; i++) off += idx[i] * strides[i] * rowStrides[i];
      values.push(jsonNumber(r4(d[off])));
      for (let i = idx.length - 1; i >= 0; i--) { if (++idx[i] < shown[i]) break; idx[i] = 0; }
    }
    const stats = computeStats(d);
    this.cached = {
      version: 1, name: this.name ?? this.t.name, dtype: t.dtype as TensorPayload["dtype"], shape: t.shape.slice(),
      requiresGrad: t.requiresGrad, stats: jsonStats(stats), histogram: histogram(d, 40), shownShape: shown, values,
      sampled: n < t.numel,
    };
    return this.cached;
  }

  fallback(): [string, string] {
    const p = this.payload(), s = p.stats;
    const svg = new Svg(480, 250);
    const head = `${p.name ? p.name + ": " : ""}${p.dtype} [${p.shape.join(", ")}]`;
    svg.text(10, 18, head, { "font-weight": "bold", "font-size": 12 });
    const lines = [`min ${fmt(s.min)}`, `max ${fmt(s.max)}`, `mean ${fmt(s.mean)}`, `std ${fmt(s.std)}`,
      `zeros ${s.zeros}`, `NaN ${s.nan}`, `+Inf ${s.posInf}`, `-Inf ${s.negInf}`, `count ${s.count}`];
    lines.forEach((l, i) => svg.text(370, 50 + i * 17, l));
    const h = p.histogram;
    const sc = axes(svg, { x: 70, y: 40, w: 280, h: 170 }, [h.edges[0], h.edges[h.edges.length - 1]], [0, maxOf(h.counts, 1)], { xLabel: "value", yLabel: "count", yTicks: 4 });
    bars(svg, sc, h.edges, h.counts);
    return ["image/svg+xml", svg.toString()];
  }

  text(): string {
    const name = this.name ?? this.t.name;
    return (name ? `${name} = ` : "") + formatTensor(this.t);
  }
}

/** Shows a tensor: statistics, histogram and values (sampled when large). */
export function tensorView(t: Tensor, opts: { name?: string } = {}): TensorViz {
  if (!(t instanceof Tensor)) {
    throw new ValueError(`viz.tensor: expected a Tensor, got ${Array.isArray(t) ? "an array (make it one with tensor([...]))" : t === null ? "null" : typeof t}`);
  }
  if (t.ndim > LIMITS.ndim) throw new ValueError(`viz.tensor: at most ${LIMITS.ndim} dimensions can be shown; got ${t.ndim}`);
  return new TensorViz(t, text(opts.name, "viz.tensor", "name"));
}
