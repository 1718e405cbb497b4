// viz.lossPlot: a live training plot. update() only records (O(1), in the training
// step's path); the bundle is built and sent at most every throttleMs through the
// display transport, and done() always sends the final state, so the saved notebook
// holds one final curve. It is also a fit() callback.
import { ValueError, describeValue } from "../errors";
import type { Callback, TrainContext } from "../train/callbacks";
import type { Logs } from "../train/history";
import { VizObject, r4, withSvgImage } from "./base";
import { MIME, type LossPlotPayload, type MimeBundle, type Series } from "./schema";
import { Downsampler } from "./downsample";
import { getDisplayTransport, newDisplayId } from "./display";
import { Svg, axes, legend, PALETTE, fmt } from "./svg";
import { integer, maxOf, text } from "./args";
import { LIMITS } from "./payloads";

export interface LossPlotOptions {
  title?: string;
  /** EMA factor in [0, 1) for the smoothed curve (TensorBoard's, debiased); 0 = none. Default 0.6. */
  smoothing?: number;
  logScale?: boolean;
  /** At most this many points per series in a bundle (default 1000). */
  maxPoints?: number;
  /** Total steps, for the ETA (fit sets it). */
  totalSteps?: number;
  xLabel?: string;
  /** Least time between two updates sent (default 250 ms: 4 per second). */
  throttleMs?: number;
}

interface Track { name: string; group: string; ds: Downsampler; ema: number; n: number }

/** valLoss, val_acc, val → validation; everything else → train. */
const isValidation = (k: string) => /^val([A-Z_]|$)/.test(k);
/** The metric a series belongs to: valLoss and loss → "loss". */
const metricOf = (k: string) => { const m = k.replace(/^val_?/, ""); return isValidation(k) ? m.charAt(0).toLowerCase() + m.slice(1) || "val" : k; };

export class LossPlot extends VizObject<LossPlotPayload> implements Callback {
  readonly mime = MIME.lossplot;
  readonly displayId = newDisplayId("lossplot");
  /** fit() leaves out its progress line: the plot shows progress (with its ETA). */
  readonly showsProgress = true;
  private readonly o: Required<Omit<LossPlotOptions, "totalSteps" | "title">> & { totalSteps?: number; title?: string };
  private readonly tracks = new Map<string, Track>();
  private readonly epochs: number[] = [];
  private lastStep = 0;
  private firstStep = NaN;
  private t0 = 0;
  private finished = false;
  private shown = false;
  private lastSent = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private gap = 0;
  /** How many bundles went to the transport (display + updates). */
  sent = 0;

  constructor(opts: LossPlotOptions = {}) {
    super();
    const smoothing = opts.smoothing ?? 0.6;
    if (!(smoothing >= 0 && smoothing < 1)) throw new ValueError(`viz.lossPlot: smoothing must be in [0, 1), got ${describeValue(opts.smoothing)}`);
    const maxPoints = integer(opts.maxPoints, "viz.lossPlot", "maxPoints", 2, LIMITS.points, 1000);
    if (opts.logScale !== undefined && typeof opts.logScale !== "boolean") throw new ValueError(`viz.lossPlot: logScale must be true or false; got ${describeValue(opts.logScale)}`);
    this.o = { logScale: false, throttleMs: 250, ...opts, smoothing, maxPoints,
      title: text(opts.title, "viz.lossPlot", "title"), xLabel: text(opts.xLabel, "viz.lossPlot", "xLabel") ?? "step" };
    this.gap = this.o.throttleMs;
  }

  /** Records values at a step (keys starting with "val" are validation); sends an update when one is due. */
  update(step: number, values: Record<string, number | undefined>): this {
    if (!Number.isFinite(step)) throw new ValueError(`lossPlot.update: step must be a finite number, got ${describeValue(step)}`);
    if (Number.isNaN(this.firstStep)) { this.firstStep = step; this.t0 = Date.now(); }
    this.lastStep = step;
    this.finished = false;
    for (const key in values) {
      const v = values[key];
      if (v === undefined) continue;
      if (typeof v !== "number") throw new ValueError(`lossPlot.update: ${JSON.stringify(key)} must be a number; got ${describeValue(v)}`);
      let t = this.tracks.get(key);
      if (!t) {
        if (this.tracks.size >= LIMITS.series) throw new ValueError(`lossPlot.update: at most ${LIMITS.series} series in one plot; ${JSON.stringify(key)} would be one more`);
        t = { name: key, group: isValidation(key) ? "validation" : "train", ds: new Downsampler(this.o.maxPoints), ema: 0, n: 0 };
        this.tracks.set(key, t);
      }
      let s = v;
      if (Number.isFinite(v)) {
        t.n++;
        t.ema = this.o.smoothing * t.ema + (1 - this.o.smoothing) * v;
        s = t.ema / (1 - Math.pow(this.o.smoothing, t.n));
      }
      t.ds.push(step, v, s);
    }
    this.schedule();
    return this;
  }

  /** Marks the end of an epoch at this step (default: the last step seen). */
  epochEnd(step = this.lastStep): this {
    this.epochs.push(step);
    this.schedule();
    return this;
  }

  /** Ends the plot: the final state is sent now, whatever the throttle. */
  done(): this {
    this.finished = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.send();
    return this;
  }

  /** This plot, as a fit() callback (it is one already). */
  callback(): Callback {
    return this;
  }

  /** Shows the plot now (otherwise the first update shows it). */
  show(): this {
    if (!this.shown) this.send();
    return this;
  }

  private schedule(): void {
    if (!getDisplayTransport() || this.timer) return;
    const wait = this.lastSent + this.gap - Date.now();
    if (!this.shown || wait <= 0) { this.send(); return; }
    // A trailing update, so the last values show even if no update follows.
    this.timer = setTimeout(() => { this.timer = null; this.send(); }, wait);
    (this.timer as any).unref?.();
  }

  private send(): void {
    const t = getDisplayTransport();
    if (!t) return;
    const start = performance.now();
    this.sent++;
    if (this.shown) t.update(this.bundle(), this.displayId);
    else { this.shown = true; t.display(this.bundle(), this.displayId); }
    this.lastSent = Date.now();
    // Sending stays near 0.5 % of the time: a send that took d ms waits at least 200·d
    // before the next (a send of a 1,000-point plot takes 2–3 ms, so about two a second).
    this.gap = Math.max(this.o.throttleMs, 200 * (performance.now() - start));
  }

  payload(): LossPlotPayload {
    const series: Series[] = [...this.tracks.values()].map((t) => {
      const p = t.ds.points();
      const s: Series = { name: t.name, group: t.group, steps: p.steps, values: p.values.map(r4) };
      // A sparse series (one value per epoch) is shown as it is: an EMA over few points only lags.
      if (this.o.smoothing > 0 && t.group === "train" && t.n >= 30) s.smoothed = p.smoothed.map(r4);
      return s;
    });
    const out: LossPlotPayload = {
      // Epoch marks beyond the schema's cap: the latest are kept.
      version: 1, title: this.o.title, series, epochs: this.epochs.slice(-LIMITS.epochs), smoothing: this.o.smoothing, logScale: this.o.logScale,
      xLabel: this.o.xLabel, done: this.finished, totalPoints: maxOf([...this.tracks.values()].map((t) => t.ds.count), 0),
    };
    const eta = this.eta();
    if (eta !== undefined) out.eta = eta;
    return out;
  }

  private eta(): number | undefined {
    const total = this.o.totalSteps;
    const done = this.lastStep - this.firstStep;
    if (this.finished || !total || !(done > 0)) return undefined;
    return Math.max(0, ((Date.now() - this.t0) / 1000 / done) * (total - this.lastStep));
  }

  fallback(): [string, string] {
    return ["image/svg+xml", drawLossPlot(this.payload())];
  }

  /**
   * One payload for all the parts: building it is most of a send's cost. The SVG as an
   * <img> (for nbconvert 6's HTML export of the saved notebook) comes with the final
   * state only; live updates carry the SVG itself, which is what a front end without the
   * extension shows meanwhile, at half the bytes.
   */
  override bundle(): MimeBundle {
    const p = this.payload();
    const b = { [this.mime]: p, "image/svg+xml": drawLossPlot(p), "text/plain": this.textOf(p) };
    return p.done ? withSvgImage(b) : b;
  }

  text(): string {
    return this.textOf(this.payload());
  }

  private textOf(p: LossPlotPayload): string {
    const last = p.series.map((s) => `${s.name} ${s.values.length ? fmt(s.values[s.values.length - 1]) : "–"}`).join(", ");
    return `${p.title ?? "training"}: step ${this.lastStep}${this.o.totalSteps ? "/" + this.o.totalSteps : ""}, ${p.epochs.length} epochs${last ? ", " + last : ""}` +
      (p.done ? " (done)" : p.eta !== undefined ? `, ETA ${fmtDuration(p.eta)}` : "");
  }

  // ---- fit() callback -----------------------------------------------------------
  private base = 0;
  private sawBatchLoss = false;
  onTrainBegin(ctx: TrainContext): void {
    this.base = this.lastStep;
    this.o.totalSteps ??= this.base + ctx.epochs * ctx.batchesPerEpoch;
    this.show();
  }
  onBatchEnd(epoch: number, batch: number, logs: Logs, ctx: TrainContext): void {
    this.sawBatchLoss = true;
    this.update(this.base + (epoch - 1) * ctx.batchesPerEpoch + batch + 1, { loss: logs.loss });
  }
  onEpochEnd(_epoch: number, logs: Logs): void {
    // The batch losses are already drawn; the epoch's mean loss would be a second "loss" curve.
    const rest: Record<string, number> = {};
    for (const k in logs) if (!(k === "loss" && this.sawBatchLoss)) rest[k] = logs[k];
    this.update(this.lastStep, rest);
    this.epochEnd();
  }
  onTrainEnd(): void {
    this.done();
  }
}

export function fmtDuration(s: number): string {
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** One panel per metric (loss, acc, ...), train and validation together, epochs as dashed lines. */
export function drawLossPlot(p: LossPlotPayload): string {
  const metrics: string[] = [];
  for (const s of p.series) { const m = metricOf(s.name); if (!metrics.includes(m)) metrics.push(m); }
  if (metrics.length === 0) metrics.push("loss");
  const PW = 330, PH = 200, cols = Math.min(3, metrics.length);
  const svg = new Svg(30 + cols * (PW + 80), 40 + Math.ceil(metrics.length / cols) * (PH + 90));
  const status = p.done ? "done" : p.eta !== undefined ? `ETA ${fmtDuration(p.eta)}` : "running";
  svg.text(10, 18, `${p.title ?? "training"} — ${status}`, { "font-weight": "bold", "font-size": 13 });
  const allSteps = p.series.flatMap((s) => s.steps).concat(p.epochs);
  const xDom: [number, number] = allSteps.length ? [-maxOf(allSteps.map((s) => -s)), maxOf(allSteps)] : [0, 1];
  metrics.forEach((m, i) => {
    const f = { x: 70 + (i % cols) * (PW + 80), y: 50 + Math.floor(i / cols) * (PH + 90), w: PW, h: PH };
    const mine = p.series.filter((s) => metricOf(s.name) === m);
    const ok = (v: number) => Number.isFinite(v) && (!p.logScale || v > 0);
    const vals = mine.flatMap((s) => s.values.filter(ok));
    const yDom: [number, number] = vals.length ? [-maxOf(vals.map((v) => -v)), maxOf(vals)] : [p.logScale ? 0.1 : 0, 1];
    const sc = axes(svg, f, xDom, yDom, { title: m, xLabel: p.xLabel, logY: p.logScale });
    for (const e of p.epochs) svg.line(sc.sx(e), f.y, sc.sx(e), f.y + f.h, { stroke: "#999", "stroke-dasharray": "3 3" });
    const items: { name: string; color: string; dash?: string }[] = [];
    mine.forEach((s, k) => {
      const colour = s.group === "validation" ? PALETTE[1] : PALETTE[k === 0 ? 0 : (k + 1) % 10];
      const xs = s.steps.map(sc.sx);
      const ys = (vs: number[]) => vs.map((v) => (ok(v) ? sc.sy(v) : NaN));
      const smoothed = s.smoothed;
      if (smoothed) {
        svg.polyline(xs, ys(s.values), { stroke: colour, "stroke-opacity": 0.3, "stroke-width": 1 });
        svg.polyline(xs, ys(smoothed), { stroke: colour, "stroke-width": 2 });
      } else {
        svg.polyline(xs, ys(s.values), { stroke: colour, "stroke-width": 2 });
      }
      if (s.group === "validation" || s.steps.length < 30) xs.forEach((x, j) => { if (ok(s.values[j])) svg.circle(x, sc.sy(s.values[j]), 3, { fill: colour }); });
      items.push({ name: s.name, color: colour });
    });
    legend(svg, f.x, f.y + f.h + 50, items, Infinity);
  });
  return svg.toString();
}

/** A live loss plot: lossPlot().update(step, { loss, valLoss }), or fit(..., { callbacks: [lossPlot()] }). */
export function lossPlot(opts: LossPlotOptions = {}): LossPlot {
  return new LossPlot(opts);
}
