// application/vnd.gradlab.chart+json: line and scatter plots and histograms with
// plotly; heatmaps and confusion matrices on a canvas (plotly's basic bundle has no
// heatmap, and a canvas shows the value under the cursor just as well).
import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type ChartPayload } from "./mime";
import { el, fmt, refusal } from "./dom";
import { Heatmap } from "./heatmap";
import { Plotly, CONFIG, COLOURS, fitWhenShown, plain, type PlotElement, type Trace, type Layout } from "./plotly";

/** Renders one chart payload; a re-render of the same kind updates the plot in place. */
export class ChartRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly heading = el("div", "jp-gradlab-title");
  private readonly body = el("div", "jp-gradlab-chart-body");
  private plot: PlotElement | null = null;
  private heatmap: Heatmap | null = null;

  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-chart");
    this.node.append(this.heading, this.body);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const p = model.data[MIME.chart] as unknown as ChartPayload;
    if (p?.version !== 1) return refusal(this.node, "chart", (p as { version?: unknown })?.version);
    this.heading.textContent = p.title ?? "";
    this.heading.hidden = !p.title;
    if (p.kind === "heatmap" || p.kind === "confusion") {
      this.heatmap ??= new Heatmap();
      const finite = p.z.filter(Number.isFinite);
      const lo = p.kind === "confusion" ? 0 : Math.min(0, ...finite), hi = Math.max(...finite, lo + 1);
      const blues = (v: number): [number, number, number] => { const t = (v - lo) / (hi - lo || 1); return [247 - 200 * t, 251 - 140 * t, 255 - 80 * t]; };
      this.heatmap.draw(p.z, p.rows, p.cols, {
        lo: p.kind === "confusion" ? 0 : Math.min(...finite), hi, rowLabels: p.yTicks, colLabels: p.xTicks,
        annotate: p.kind === "confusion", color: p.kind === "confusion" ? blues : undefined,
      });
      const axes = [p.yLabel && `rows: ${p.yLabel}`, p.xLabel && `columns: ${p.xLabel}`].filter(Boolean).join(", ");
      this.body.replaceChildren(this.heatmap.node, el("div", "jp-gradlab-caption", axes));
      if (this.plot) { Plotly.purge(this.plot); this.plot = null; }
      return;
    }
    const { traces, layout } = figure(p as Extract<ChartPayload, { kind: "line" | "scatter" | "histogram" }>);
    if (!this.plot) {
      this.plot = el("div", "jp-gradlab-plot");
      this.body.replaceChildren(this.plot);
      await Plotly.newPlot(this.plot, traces, layout, CONFIG);
    } else {
      await Plotly.react(this.plot, traces, layout, CONFIG);
    }
  }

  // Drawn before it was attached, plotly took its default width; fit the output's.
  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.plot) fitWhenShown(this.plot);
  }

  override dispose(): void {
    if (this.plot) Plotly.purge(this.plot);
    super.dispose();
  }
}

function figure(p: Extract<ChartPayload, { kind: "line" | "scatter" | "histogram" }>): { traces: Trace[]; layout: Layout } {
  const layout: Layout = { height: 300, autosize: true, margin: { l: 55, r: 20, t: 10, b: 45 }, legend: { orientation: "h", y: -0.25 } };
  if (p.kind === "histogram") {
    const e = p.histogram.edges;
    const x = p.histogram.counts.map((_, i) => (e[i] + e[i + 1]) / 2), width = p.histogram.counts.map((_, i) => e[i + 1] - e[i]);
    layout.xaxis = { title: { text: plain(p.xLabel ?? "") } };
    layout.yaxis = { title: { text: "count" } };
    layout.bargap = 0;
    const s = p.stats;
    layout.annotations = [{ xref: "paper", yref: "paper", x: 1, y: 1, xanchor: "right", showarrow: false,
      text: `mean ${fmt(s.mean)}, std ${fmt(s.std)}, n ${s.count}` }];
    return { traces: [{ type: "bar", x, y: p.histogram.counts, width, marker: { color: COLOURS[0] }, name: "count" }], layout };
  }
  layout.xaxis = { title: { text: plain(p.xLabel ?? "") } };
  layout.yaxis = { title: { text: plain(p.yLabel ?? "") }, type: p.logY ? "log" : "linear" };
  const traces = p.series.map((s, i) => ({
    type: "scatter", mode: p.kind === "scatter" ? "markers" : "lines", x: s.x, y: s.y, name: plain(s.name),
    line: { color: COLOURS[i % COLOURS.length] }, marker: { color: COLOURS[i % COLOURS.length], size: 5 },
  }));
  // plotly hides the legend of a single trace; a named series still says what it is.
  layout.showlegend = p.series.length > 1 || p.series.some((s) => !!s.name);
  return { traces, layout };
}
