// viz: what a course needs to see, as display data for the notebook — tensors, weight
// images, per-layer histograms, live loss plots and generic charts. Each object's
// [Symbol.for("Jupyter.display")]() returns a gradlab mime bundle with an SVG or PNG
// fallback drawn here (no browser) and a short text/plain.
export { MIME, DISPLAY } from "./schema";
export type * from "./schema";
export { tensorView as tensor, TensorViz } from "./tensor_viz";
export { weights, type WeightsOptions } from "./weights";
export { makeGrid, gridGeometry, type GridOptions } from "./grid";
export { ImagesViz } from "./images";
export { activations, compare, type ActivationsOptions } from "./activations";
export { HistogramsViz } from "./histograms";
export { lossPlot, LossPlot, LossPlot as LivePlotCallback, type LossPlotOptions } from "./lossplot";
export { line, scatter, histogram, heatmap, confusionMatrix, imshow, ChartViz, type ChartOptions } from "./charts";
export { setDisplayTransport, getDisplayTransport, type DisplayTransport } from "./display";
export { VizObject } from "./base";
export { encodePNG, crc32 } from "./png";
export { computeStats } from "./stats";
