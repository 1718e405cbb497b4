// application/vnd.gradlab.lossplot+json: the live training plot. The kernel sends the
// full (downsampled) state on every update_display_data; JupyterLab calls renderModel
// again on this same renderer, and it hands the new data to Plotly.react on the same
// plot element: no new element, no clearing, so no flicker.
import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type LossPlotPayload, type Series } from "./mime";
import { el, fmt, refusal } from "./dom";
import { Plotly, CONFIG, COLOURS, fitWhenShown, plain, type PlotElement, type Trace, type Layout } from "./plotly";

/** The metric a series plots: valLoss and loss share "loss" (and a colour). */
const metricOf = (s: Series) => s.group === "validation" ? (s.name.replace(/^val_?/, "").replace(/^./, (c) => c.toLowerCase()) || "val") : s.name;

/** Renders the live loss plot, updating in place. */
export class LossPlotRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly heading = el("div", "jp-gradlab-title");
  private readonly status = el("div", "jp-gradlab-caption jp-gradlab-lossplot-status");
  /** The one plot element, kept for the renderer's life. */
  readonly plot: PlotElement = el("div", "jp-gradlab-plot jp-gradlab-lossplot-plot");
  private drawn = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-lossplot");
    this.node.append(this.heading, this.plot, this.status);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const p = model.data[MIME.lossplot] as unknown as LossPlotPayload;
    if (p?.version !== 1) {
      refusal(this.node, "loss plot", p?.version);
      return Promise.resolve();
    }
    // Updates arrive faster than plotly may draw; apply them in order, each on the same element.
    const next = this.queue.then(() => this.apply(p));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(p: LossPlotPayload): Promise<void> {
    this.heading.textContent = p.title ?? "";
    this.heading.hidden = !p.title;
    this.status.textContent = statusLine(p);
    const { traces, layout } = figure(p);
    if (!this.drawn) {
      this.drawn = true;
      await Plotly.newPlot(this.plot, traces, layout, CONFIG);
    } else {
      await Plotly.react(this.plot, traces, layout, CONFIG);
    }
    this.node.dataset.points = String(p.series.reduce((n, s) => n + s.steps.length, 0));
    this.node.dataset.done = String(p.done);
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.drawn) void this.queue.then(() => fitWhenShown(this.plot));
  }

  override dispose(): void {
    if (this.drawn) Plotly.purge(this.plot);
    super.dispose();
  }
}

/** "step 1200 · 3 series · ETA 14 s" or "done at step 1200". */
function statusLine(p: LossPlotPayload): string {
  const last = Math.max(0, ...p.series.map((s) => s.steps[s.steps.length - 1] ?? 0));
  const parts = [p.done ? `done at ${p.xLabel} ${last}` : `${p.xLabel} ${last}`, `${p.totalPoints} points seen`];
  if (p.epochs.length) parts.push(`${p.epochs.length} epoch${p.epochs.length === 1 ? "" : "s"}`);
  if (!p.done && p.eta !== undefined && Number.isFinite(p.eta)) parts.push(`ETA ${fmt(Math.round(p.eta))} s`);
  return parts.join(" · ");
}

/** Plotly traces and layout for a payload: loss-like metrics on the left axis, others on the right. */
function figure(p: LossPlotPayload): { traces: Trace[]; layout: Layout } {
  const metrics = [...new Set(p.series.map(metricOf))];
  const primary = metrics.find((m) => /loss/i.test(m)) ?? metrics[0];
  const traces: Trace[] = [];
  for (const s of p.series) {
    const m = metricOf(s), colour = COLOURS[metrics.indexOf(m) % COLOURS.length];
    const yaxis = m === primary ? "y" : "y2";
    const val = s.group === "validation";
    // The learning rate is shown on demand (click its legend entry): it is usually flat.
    const visible = m === "lr" ? "legendonly" : true;
    if (s.smoothed) {
      traces.push({ type: "scatter", mode: "lines", x: s.steps, y: s.values, name: plain(`${s.name} (raw)`), yaxis, visible,
        line: { color: colour, width: 1 }, opacity: 0.3, showlegend: false, hoverinfo: "skip" });
      traces.push({ type: "scatter", mode: "lines", x: s.steps, y: s.smoothed, name: plain(s.name), yaxis, visible, line: { color: colour, width: 2 } });
    } else {
      traces.push({ type: "scatter", mode: val || s.steps.length < 30 ? "lines+markers" : "lines", x: s.steps, y: s.values, name: plain(s.name), yaxis, visible,
        line: { color: colour, width: 2, dash: val ? "dot" : "solid" }, marker: { size: 5 } });
    }
  }
  const shapes = p.epochs.length <= 100 ? p.epochs.map((x) => ({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color: "#bbb", width: 1, dash: "dot" } })) : [];
  const layout: Layout = {
    height: 320, autosize: true, margin: { l: 55, r: metrics.length > 1 ? 55 : 20, t: 10, b: 40 },
    xaxis: { title: { text: plain(p.xLabel) } },
    yaxis: { title: { text: plain(primary ?? "") }, type: p.logScale ? "log" : "linear" },
    legend: { orientation: "h", y: -0.2 },
    shapes,
    // The same uirevision keeps the user's zoom and legend toggles across updates.
    uirevision: "gradlab-lossplot",
  };
  if (metrics.length > 1) layout.yaxis2 = { title: { text: plain(metrics.filter((m) => m !== primary).join(", ")) }, overlaying: "y", side: "right", showgrid: false, zeroline: false };
  return { traces, layout };
}
