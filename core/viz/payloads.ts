// The schema of every gradlab payload, one per mime type and version, and the size caps
// that go with them. core's builders keep within LIMITS (and their payloads are tested
// against these schemas); the JupyterLab extension checks every payload against them
// before drawing, since a notebook's outputs come from whoever wrote the file. Numbers
// where numbers go, strings cut to a length, arrays within their caps, lengths that
// agree. Browser-safe: no Node imports (the extension bundles this file).
import { MIME, type GradlabMime, type ChartPayload, type HistogramsPayload, type ImagesPayload, type LossPlotPayload, type TensorPayload } from "./schema";
import {
  PayloadError, arr, bool, expect, fieldPath, kind, num, nums, obj, oneOf, opt, range, str, tagged,
  type Check, type Infer,
} from "./validate";

/** The size caps: what a builder refuses to make, and what a renderer refuses to draw. */
export const LIMITS = {
  /** characters in a title, name or label (longer text is cut). */
  text: 1000,
  /** series in a chart or a loss plot. */
  series: 64,
  /** points per series. */
  points: 100_000,
  /** bins of a histogram. */
  bins: 10_000,
  /** cells of a heatmap or confusion matrix (500 × 500). */
  cells: 250_000,
  /** dimensions of a tensor. */
  ndim: 32,
  /** values a tensor payload carries (its strided sample). */
  tensorValues: 4096,
  /** tiles of an image grid, and pixels along one side of a tile. */
  tiles: 4096, side: 4096,
  /** values (pixels × channels) of all the tiles of a grid together. */
  imageValues: 2_097_152,
  /** the grid before zooming, in pixels along each side. */
  gridSide: 16_384,
  padding: 64,
  /** layers, runs and panels of a histogram set. */
  layers: 1024, runs: 32, panels: 4096,
  /** epoch marks of a loss plot. */
  epochs: 1_000_000,
} as const;

const T = LIMITS.text;
const text = () => str(T);
const count = () => num({ int: true, min: 0 });
/** A summary number: JSON turns an overflowed mean or std into null, drawn as NaN. */
const summary: Check<number> = (v, at) => (v === null ? NaN : num()(v, at));

const stats = obj({
  count: count(), min: summary, max: summary, mean: summary, std: summary,
  nan: count(), posInf: count(), negInf: count(), zeros: count(),
});

const histogram = obj({ edges: nums(0, LIMITS.bins + 1), counts: nums(0, LIMITS.bins, { min: 0 }) }, (h, at) => {
  const n = h.counts.length;
  expect(n === 0 ? h.edges.length <= 1 : h.edges.length === n + 1, fieldPath(at, "edges"), `${n + 1} bin edges for ${n} counts`, `${h.edges.length}`);
  for (let i = 1; i < h.edges.length; i++) expect(h.edges[i] >= h.edges[i - 1], fieldPath(fieldPath(at, "edges"), i), "increasing edges", `${h.edges[i]} after ${h.edges[i - 1]}`);
});

/** The version field of a schema: the number 1 only. */
const v1 = oneOf(1 as const);

// ---- application/vnd.gradlab.tensor+json --------------------------------------------

/** A tensor value: a number, or NaN/±Infinity by name (JSON has none; null also reads as NaN). */
const tensorValues: Check<number[]> = (v, at) => {
  if (!Array.isArray(v)) throw new PayloadError(at, "an array of numbers", kind(v));
  if (v.length > LIMITS.tensorValues) throw new PayloadError(at, `at most ${LIMITS.tensorValues} values`, kind(v));
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x === "number") out[i] = x;
    else if (x === null || x === "NaN") out[i] = NaN;
    else if (x === "Infinity") out[i] = Infinity;
    else if (x === "-Infinity") out[i] = -Infinity;
    else throw new PayloadError(fieldPath(at, i), `a number or "NaN", "Infinity", "-Infinity"`, kind(x));
  }
  return out;
};

export const tensorV1 = obj({
  version: v1, name: opt(text()), dtype: oneOf("float32", "float64", "int32"),
  shape: nums(0, LIMITS.ndim, { int: true, min: 0 }), requiresGrad: bool(), stats, histogram,
  shownShape: nums(0, LIMITS.ndim, { int: true, min: 0 }), values: tensorValues, sampled: bool(),
}, (p) => {
  expect(p.shownShape.length === p.shape.length, "shownShape", `${p.shape.length} sizes, as many as shape has`, `${p.shownShape.length}`);
  p.shownShape.forEach((n, i) => expect(n <= p.shape[i], `shownShape[${i}]`, `at most shape[${i}] (${p.shape[i]})`, `${n}`));
  const n = p.shownShape.reduce((a, b) => a * b, 1);
  expect(p.values.length === n, "values", `${n} values (the product of shownShape)`, `${p.values.length}`);
});

// ---- application/vnd.gradlab.images+json --------------------------------------------

const side = () => num({ int: true, min: 1, max: LIMITS.side });
const tile = obj({
  label: opt(text()), height: side(), width: side(), channels: oneOf(1 as const, 3 as const),
  data: nums(0, LIMITS.imageValues, { gaps: true }), range: range(),
}, (t, at) => {
  const n = t.height * t.width * t.channels;
  expect(t.data.length === n, fieldPath(at, "data"), `${n} values (height × width × channels)`, `${t.data.length}`);
});

export const imagesV1 = obj({
  version: v1, title: opt(text()), nrow: num({ int: true, min: 1, max: LIMITS.tiles }),
  padding: num({ int: true, min: 0, max: LIMITS.padding }), padValue: num(), colormap: oneOf("diverging", "gray"),
  valueRange: range(), scaleEach: bool(), tiles: arr(tile, 1, LIMITS.tiles, "tiles"),
}, (p) => {
  let total = 0, h = 0, w = 0;
  for (const t of p.tiles) { total += t.data.length; if (t.height > h) h = t.height; if (t.width > w) w = t.width; }
  expect(total <= LIMITS.imageValues, "tiles", `at most ${LIMITS.imageValues} values in all`, `${total}`);
  const cols = Math.min(p.nrow, p.tiles.length), rows = Math.ceil(p.tiles.length / cols);
  const gw = cols * (w + p.padding) + p.padding, gh = rows * (h + p.padding) + p.padding;
  expect(gw <= LIMITS.gridSide && gh <= LIMITS.gridSide, "nrow", `a grid at most ${LIMITS.gridSide} pixels on each side`, `${gw}×${gh}`);
});

// ---- application/vnd.gradlab.histograms+json ----------------------------------------

const percent = () => num({ min: 0, max: 100 });
const panel = obj({
  layer: text(), run: opt(text()), histogram, stats, zeroPercent: percent(), saturatedPercent: percent(), saturation: opt(text()),
});

export const histogramsV1 = obj({
  version: v1, title: opt(text()), quantity: oneOf("activations", "weights", "gradients"),
  runs: arr(text(), 0, LIMITS.runs, "run names"), layers: arr(text(), 0, LIMITS.layers, "layer names"),
  sharedAxes: bool(), panels: arr(panel, 0, LIMITS.panels, "panels"),
});

// ---- application/vnd.gradlab.lossplot+json ------------------------------------------

const series = obj({
  name: text(), group: text(), steps: nums(0, LIMITS.points), values: nums(0, LIMITS.points, { gaps: true }),
  smoothed: opt(nums(0, LIMITS.points, { gaps: true })),
}, (s, at) => {
  expect(s.values.length === s.steps.length, fieldPath(at, "values"), `${s.steps.length} values, one per step`, `${s.values.length}`);
  if (s.smoothed) expect(s.smoothed.length === s.steps.length, fieldPath(at, "smoothed"), `${s.steps.length} values, one per step`, `${s.smoothed.length}`);
});

export const lossplotV1 = obj({
  version: v1, title: opt(text()), series: arr(series, 0, LIMITS.series, "series"), epochs: nums(0, LIMITS.epochs),
  smoothing: num({ min: 0, max: 1 }), logScale: bool(), xLabel: text(), done: bool(), eta: opt(num({ min: 0 })),
  totalPoints: count(),
});

// ---- application/vnd.gradlab.chart+json ---------------------------------------------

const labels = { title: opt(text()), xLabel: opt(text()), yLabel: opt(text()) };
const xy = obj({ name: text(), x: nums(0, LIMITS.points, { gaps: true }), y: nums(0, LIMITS.points, { gaps: true }) }, (s, at) => {
  expect(s.x.length === s.y.length, fieldPath(at, "y"), `${s.x.length} values, one per x`, `${s.y.length}`);
});
// A side longer than a canvas can be (Chrome's limit is 32,767 pixels) cannot be drawn.
const cells = () => num({ int: true, min: 1, max: LIMITS.gridSide });
const ticks = () => opt(arr(text(), 0, LIMITS.cells, "labels"));
const grid = (k: "heatmap" | "confusion") => obj({
  version: v1, kind: oneOf(k), ...labels, rows: cells(), cols: cells(), z: nums(0, LIMITS.cells, { gaps: true }),
  xTicks: ticks(), yTicks: ticks(),
}, (p) => {
  expect(p.rows * p.cols <= LIMITS.cells, "rows", `at most ${LIMITS.cells} cells (rows × cols)`, `${p.rows}×${p.cols}`);
  expect(p.z.length === p.rows * p.cols, "z", `${p.rows * p.cols} values (rows × cols)`, `${p.z.length}`);
  expect((p.xTicks?.length ?? 0) <= p.cols, "xTicks", `at most ${p.cols} labels, one per column`, `${p.xTicks?.length}`);
  expect((p.yTicks?.length ?? 0) <= p.rows, "yTicks", `at most ${p.rows} labels, one per row`, `${p.yTicks?.length}`);
});
const xyChart = (k: "line" | "scatter") => obj({ version: v1, kind: oneOf(k), ...labels, logY: opt(bool()), series: arr(xy, 0, LIMITS.series, "series") });

export const chartV1 = tagged("kind", {
  line: xyChart("line"), scatter: xyChart("scatter"),
  histogram: obj({ version: v1, kind: oneOf("histogram"), title: opt(text()), xLabel: opt(text()), histogram, stats }),
  heatmap: grid("heatmap"), confusion: grid("confusion"),
});

// ---- one schema per mime type and version -------------------------------------------

export type TensorV1 = Infer<typeof tensorV1>;
export type ImagesV1 = Infer<typeof imagesV1>;
export type HistogramsV1 = Infer<typeof histogramsV1>;
export type LossPlotV1 = Infer<typeof lossplotV1>;
export type ChartV1 = Infer<typeof chartV1>;

/** What a checked payload of each mime type is. */
export interface Checked {
  [MIME.tensor]: TensorV1; [MIME.images]: ImagesV1; [MIME.histograms]: HistogramsV1;
  [MIME.lossplot]: LossPlotV1; [MIME.chart]: ChartV1;
}

export const SCHEMAS: { [M in GradlabMime]: Record<number, Check<Checked[M]>> } = {
  [MIME.tensor]: { 1: tensorV1 },
  [MIME.images]: { 1: imagesV1 },
  [MIME.histograms]: { 1: histogramsV1 },
  [MIME.lossplot]: { 1: lossplotV1 },
  [MIME.chart]: { 1: chartV1 },
};

/** The payload checked against its mime type's schema for its version; throws PayloadError. */
export function checkPayload<M extends GradlabMime>(mime: M, data: unknown): Checked[M] {
  const versions = SCHEMAS[mime];
  if (!versions) throw new PayloadError("", `a gradlab payload (unknown mime type ${mime})`, "another");
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new PayloadError("", "an object", kind(data));
  const version = (data as { version?: unknown }).version;
  const known = Object.keys(versions).join(", ");
  if (typeof version === "number" && Number.isInteger(version) && version > 0 && !versions[version]) {
    throw new PayloadError("version", `${known} (this output was made by a newer gradlab: update the gradlab extension)`, kind(version));
  }
  if (typeof version !== "number" || !versions[version]) throw new PayloadError("version", `the number ${known}`, kind(version));
  return versions[version](data, "");
}

// Compile-time: what core's builders make (schema.ts) is what these schemas accept.
type Fits<A extends B, B> = A;
export type BuildersFitSchemas = [Fits<ImagesPayload, ImagesV1>, Fits<HistogramsPayload, HistogramsV1>,
  Fits<LossPlotPayload, LossPlotV1>, Fits<ChartPayload, ChartV1>, Fits<Omit<TensorPayload, "values">, Omit<TensorV1, "values">>];
