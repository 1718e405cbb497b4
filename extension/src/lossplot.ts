// application/vnd.gradlab.lossplot+json: the live training plot. The kernel sends the
// full (downsampled) state on every update_display_data; JupyterLab calls renderModel
// again on this same renderer, and it hands the new data to Plotly.react on the same
// plot element: no new element, no clearing, so no flicker. An update that fails its
// schema is named in the error box above the last good state, which stays drawn.
import { Widget } from "@lumino/widgets";
import type { Message } from "@lumino/messaging";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type LossPlotV1 } from "./mime";
import { readPayload } from "./payload";
import { el, errorBox, fmt } from "./dom";
import { onThemeChange } from "./theme";
import { Plotly, CONFIG, COLOURS, fitWhenShown, gaps, plain, themed, type PlotElement, type Trace, type Layout } from "./plotly";

type Series = LossPlotV1["series"][number];

/** The metric a series plots: valLoss and loss share "loss" (and a colour). */
const metricOf = (s: Series) => s.group === "validation" ? (s.name.replace(/^val_?/, "").replace(/^./, (c) => c.toLowerCase()) || "val") : s.name;

/** The learning rate: usually flat, so shown on demand (click its legend entry), with its axis only then. */
const isLR = (m: string) => m === "lr";

/** Renders the live loss plot, updating in place. */
export class LossPlotRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly problem = el("div", "jp-gradlab-lossplot-problem");
  private readonly heading = el("div", "jp-gradlab-title");
  private readonly status = el("div", "jp-gradlab-caption jp-gradlab-lossplot-status");
  /** The one plot element, kept for the renderer's life. */
  readonly plot: PlotElement = el("div", "jp-gradlab-plot jp-gradlab-lossplot-plot");
  private drawn = false;
  private last: LossPlotV1 | null = null;
  /** Whether the user has turned the learning-rate curve on (its legend entry). */
  private lrShown = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unwatch = onThemeChange(() => { if (this.last) void this.enqueue(this.last); });

  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-lossplot");
    this.problem.hidden = true;
    this.node.append(this.problem, this.heading, this.plot, this.status);
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = readPayload(model, MIME.lossplot);
    if ("error" in r) {
      const why = this.last ? `an update could not be drawn, so the last good state is shown: ${r.error}` : r.error;
      this.problem.replaceChildren(errorBox("loss plot", why));
      this.problem.hidden = false;
      this.plot.hidden = this.heading.hidden = this.status.hidden = !this.last;
      return Promise.resolve();
    }
    return this.enqueue(r.payload);
  }

  /** Updates arrive faster than plotly may draw; apply them in order, each on the same element. */
  private enqueue(p: LossPlotV1): Promise<void> {
    const next = this.queue.then(() => this.apply(p)).catch((e: unknown) => {
      this.problem.replaceChildren(errorBox("loss plot", `drawing it failed (${e instanceof Error ? e.message : String(e)})`));
      this.problem.hidden = false;
    });
    this.queue = next;
    return next;
  }

  private async apply(p: LossPlotV1): Promise<void> {
    this.last = p;
    this.problem.hidden = true;
    this.plot.hidden = this.status.hidden = false;
    this.heading.textContent = p.title ?? "";
    this.heading.hidden = !p.title;
    this.status.textContent = statusLine(p);
    const { traces, layout } = figure(p, this.lrShown);
    if (!this.drawn) {
      this.drawn = true;
      await Plotly.newPlot(this.plot, traces, themed(layout), CONFIG);
      (this.plot as PlotElement & { on(event: string, f: () => void): void }).on("plotly_restyle", () => this.legendToggled());
    } else {
      await Plotly.react(this.plot, traces, themed(layout), CONFIG);
    }
    this.node.dataset.points = String(p.series.reduce((n, s) => n + s.steps.length, 0));
    this.node.dataset.done = String(p.done);
  }

  /** After a click on a legend entry: the learning-rate axis follows its curve. */
  private legendToggled(): void {
    const data = (this.plot as unknown as { data?: { name?: string; yaxis?: string; visible?: unknown; meta?: unknown }[] }).data ?? [];
    const shown = data.some((t) => t.meta === "lr" && t.visible === true);
    if (shown !== this.lrShown && this.last) {
      this.lrShown = shown;
      void this.enqueue(this.last);
    }
  }

  protected override onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.drawn) void this.queue.then(() => fitWhenShown(this.plot));
  }

  override dispose(): void {
    this.unwatch();
    if (this.drawn) Plotly.purge(this.plot);
    super.dispose();
  }
}

/** "step 1200 · 3 series · ETA 14 s" or "done at step 1200". */
function statusLine(p: LossPlotV1): string {
  let last = 0;
  for (const s of p.series) if (s.steps.length) last = Math.max(last, s.steps[s.steps.length - 1]);
  const parts = [p.done ? `done at ${p.xLabel} ${last}` : `${p.xLabel} ${last}`, `${p.totalPoints} points seen`];
  if (p.epochs.length) parts.push(`${p.epochs.length} epoch${p.epochs.length === 1 ? "" : "s"}`);
  if (!p.done && p.eta !== undefined) parts.push(`ETA ${fmt(Math.round(p.eta))} s`);
  return parts.join(" · ");
}

/** A series with nothing to draw (no finite value) gets no trace, and so no axis. */
const hasData = (s: Series) => s.values.some(Number.isFinite);

/**
 * Plotly traces and layout for a payload: loss-like metrics on the left axis, others on
 * the right. The right axis is drawn only while a curve on it is shown: the learning rate
 * is hidden until its legend entry is clicked, and its axis with it.
 */
function figure(p: LossPlotV1, lrShown: boolean): { traces: Trace[]; layout: Layout } {
  const drawn = p.series.filter(hasData);
  const metrics = [...new Set(drawn.map(metricOf))];
  const primary = metrics.find((m) => /loss/i.test(m)) ?? metrics.find((m) => !isLR(m)) ?? metrics[0];
  const traces: Trace[] = [];
  for (const s of drawn) {
    const m = metricOf(s), colour = COLOURS[metrics.indexOf(m) % COLOURS.length];
    const yaxis = m === primary ? "y" : "y2";
    const val = s.group === "validation";
    const visible = isLR(m) && m !== primary && !lrShown ? "legendonly" : true;
    // One legend group per series: its legend entry shows and hides the raw curve with the smoothed one.
    const common = { type: "scatter", x: gaps(s.steps), yaxis, visible, meta: isLR(m) ? "lr" : "metric", legendgroup: `${s.group}/${s.name}` };
    if (s.smoothed) {
      traces.push({ ...common, mode: "lines", y: gaps(s.values), name: plain(`${s.name} (raw)`),
        line: { color: colour, width: 1 }, opacity: 0.3, showlegend: false, hoverinfo: "skip" });
      traces.push({ ...common, mode: "lines", y: gaps(s.smoothed), name: plain(s.name), line: { color: colour, width: 2 } });
    } else {
      traces.push({ ...common, mode: val || s.steps.length < 30 ? "lines+markers" : "lines", y: gaps(s.values), name: plain(s.name),
        line: { color: colour, width: 2, dash: val ? "dot" : "solid" }, marker: { size: 5 } });
    }
  }
  const right = metrics.filter((m) => m !== primary && (!isLR(m) || lrShown));
  const epochLine = { color: "rgba(128,128,128,0.6)", width: 1, dash: "dot" };
  const shapes = p.epochs.length <= 100 ? p.epochs.map((x) => ({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: epochLine })) : [];
  const layout: Layout = {
    height: 320, autosize: true, margin: { l: 55, r: right.length ? 55 : 20, t: 10, b: 40 },
    xaxis: { type: "linear", title: { text: plain(p.xLabel) } },
    yaxis: { title: { text: plain(primary ?? "") }, type: p.logScale ? "log" : "linear" },
    legend: { orientation: "h", y: -0.2 },
    shapes,
    // The same uirevision keeps the user's zoom and legend toggles across updates.
    uirevision: "gradlab-lossplot",
  };
  if (metrics.length > 1) {
    layout.yaxis2 = { visible: right.length > 0, title: { text: plain(right.join(", ")) }, overlaying: "y", side: "right", showgrid: false, zeroline: false };
  }
  return { traces, layout };
}
