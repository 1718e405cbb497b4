// Histogram small multiples (layers × runs) for activations, weights and gradients,
// on shared axes; the SVG fallback puts runs in rows and layers in columns.
import { VizObject } from "./base";
import type { Module } from "../nn/module";
import { MIME, type HistogramPanel, type HistogramsPayload } from "./schema";
import { Svg, axes, bars, PALETTE } from "./svg";
import { maxOf } from "./args";

const PW = 150, PH = 110;

/** One layer's values; module (when there is one) decides the label and how it saturates. */
export interface LayerValues { name: string; module: Module | null; values: ArrayLike<number> }

export class HistogramsViz extends VizObject<HistogramsPayload> {
  readonly mime = MIME.histograms;
  /** @internal the values behind the panels, per run, so compare() can re-bin them on shared axes. */
  readonly sources: { run: string; layers: LayerValues[] }[];
  constructor(private readonly p: HistogramsPayload, sources: { run: string; layers: LayerValues[] }[] = []) { super(); this.sources = sources; }
  payload(): HistogramsPayload { return this.p; }

  fallback(): [string, string] {
    const p = this.p;
    const runs = p.runs.length ? p.runs : [""];
    // One run: wrap its layers over rows of at most 5; several: one row per run.
    const cols = runs.length === 1 ? Math.min(5, p.layers.length) : p.layers.length;
    const rowsPerRun = Math.ceil(p.layers.length / Math.max(1, cols));
    const left = runs.length > 1 ? 90 : 50;
    const cellW = PW + 50, cellH = PH + 75;
    const svg = new Svg(left + cols * cellW + 10, 34 + runs.length * rowsPerRun * cellH);
    svg.text(10, 18, p.title ?? `${p.quantity} per layer`, { "font-weight": "bold", "font-size": 13 });
    runs.forEach((run, ri) => {
      // Counts share one axis per run (row); the x axis is shared by all panels.
      const mine = p.panels.filter((q) => runs.length === 1 || q.run === run);
      const yMax = p.sharedAxes ? maxOf(mine.map(countTop), 1) : 0;
      if (runs.length > 1) svg.text(8, 34 + ri * rowsPerRun * cellH + cellH / 2, run, { "font-weight": "bold", fill: PALETTE[ri % 10] });
      p.layers.forEach((layer, li) => {
        const panel = p.panels.find((q) => q.layer === layer && (q.run ?? "") === (runs.length > 1 ? run : q.run ?? ""));
        if (!panel) return;
        const x = left + (li % cols) * cellW, y = 34 + (ri * rowsPerRun + Math.floor(li / cols)) * cellH + 22;
        drawPanel(svg, panel, { x, y, w: PW, h: PH }, yMax, PALETTE[ri % 10]);
      });
    });
    return ["image/svg+xml", svg.toString()];
  }

  text(): string {
    const p = this.p;
    const rows = p.panels.map((q) => `${q.run ? q.run + " " : ""}${q.layer}: mean ${q.stats.mean.toPrecision(3)}, std ${q.stats.std.toPrecision(3)}, ` +
      `zeros ${q.zeroPercent.toFixed(1)}%, saturated ${q.saturatedPercent.toFixed(1)}%`);
    return [`${p.title ?? p.quantity + " per layer"} (${p.layers.length} layers${p.runs.length > 1 ? ", runs " + p.runs.join(" vs ") : ""})`, ...rows].join("\n");
  }
}

/**
 * The tallest bar not counting exact zeros: half a ReLU layer is often exactly 0, and
 * that spike would flatten everything else (its share is printed under the panel).
 */
function countTop(q: HistogramPanel): number {
  const e = q.histogram.edges;
  return maxOf(q.histogram.counts.map((c, i) => (e[i] <= 0 && 0 <= e[i + 1] ? c - q.stats.zeros : c)), 1);
}

function drawPanel(svg: Svg, q: HistogramPanel, f: { x: number; y: number; w: number; h: number }, yMax: number, colour: string): void {
  const h = q.histogram;
  const top = yMax || countTop(q);
  const sc = axes(svg, f, [h.edges[0], h.edges[h.edges.length - 1]], [0, top], { title: q.layer, yTicks: 2, xTicks: 4 });
  // Bars taller than the axis (the zero spike) are cut at the frame and marked with an arrow.
  bars(svg, sc, h.edges, h.counts.map((c) => Math.min(c, top)), colour);
  h.counts.forEach((c, i) => { if (c > top) svg.text(sc.sx((h.edges[i] + h.edges[i + 1]) / 2), f.y - 1, "▲", { "text-anchor": "middle", "font-size": 8, fill: colour }); });
  svg.text(f.x, f.y + f.h + 30, `μ ${q.stats.mean.toPrecision(2)} σ ${q.stats.std.toPrecision(2)}`, { "font-size": 10 });
  svg.text(f.x, f.y + f.h + 43, `zeros ${q.zeroPercent.toFixed(1)}%  saturated ${q.saturatedPercent.toFixed(1)}%`, { "font-size": 10 });
}
