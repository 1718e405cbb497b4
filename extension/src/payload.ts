// Every payload is checked against core's schema (core/viz/payloads.ts, bundled from
// dist/core) before a renderer looks at it: a notebook's outputs come from whoever
// wrote the file. What comes back holds only the schema's fields, numbers where
// numbers go and strings where strings go; anything else is a message for the error box.
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { checkPayload, type Checked } from "../../dist/core/viz/payloads";
import { PayloadError } from "../../dist/core/viz/validate";
import type { GradlabMime } from "../../dist/core/viz/schema";

export type { Checked, TensorV1, ImagesV1, HistogramsV1, LossPlotV1, ChartV1 } from "../../dist/core/viz/payloads";

/** The model's payload for mime, checked; or why it cannot be drawn. */
export function readPayload<M extends GradlabMime>(model: IRenderMime.IMimeModel, mime: M): { payload: Checked[M] } | { error: string } {
  try {
    return { payload: checkPayload(mime, model.data[mime]) };
  } catch (e) {
    return { error: e instanceof PayloadError ? e.message : `its data could not be read (${e instanceof Error ? e.message : String(e)})` };
  }
}
