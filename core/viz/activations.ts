// viz.activations and viz.compare: what each layer of a network outputs (or its
// weights, or their gradients), as histograms with the statistics the course reads off
// them — the spread per layer, dead ReLUs (exact zeros) and saturated tanh/sigmoid units.
import { Tensor } from "../tensor";
import { Module } from "../nn/module";
import { Sigmoid, Tanh, Hardtanh, Softsign, ReLU, LeakyReLU, ELU, SELU, GELU, SiLU, Softplus, PReLU, Arctan } from "../nn/activation";
import { noGrad } from "../autograd";
import { ValueError } from "../errors";
import { crossEntropy, mseLoss } from "../functional";
import type { HistogramPanel, HistogramsPayload } from "./schema";
import { computeStats, histogram, jsonStats, percent, finiteRange } from "./stats";
import { HistogramsViz, type LayerValues } from "./histograms";
import { integer, text } from "./args";
import { LIMITS, histogramsV1 } from "./payloads";
import { PayloadError } from "./validate";
import { writeHost } from "../storage";

/** The size caps of a histogram set, checked before binning. */
function checkCounts(runs: { run: string; layers: { name: string }[] }[], op: string): void {
  if (runs.length > LIMITS.runs) throw new ValueError(`${op}: at most ${LIMITS.runs} runs side by side; got ${runs.length}`);
  const panels = runs.reduce((n, r) => n + r.layers.length, 0);
  const layers = new Set(runs.flatMap((r) => r.layers.map((l) => l.name))).size;
  if (layers > LIMITS.layers || panels > LIMITS.panels) throw new ValueError(`${op}: ${layers} layers in ${panels} panels are too many to draw (at most ${LIMITS.layers} layers, ${LIMITS.panels} panels); choose some with { layers: [...] }`);
}

export type Quantity = "activations" | "weights" | "gradients";
export interface ActivationsOptions {
  quantity?: Quantity;
  bins?: number;
  /** Module names (as in namedModules/namedParameters) to show; default: every activation layer (or every leaf layer when there is none). */
  layers?: string[];
  title?: string;
  /** The run's name (for compare). */
  run?: string;
  /** For gradients: the loss of the model's output (default: cross-entropy with `target` if int32, else MSE). */
  loss?: (output: Tensor) => Tensor;
  target?: Tensor;
}

const ACTIVATIONS = [Sigmoid, Tanh, Hardtanh, Softsign, ReLU, LeakyReLU, ELU, SELU, GELU, SiLU, Softplus, PReLU, Arctan];

/** How a layer saturates: |y| > 0.99 for tanh-like, y < 0.01 or > 0.99 for sigmoid, else never. */
function saturation(m: Module | null): { rule: string; test: (v: number) => boolean } | null {
  if (m instanceof Tanh || m instanceof Hardtanh || m instanceof Softsign) return { rule: "|y| > 0.99", test: (v) => Math.abs(v) > 0.99 };
  if (m instanceof Sigmoid) return { rule: "y < 0.01 or y > 0.99", test: (v) => v < 0.01 || v > 0.99 };
  return null;
}

type Layer = LayerValues;

/** "1 Tanh" — or just "1" when runs differ in that layer's type, so their panels still line up. */
function labeller(runs: { layers: Layer[] }[]): (l: Layer) => string {
  const types = new Map<string, Set<string>>();
  for (const r of runs) for (const l of r.layers) {
    if (!types.has(l.name)) types.set(l.name, new Set());
    types.get(l.name)!.add(l.module ? l.module.typeName() : "");
  }
  return (l) => {
    const name = l.name || "output";
    return l.module && types.get(l.name)!.size === 1 ? `${name} ${l.module.typeName()}` : name;
  };
}

/** Runs the model once, keeping the output of each chosen module (by wrapping its forward for this one call). */
function collectActivations(model: Module, input: Tensor, names?: string[]): Layer[] {
  const all = model.namedModules().filter(([n]) => n !== "");
  const leaves = all.filter(([, m]) => m.children().length === 0);
  const acts = leaves.filter(([, m]) => ACTIVATIONS.some((A) => m instanceof A));
  let chosen = names ? all.filter(([n]) => names.includes(n)) : acts.length ? acts : leaves;
  if (names) {
    const missing = names.filter((n) => !all.some(([m]) => m === n));
    if (missing.length) throw new ValueError(`viz.activations: no layer named ${missing.join(", ")}; the layers are ${all.map(([n]) => n).join(", ")}`);
  }
  if (chosen.length === 0) chosen = [["", model]];
  const out: Layer[] = [];
  const restore: (() => void)[] = [];
  for (const [name, m] of chosen) {
    const own = Object.prototype.hasOwnProperty.call(m, "forward");
    const original = m.forward;
    (m as any).forward = (...args: Tensor[]) => {
      const y = original.apply(m, args);
      const values = Float32Array.from(y.dataSync() as ArrayLike<number>);
      // A module called twice (shared weights) gets one panel over all its outputs.
      const seen = out.find((l) => l.module === m);
      if (seen) { const both = new Float32Array(seen.values.length + values.length); both.set(seen.values as Float32Array); both.set(values, seen.values.length); seen.values = both; }
      else out.push({ name, module: m, values });
      return y;
    };
    restore.push(() => { if (own) (m as any).forward = original; else delete (m as any).forward; });
  }
  // Looking must not train: batch norm's running statistics are put back after this forward.
  const buffers = model.buffers().map((b) => [b, b.dataSync().slice()] as const);
  try {
    noGrad(() => model.forward(input));
  } finally {
    restore.forEach((r) => r());
    for (const [b, copy] of buffers) writeHost(b.storage, copy);
  }
  return out;
}

function collectGradients(model: Module, input: Tensor, o: ActivationsOptions): Layer[] {
  const params = model.namedParameters();
  const saved = params.map(([, p]) => p.grad);
  try {
    if (input) {
      params.forEach(([, p]) => (p.grad = null));
      const y = model.forward(input);
      const loss = o.loss ? o.loss(y) : o.target ? (o.target.dtype === "int32" ? crossEntropy(y, o.target) : mseLoss(y, o.target)) : null;
      if (!loss) throw new ValueError("viz.activations: gradients need a loss; pass { target } or { loss: (output) => ... }");
      loss.backward();
    }
    const withGrad = params.filter(([, p]) => p.grad);
    if (withGrad.length === 0) throw new ValueError("viz.activations: no parameter has a gradient; pass an input and a target");
    return withGrad.map(([n, p]) => ({ name: n, module: null, values: Float32Array.from(p.grad!.dataSync() as ArrayLike<number>) }));
  } finally {
    if (input) params.forEach(([, p], i) => (p.grad = saved[i]));
  }
}

/** Builds panels for runs of layers, all binned over one shared range. */
export function buildHistograms(runs: { run: string; layers: Layer[] }[], quantity: Quantity, bins: number, title?: string): HistogramsViz {
  checkCounts(runs, "viz.activations");
  let lo = Infinity, hi = -Infinity;
  for (const r of runs) for (const l of r.layers) { const [a, b] = finiteRange(l.values); lo = Math.min(lo, a); hi = Math.max(hi, b); }
  const shared: [number, number] = lo < hi ? [lo, hi] : [0, 1];
  const panels: HistogramPanel[] = [];
  const layers: string[] = [];
  const label = labeller(runs);
  for (const r of runs) {
    for (const l of r.layers) {
      const name = label(l);
      if (!layers.includes(name)) layers.push(name);
      const sat = saturation(l.module);
      const panel: HistogramPanel = {
        layer: name, run: r.run, histogram: histogram(l.values, bins, shared), stats: jsonStats(computeStats(l.values)),
        zeroPercent: percent(l.values, (v) => v === 0), saturatedPercent: sat ? percent(l.values, sat.test) : 0,
      };
      if (sat) panel.saturation = sat.rule;
      panels.push(panel);
    }
  }
  const payload: HistogramsPayload = { version: 1, title: title ?? `${quantity} per layer`, quantity, runs: runs.map((r) => r.run), layers, sharedAxes: true, panels };
  return new HistogramsViz(payload, runs);
}

function layersOf(model: Module, input: Tensor, o: ActivationsOptions): Layer[] {
  if (!(model instanceof Module)) throw new ValueError(`viz.activations: expected a model (nn.Module), got ${model === null ? "null" : typeof model}`);
  const q = o.quantity ?? "activations";
  if (q === "activations") {
    if (!(input instanceof Tensor)) throw new ValueError("viz.activations: activations need an input tensor to run the model on");
    return collectActivations(model, input, o.layers);
  }
  if (q === "weights") {
    const ps = model.namedParameters().filter(([n, p]) => (o.layers ? o.layers.includes(n) : p.ndim >= 2));
    return ps.map(([n, p]) => ({ name: n, module: null, values: p.dataSync() as ArrayLike<number> }));
  }
  if (q === "gradients") return collectGradients(model, input, o).filter((l) => !o.layers || o.layers.includes(l.name));
  throw new ValueError(`viz.activations: quantity must be "activations", "weights" or "gradients", got ${JSON.stringify(q)}`);
}

/** Per-layer histograms of one model's activations (or weights, or gradients) on one input. */
export function activations(model: Module, input: Tensor, opts: ActivationsOptions = {}): HistogramsViz {
  const q = opts.quantity ?? "activations", op = "viz.activations";
  const bins = integer(opts.bins, op, "bins", 1, LIMITS.bins, 50);
  return buildHistograms([{ run: text(opts.run, op, "run") ?? "", layers: layersOf(model, input, opts) }], q, bins, text(opts.title, op, "title"));
}

/**
 * Several runs side by side, layer by layer, on shared axes: compare({ xavier: netA, he: netB }, x).
 * A run may be a model (run on input) or the result of an earlier viz.activations.
 */
export function compare(runs: Record<string, Module | HistogramsViz | HistogramsPayload>, input?: Tensor, opts: ActivationsOptions = {}): HistogramsViz {
  const names = Object.keys(runs);
  if (names.length === 0) throw new ValueError("viz.compare: give at least one run, e.g. { xavier: modelA, he: modelB }");
  const q = opts.quantity ?? "activations";
  const collected = names.map((run) => {
    const r = runs[run];
    if (isPayload(r)) {
      // A payload may come from a saved notebook: it is held to the schema like any other.
      try { return { run, payload: histogramsV1(r, "") as HistogramsPayload }; } catch (e) {
        if (e instanceof PayloadError) throw new ValueError(`viz.compare: run ${JSON.stringify(run)} is not a histograms payload: ${e.message}`);
        throw e;
      }
    }
    if (r instanceof HistogramsViz) {
      return { run, layers: r.sources.flatMap((d) => d.layers) };
    }
    return { run, layers: layersOf(r, input as Tensor, opts) };
  });
  const title = text(opts.title, "viz.compare", "title") ?? `${q}: ${names.join(" vs ")}`;
  const bins = integer(opts.bins, "viz.compare", "bins", 1, LIMITS.bins, 50);
  if (collected.every((c) => !("payload" in c))) return buildHistograms(collected as { run: string; layers: Layer[] }[], q, bins, title);
  // Saved payloads carry counts, not values: their bins stay as they were, so the axes are shared only if all edges agree.
  const parts = collected.map((c) => ("payload" in c ? c.payload : buildHistograms([c as { run: string; layers: Layer[] }], q, bins).payload()));
  const panels = collected.flatMap((c, i) => parts[i]!.panels.map((p) => ({ ...p, run: c.run })));
  const layers = [...new Set(panels.map((p) => p.layer))];
  const edges = JSON.stringify(panels[0]?.histogram.edges);
  return new HistogramsViz({ version: 1, title, quantity: q, runs: names, layers, sharedAxes: panels.every((p) => JSON.stringify(p.histogram.edges) === edges), panels });
}

function isPayload(r: unknown): r is HistogramsPayload {
  return !!r && typeof r === "object" && !(r instanceof Module) && !(r instanceof HistogramsViz) && Array.isArray((r as HistogramsPayload).panels);
}
