// What the kernel, the extension's build and the tests need from viz but a notebook user
// never calls: mime types, the display transport, PNG encoding, layout helpers and the
// display classes. Kept out of the public `viz` namespace so that completion on `viz.`
// offers what a user calls.
export { MIME, DISPLAY } from "./schema";
export { TensorViz } from "./tensor_viz";
export { gridGeometry } from "./grid";
export { ImagesViz } from "./images";
export { HistogramsViz } from "./histograms";
export { ChartViz } from "./charts";
export { setDisplayTransport, getDisplayTransport, type DisplayTransport } from "./display";
export { VizObject } from "./base";
export { encodePNG, crc32 } from "./png";
export { computeStats } from "./stats";
