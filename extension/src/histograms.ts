// application/vnd.gradlab.histograms+json: small multiples, one row per layer and one
// column per run (Xavier vs He side by side), on shared axes when the payload says so,
// each with its mean, std, % zeros and % saturated. Only x is shared: counts are scaled
// per panel, or a ReLU layer's spike of exact zeros would flatten every other panel.
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type HistogramsV1 } from "./mime";
import { readPayload } from "./payload";
import { el, errorBox, fmt, guarded } from "./dom";
import { onThemeChange } from "./theme";
import { maxOf } from "./extent";
import { drawHistogram } from "./barplot";

type HistogramPanel = HistogramsV1["panels"][number];

const RUN_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/** Renders one histogram small-multiples payload. */
export class HistogramsRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-histograms");
  }

  private shown: HistogramsV1 | null = null;
  private readonly unwatch = onThemeChange(() => { if (this.shown) void this.draw(this.shown); });

  override dispose(): void {
    this.unwatch();
    super.dispose();
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = readPayload(model, MIME.histograms);
    if ("error" in r) {
      this.shown = null;
      this.node.replaceChildren(errorBox("histogram set", r.error));
      return;
    }
    await this.draw(r.payload);
  }

  private draw(p: HistogramsV1): Promise<void> {
    this.shown = p;
    return guarded(this.node, "histogram set", () => this.build(p));
  }

  private build(p: HistogramsV1): void {
    const runs = p.runs.length ? p.runs : [""];
    let lo = Infinity, hi = -Infinity;
    for (const q of p.panels) {
      const e = q.histogram.edges;
      if (e.length > 1) { lo = Math.min(lo, e[0]); hi = Math.max(hi, e[e.length - 1]); }
    }
    const xRange: [number, number] | undefined = p.sharedAxes && lo < Infinity ? [lo, hi] : undefined;
    // The first panel of each (layer, run), looked up once: layers × runs × panels would be millions of comparisons.
    const byKey = new Map<string, HistogramPanel>();
    for (const q of p.panels) { const k = JSON.stringify([q.layer, q.run ?? ""]); if (!byKey.has(k)) byKey.set(k, q); }
    const grid = el("div", "jp-gradlab-hist-grid");
    grid.style.gridTemplateColumns = `max-content repeat(${runs.length}, max-content)`;
    grid.append(el("div"));
    runs.forEach((r) => grid.append(el("div", "jp-gradlab-hist-run", r)));
    for (const layer of p.layers) {
      grid.append(el("div", "jp-gradlab-hist-layer", layer));
      runs.forEach((run, ri) => {
        const panel = byKey.get(JSON.stringify([layer, run]));
        grid.append(panel ? this.panel(panel, RUN_COLOURS[ri % RUN_COLOURS.length], xRange) : el("div"));
      });
    }
    const parts: HTMLElement[] = [];
    if (p.title) parts.push(el("div", "jp-gradlab-title", p.title));
    parts.push(grid);
    const axes = xRange ? `shared x axis ${fmt(xRange[0])} … ${fmt(xRange[1])}, counts scaled per panel` : "each panel on its own axes";
    parts.push(el("div", "jp-gradlab-caption", `${p.quantity} per layer; ${axes}`));
    this.node.replaceChildren(...parts);
  }

  private panel(q: HistogramPanel, colour: string, xRange?: [number, number]): HTMLElement {
    const box = el("div", "jp-gradlab-hist-panel");
    const canvas = el("canvas", "jp-gradlab-hist-canvas");
    drawHistogram(canvas, q.histogram, { width: 220, height: 80, xRange, color: colour });
    const s = q.stats;
    let line = `mean ${fmt(s.mean)}  std ${fmt(s.std)}  zeros ${fmt(q.zeroPercent)}%`;
    const most = maxOf(q.histogram.counts, 0);
    if (q.histogram.counts.filter((c) => c * 3 > most).length === 1 && q.histogram.counts.length > 1) canvas.title = `the tallest bar (${most}) is clipped`;
    if (q.saturation) line += `  saturated ${fmt(q.saturatedPercent)}%`;
    box.title = `${q.layer}${q.run ? ` (${q.run})` : ""}: min ${fmt(s.min)}, max ${fmt(s.max)}, ${s.count} values${q.saturation ? `; saturated means ${q.saturation}` : ""}`;
    box.append(canvas, el("div", "jp-gradlab-hist-stats", line));
    return box;
  }
}
