// The gradlab mime types, one renderer each (the same strings as core/viz/schema.ts MIME,
// checked at build). Payload types come from the schemas in core/viz/payloads.ts.
import type { MIME as CORE_MIME } from "../../core/viz/schema";
export type { TensorV1, ImagesV1, HistogramsV1, LossPlotV1, ChartV1 } from "./payload";

/** The gradlab mime types, one renderer each. */
export const MIME = {
  tensor: "application/vnd.gradlab.tensor+json",
  images: "application/vnd.gradlab.images+json",
  histograms: "application/vnd.gradlab.histograms+json",
  lossplot: "application/vnd.gradlab.lossplot+json",
  chart: "application/vnd.gradlab.chart+json",
} as const satisfies typeof CORE_MIME;
