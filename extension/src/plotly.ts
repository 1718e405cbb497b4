// plotly.js (the basic bundle: scatter, bar, pie), typed just as far as the renderers
// use it.
// @ts-expect-error: plotly.js-basic-dist-min ships no type declarations.
import PlotlyModule from "plotly.js-basic-dist-min";
import { themeColour } from "./theme";

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

/**
 * Config shared by every gradlab plot: no plotly logo, no editing, resize with the page,
 * and no LaTeX: plotly hands `$…$` text to MathJax when the page has it (JupyterLab does),
 * and text from a payload is not for typesetting.
 */
export const CONFIG = { displaylogo: false, responsive: true, typesetMath: false, modeBarButtonsToRemove: ["sendDataToCloud", "lasso2d", "select2d"] };

/**
 * Text from a payload, for plotly: plotly reads an HTML subset in every label (<a href>,
 * <b>, <span style>, <br>) and builds SVG from it; escaped, the text stays plain text.
 */
export function plain(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Numbers for plotly: finite values as they are, anything else as null (a gap). */
export function gaps(values: readonly number[]): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isFinite(values[i]) ? values[i] : null;
  return out;
}

/**
 * The layout in the page's JupyterLab theme: text, axes and grid in its colours on a
 * transparent background, so a plot reads in the dark theme as in the light one.
 */
export function themed(layout: Layout): Layout {
  const font = themeColour("--jp-ui-font-color1", "#222"), muted = themeColour("--jp-ui-font-color2", "#666");
  const grid = themeColour("--jp-border-color2", "#e0e0e0"), line = themeColour("--jp-border-color1", "#bdbdbd");
  const out: Layout = {
    ...layout, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)",
    font: { ...(layout.font as object), color: font },
    modebar: { bgcolor: "rgba(0,0,0,0)", color: muted, activecolor: font },
  };
  for (const key of Object.keys(layout)) {
    if (/^[xy]axis\d*$/.test(key)) out[key] = { gridcolor: grid, linecolor: line, zerolinecolor: line, tickcolor: line, ...(layout[key] as object) };
  }
  return out;
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
