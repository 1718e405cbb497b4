// The mime extensions: one renderer per gradlab mime type.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { tensorExtension } from "./tensor";
import { imagesExtension } from "./images";
import { histogramsExtension } from "./histograms";
import { lossPlotExtension } from "./lossplot";
import { chartExtension } from "./chart";

export { MIME } from "./mime";
export { TensorRenderer } from "./tensor";
export { ImagesRenderer } from "./images";
export { HistogramsRenderer } from "./histograms";
export { LossPlotRenderer } from "./lossplot";
export { ChartRenderer } from "./chart";
export { StopTrainingButton, stopTraining, CONTROL_TARGET } from "./stop";

/** Every gradlab renderer, as JupyterLab's mimeExtension entry point loads them. */
const extensions: IRenderMime.IExtension[] = [tensorExtension, imagesExtension, histogramsExtension, lossPlotExtension, chartExtension];
export default extensions;
