// plotly.js (the basic bundle: scatter, bar, pie), typed just as far as the renderers
// use it.
// @ts-expect-error: plotly.js-basic-dist-min ships no type declarations.
import PlotlyModule from "plotly.js-basic-dist-min";

export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;
export interface PlotlyAPI {
  newPlot(el: HTMLElement, data: Trace[], layout?: Layout, config?: Record<string, unknown>): Promise<HTMLElement>;
  react(el: HTMLElement, data: Trace[], layout?: Layout, config?: Record<string, unknown>): Promise<HTMLElement>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): Promise<void> | void };
}
/** The plotly.js API. */
export const Plotly = PlotlyModule as PlotlyAPI;

/** The plot element plotly draws into, with the data it holds (plotly sets `data`). */
export type PlotElement = HTMLDivElement & { data?: { x?: ArrayLike<number> }[] };

/** Config shared by every gradlab plot: no plotly logo, no editing, resize with the page. */
export const CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };

/**
 * Text from a payload, for plotly: plotly reads a few HTML-like tags (<b>, <a href>)
 * in labels and builds SVG from them; escaping keeps names plain text.
 */
export function plain(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The colour of the i-th metric (plotly's default cycle). */
export const COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/**
 * Fits a plot to its element once the element is on screen. A notebook opened with its
 * outputs attaches them before it shows them, and plotly refuses to resize a hidden
 * element (with a rejected promise, which would surface as a page error).
 */
export function fitWhenShown(el: HTMLElement): void {
  const fit = (): boolean => {
    if (!el.isConnected || el.offsetParent === null) return false;
    void Promise.resolve(Plotly.Plots.resize(el)).catch(() => undefined);
    return true;
  };
  if (fit()) return;
  const watch = new ResizeObserver(() => { if (fit()) watch.disconnect(); });
  watch.observe(el);
}
