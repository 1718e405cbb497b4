// The display contract between core/viz (which builds these JSON payloads) and the
// JupyterLab extension (which renders them). Plain JSON only: numbers, strings,
// arrays, objects. Every payload carries `version` so a renderer can refuse what it
// does not know instead of drawing it wrong. Add fields, never change their meaning.

export const MIME = {
  tensor: "application/vnd.gradlab.tensor+json",
  images: "application/vnd.gradlab.images+json",
  histograms: "application/vnd.gradlab.histograms+json",
  lossplot: "application/vnd.gradlab.lossplot+json",
  chart: "application/vnd.gradlab.chart+json",
} as const;
export type GradlabMime = (typeof MIME)[keyof typeof MIME];

/** Summary statistics over the finite elements; counts over all elements. */
export interface Stats {
  count: number; min: number; max: number; mean: number; std: number;
  nan: number; posInf: number; negInf: number; zeros: number;
}

/** A histogram with `counts.length` bins over [edges[0], edges[last]]. */
export interface Histogram { edges: number[]; counts: number[] }

/**
 * application/vnd.gradlab.tensor+json. Small tensors carry every value; large ones
 * carry a strided sample of each 2-D slice (`sampled: true`) so the bundle stays small.
 * `values` is row-major over `shownShape`; NaN/±Inf are encoded as the strings
 * "NaN", "Infinity", "-Infinity" because JSON has no such numbers.
 */
export interface TensorPayload {
  version: 1;
  name?: string;
  dtype: "float32" | "float64" | "int32";
  shape: number[];
  requiresGrad: boolean;
  stats: Stats;
  histogram: Histogram;
  shownShape: number[];
  values: (number | "NaN" | "Infinity" | "-Infinity")[];
  sampled: boolean;
}

/** One image of a grid: `height`×`width`, `channels` 1 (scalar, mapped through the colour scale) or 3 (RGB in [0,1]). */
export interface ImageTile {
  label?: string;
  height: number; width: number; channels: 1 | 3;
  /** row-major, channel-last; scalar tiles hold raw values, RGB tiles hold [0,1]. */
  data: number[];
  /** raw value range of this tile (before normalisation), for the value under the cursor. */
  range: [number, number];
}

/** application/vnd.gradlab.images+json: a make_grid-style grid of tiles. */
export interface ImagesPayload {
  version: 1;
  title?: string;
  nrow: number; padding: number; padValue: number;
  /** "diverging": blue–white–red centred at 0; "gray": black→white over the range. */
  colormap: "diverging" | "gray";
  /** the range the colour scale spans for scalar tiles (per tile when scaleEach). */
  valueRange: [number, number];
  scaleEach: boolean;
  tiles: ImageTile[];
}

/** One panel (a layer of one run) of histogram small multiples. */
export interface HistogramPanel {
  layer: string;
  run?: string;
  histogram: Histogram;
  stats: Stats;
  /** percent of exact zeros (dead ReLUs) and of saturated values (|tanh|>0.99, sigmoid<0.01 or >0.99). */
  zeroPercent: number;
  saturatedPercent: number;
  /** the rule saturatedPercent counts by ("|y| > 0.99"), absent where the layer cannot saturate. */
  saturation?: string;
}

/** application/vnd.gradlab.histograms+json: layers × runs, on shared axes when `sharedAxes`. */
export interface HistogramsPayload {
  version: 1;
  title?: string;
  quantity: "activations" | "weights" | "gradients";
  runs: string[];
  layers: string[];
  sharedAxes: boolean;
  panels: HistogramPanel[];
}

export interface Series {
  name: string; group: "train" | "validation" | string; steps: number[]; values: number[];
  /** the EMA-smoothed curve at the same steps (computed on every raw point before downsampling); train series with ≥ 30 points when smoothing > 0. */
  smoothed?: number[];
}

/**
 * application/vnd.gradlab.lossplot+json. Every update is a full, downsampled state
 * (never a delta), so a renderer that missed updates still draws the truth and the
 * saved notebook holds the final curve once.
 */
export interface LossPlotPayload {
  version: 1;
  title?: string;
  series: Series[];
  /** step at which each epoch ended. */
  epochs: number[];
  smoothing: number;        // EMA factor in [0,1); 0 = none
  logScale: boolean;
  xLabel: string;
  done: boolean;
  eta?: number;             // seconds left, when known
  /** how many points were seen in total per series before downsampling. */
  totalPoints: number;
}

/** application/vnd.gradlab.chart+json: generic line / scatter / histogram / heatmap / confusion matrix. */
export type ChartPayload =
  | { version: 1; kind: "line" | "scatter"; title?: string; xLabel?: string; yLabel?: string; logY?: boolean;
      series: { name: string; x: number[]; y: number[] }[] }
  | { version: 1; kind: "histogram"; title?: string; xLabel?: string; histogram: Histogram; stats: Stats }
  | { version: 1; kind: "heatmap" | "confusion"; title?: string; xLabel?: string; yLabel?: string;
      rows: number; cols: number; z: number[]; xTicks?: string[]; yTicks?: string[] };

/** A mime bundle: mime type → data (every key contains "/"), as Deno's kernel takes it. */
export type MimeBundle = Record<string, unknown>;

/**
 * What `[Symbol.for("Jupyter.display")]()` returns (sync or as a Promise): either a bare
 * MimeBundle (Deno-compatible) or the Jupyter message shape `{ data, metadata }` when
 * metadata is needed (e.g. image sizes). A kernel tells them apart by `data`: an object
 * with no "/" in any top-level key is the second form.
 */
export type DisplayResult = MimeBundle | { data: MimeBundle; metadata?: Record<string, unknown> };

export const DISPLAY = Symbol.for("Jupyter.display");
