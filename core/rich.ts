// What a tensor, a module and a training history show as a cell's value (or through
// display()): the text a console prints, plus gradlab's rich form for front ends with the
// extension — a tensor's statistics, histogram and values; a model's summary table; a
// history's curves. Front ends without the extension show the text (or the SVG). Each
// rich part stays within OUTPUT_BYTE_BUDGET, so a saved notebook stays small whatever
// the size of the tensor: large tensors carry a strided sample of their values, labelled
// as such (`sampled`).
import type { Tensor } from "./tensor";
import type { Module } from "./nn/module";
import type { History } from "./train/history";
import { formatTensor } from "./format";
import { TensorViz } from "./viz/tensor_viz";
import { drawLossPlot } from "./viz/lossplot";
import { MIME, type LossPlotPayload, type MimeBundle, type Series } from "./viz/schema";
import { summary } from "./nn/summary";
import { checkPayload } from "./viz/payloads";

/** The most bytes of JSON a tensor's or history's rich part may take in a saved notebook. */
export const OUTPUT_BYTE_BUDGET = 64 * 1024;

/** Whether a rich part may go out: within the budget, and one the extension will draw (else the text alone). */
function sendable(mime: typeof MIME.tensor | typeof MIME.lossplot, payload: unknown): boolean {
  if (JSON.stringify(payload).length > OUTPUT_BYTE_BUDGET) return false;
  try {
    checkPayload(mime, JSON.parse(JSON.stringify(payload)));
    return true;
  } catch {
    return false; // past a renderer's cap (a tensor of more than 32 dimensions, say)
  }
}

export function tensorBundle(t: Tensor): MimeBundle {
  const text = formatTensor(t);
  if (t.numel === 0) return { "text/plain": text };
  const payload = new TensorViz(t).payload(); // at most 4,096 values: about 45 KB of JSON
  return sendable(MIME.tensor, payload) ? { [MIME.tensor]: payload, "text/plain": text } : { "text/plain": text };
}

export function moduleBundle(m: Module): MimeBundle {
  const text = m.toString();
  let html: unknown;
  try {
    html = (summary(m) as unknown as { [k: symbol]: () => MimeBundle })[Symbol.for("Jupyter.display")]()["text/html"];
  } catch {
    // A model whose summary cannot run (an input shape it cannot infer, a layer that
    // fails on zeros) still shows as text.
  }
  return typeof html === "string" ? { "text/plain": text, "text/html": html } : { "text/plain": text };
}

export function historyBundle(h: History): MimeBundle {
  const text = h.toString();
  if (h.epoch.length === 0) return { "text/plain": text };
  const series: Series[] = Object.entries(h.history).map(([name, values]) => ({
    name,
    group: /^val/.test(name) ? "validation" : "train",
    steps: h.epoch.slice(),
    values: values.map((v) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : null)) as number[],
  }));
  const payload: LossPlotPayload = {
    version: 1, title: h.stopped ? `training stopped: ${h.stopped.message}` : undefined, series, epochs: [], smoothing: 0,
    logScale: false, xLabel: "epoch", done: true, totalPoints: h.epoch.length,
  };
  if (!sendable(MIME.lossplot, payload)) return { "text/plain": text };
  return { [MIME.lossplot]: payload, "image/svg+xml": drawLossPlot(payload), "text/plain": text };
}
