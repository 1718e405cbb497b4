// viz: what a course needs to see, as display data for the notebook — tensors, weight
// images, per-layer histograms, live loss plots and generic charts. Each object's
// [Symbol.for("Jupyter.display")]() returns a gradlab mime bundle with an SVG or PNG
// fallback drawn here (no browser) and a short text/plain. Only what a user calls is
// exported here; the plumbing is in ./internal.
export type { GradlabMime, Stats, Histogram, TensorPayload, ImageTile, ImagesPayload, HistogramPanel, HistogramsPayload, Series, LossPlotPayload, ChartPayload, MimeBundle, DisplayResult } from "./schema";
export { tensorView as tensor, type TensorViz } from "./tensor_viz";
export { weights, type WeightsOptions } from "./weights";
export { makeGrid, type GridOptions } from "./grid";
export type { ImagesViz } from "./images";
export { activations, compare, type ActivationsOptions } from "./activations";
export type { HistogramsViz } from "./histograms";
export { lossPlot, type LossPlot, type LossPlotOptions } from "./lossplot";
export { line, scatter, histogram, heatmap, confusionMatrix, imshow, type ChartViz, type ChartOptions } from "./charts";
export type { VizObject } from "./base";
