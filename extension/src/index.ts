// The mime extensions: one renderer per gradlab mime type.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME } from "./mime";
import { TensorRenderer } from "./tensor";
import { ImagesRenderer } from "./images";
import { HistogramsRenderer } from "./histograms";
import { LossPlotRenderer } from "./lossplot";
import { ChartRenderer } from "./chart";
import { ProvenanceRenderer, PROVENANCE_MIME } from "./provenance";

export { MIME, TensorRenderer, ImagesRenderer, HistogramsRenderer, LossPlotRenderer, ChartRenderer };
export { StopTrainingButton, stopTraining, CONTROL_TARGET } from "./stop";

/** One renderer's mime extension: safe (payload text only through textContent), rank 0. */
function mimeExtension(name: string, mime: string, Renderer: new (options: IRenderMime.IRendererOptions) => IRenderMime.IRenderer): IRenderMime.IExtension {
  const createRenderer = (options: IRenderMime.IRendererOptions) => {
    const renderer = new Renderer(options);
    // The output node names its mime type, as JupyterLab's own renderers' nodes do.
    renderer.node.dataset.mimeType = options.mimeType;
    return renderer;
  };
  return {
    id: `@gradlab/jupyterlab-extension:${name}`,
    rendererFactory: { safe: true, mimeTypes: [mime], createRenderer },
    rank: 0,
    dataType: "json",
  };
}

/** Every gradlab renderer, as JupyterLab's mimeExtension entry point loads them. */
const extensions: IRenderMime.IExtension[] = [
  mimeExtension("tensor", MIME.tensor, TensorRenderer),
  mimeExtension("images", MIME.images, ImagesRenderer),
  mimeExtension("histograms", MIME.histograms, HistogramsRenderer),
  mimeExtension("lossplot", MIME.lossplot, LossPlotRenderer),
  mimeExtension("chart", MIME.chart, ChartRenderer),
  mimeExtension("provenance", PROVENANCE_MIME, ProvenanceRenderer),
];
export default extensions;
