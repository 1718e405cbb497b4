// application/vnd.gradlab-provenance+json: an output the kernel adds to a cell that changed
// what produced the notebook's results (a seed set, a dataset read) and showed nothing to
// carry the change. It exists to be saved with the notebook; nothing is drawn, and its
// output area is hidden (style/base.css).
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";

/** The mime type of a provenance-only output (the same string as kernel/notebook_provenance.ts). */
export const PROVENANCE_MIME = "application/vnd.gradlab-provenance+json";

/** Draws nothing: the facts are for gradlab verify and the HTML report, not for the page. */
export class ProvenanceRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-provenance");
  }

  async renderModel(_model: IRenderMime.IMimeModel): Promise<void> {}
}
