// application/vnd.gradlab.chart+json: line and scatter plots and histograms with
// plotly; heatmaps and confusion matrices on a canvas (plotly's basic bundle has no
// heatmap, and a canvas shows the value under the cursor just as well).
import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type ChartV1 } from "./mime";
import { readPayload } from "./payload";
import { el, errorBox, fmt, guarded } from "./dom";
import { onThemeChange } from "./theme";
import { extent } from "./extent";
import { Heatmap } from "./heatmap";
import { Plotly, CONFIG, COLOURS, fitWhenShown, gaps, plain, themed, type PlotElement, type Trace, type Layout } from "./plotly";

type Grid = Extract<ChartV1, { rows: number }>;
type XYChart = Exclude<ChartV1, Grid>;
const isGrid = (p: ChartV1): p is Grid => p.kind === "heatmap" || p.kind === "confusion";

/** Renders one chart payload; a re-render of the same kind updates the plot in place. */
export class ChartRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly heading = el("div", "jp-gradlab-title");
  private readonly body = el("div", "jp-gradlab-chart-body");
  private plot: PlotElement | null = null;
  private heatmap: Heatmap | null = null;
  private shown: XYChart | null = null;
  private readonly unwatch = onThemeChange(() => { if (this.shown) void this.drawPlot(this.shown); });

  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-chart");
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = readPayload(model, MIME.chart);
    if ("error" in r) {
      this.drop();
      this.node.replaceChildren(errorBox("chart", r.error));
      return;
    }
    const p = r.payload;
    this.node.replaceChildren(this.heading, this.body);
    this.heading.textContent = p.title ?? "";
    this.heading.hidden = !p.title;
    await guarded(this.node, "chart", () => (isGrid(p) ? this.drawGrid(p) : this.drawPlot(p)));
  }

  private drawGrid(p: Grid): void {
    this.drop();
    this.heatmap ??= new Heatmap();
    const [zlo, zhi] = extent(p.z);
    const lo = p.kind === "confusion" ? 0 : Math.min(0, zlo), hi = Math.max(zhi, lo + 1);
    const blues = (v: number): [number, number, number] => { const t = (v - lo) / (hi - lo || 1); return [247 - 200 * t, 251 - 140 * t, 255 - 80 * t]; };
    this.heatmap.draw(p.z, p.rows, p.cols, {
      lo: p.kind === "confusion" ? 0 : Number.isFinite(zlo) ? zlo : 0, hi, rowLabels: p.yTicks, colLabels: p.xTicks,
      annotate: p.kind === "confusion", color: p.kind === "confusion" ? blues : undefined,
    });
    const axes = [p.yLabel && `rows: ${p.yLabel}`, p.xLabel && `columns: ${p.xLabel}`].filter(Boolean).join(", ");
    this.body.replaceChildren(this.heatmap.node, el("div", "jp-gradlab-caption", axes));
  }

  private async drawPlot(p: XYChart): Promise<void> {
    const { traces, layout } = figure(p);
    this.shown = p;
    if (!this.plot) {
      this.plot = el("div", "jp-gradlab-plot");
      this.body.replaceChildren(this.plot);
      await Plotly.newPlot(this.plot, traces, themed(layout), CONFIG);
    } else {
      await Plotly.react(this.plot, traces, themed(layout), CONFIG);
    }
  }

  /** Forgets the plotly figure (the output became a heatmap or an error). */
  private drop(): void {
    if (this.plot) { Plotly.purge(this.plot); this.plot = null; }
    this.shown = null;
  }

  // Drawn before it was attached, plotly took its default width; fit the output's.
  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.plot) fitWhenShown(this.plot);
  }

  override dispose(): void {
    this.unwatch();
    this.drop();
    super.dispose();
  }
}

function figure(p: XYChart): { traces: Trace[]; layout: Layout } {
  const layout: Layout = { height: 300, autosize: true, margin: { l: 55, r: 20, t: 10, b: 45 }, legend: { orientation: "h", y: -0.25 } };
  if (p.kind === "histogram") {
    const e = p.histogram.edges;
    const x = p.histogram.counts.map((_, i) => (e[i] + e[i + 1]) / 2), width = p.histogram.counts.map((_, i) => e[i + 1] - e[i]);
    layout.xaxis = { type: "linear", title: { text: plain(p.xLabel ?? "") } };
    layout.yaxis = { type: "linear", title: { text: "count" } };
    layout.bargap = 0;
    const s = p.stats;
    layout.annotations = [{ xref: "paper", yref: "paper", x: 1, y: 1, xanchor: "right", showarrow: false,
      text: plain(`mean ${fmt(s.mean)}, std ${fmt(s.std)}, n ${s.count}`) }];
    return { traces: [{ type: "bar", x, y: p.histogram.counts, width, marker: { color: COLOURS[0] }, name: "count" }], layout };
  }
  layout.xaxis = { type: "linear", title: { text: plain(p.xLabel ?? "") } };
  layout.yaxis = { title: { text: plain(p.yLabel ?? "") }, type: p.logY ? "log" : "linear" };
  const traces = p.series.map((s, i) => ({
    type: "scatter", mode: p.kind === "scatter" ? "markers" : "lines", x: gaps(s.x), y: gaps(s.y), name: plain(s.name),
    line: { color: COLOURS[i % COLOURS.length] }, marker: { color: COLOURS[i % COLOURS.length], size: 5 },
  }));
  // plotly hides the legend of a single trace; a named series still says what it is.
  layout.showlegend = p.series.length > 1 || p.series.some((s) => !!s.name);
  return { traces, layout };
}
