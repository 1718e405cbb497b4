// The payload contract, taken from core/viz/schema.ts (types only, erased at build) so
// the renderers and the kernel side cannot drift apart silently.
export type {
  TensorPayload, ImagesPayload, ImageTile, HistogramsPayload, HistogramPanel,
  LossPlotPayload, Series, ChartPayload, Stats, Histogram,
} from "../../core/viz/schema";
import type { MIME as CORE_MIME } from "../../core/viz/schema";

/** The gradlab mime types, one renderer each (the same strings as core/viz/schema.ts MIME). */
export const MIME = {
  tensor: "application/vnd.gradlab.tensor+json",
  images: "application/vnd.gradlab.images+json",
  histograms: "application/vnd.gradlab.histograms+json",
  lossplot: "application/vnd.gradlab.lossplot+json",
  chart: "application/vnd.gradlab.chart+json",
} as const satisfies typeof CORE_MIME;
