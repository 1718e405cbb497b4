// Hostile outputs for the renderers: a good payload from each of core's builders, then
// one field changed at a time — markup and plotly's HTML subset in every string and
// number field, wrong types, missing fields, NaN/Infinity/null, sizes past the caps.
// Every hostile string carries MARK inside its markup, so the browser test can tell
// markup shown as text (fine) from markup that became elements, links or styles.
import { viz, randn, randint, manualSeed, nn, tensor } from "../../core";
import { LIMITS } from "../../core/viz/payloads";

export const MARK = "gradlab-beacon";

/** Strings that plotly, HTML or MathJax would read as markup; each holds MARK. */
export const HOSTILE_TEXT = [
  `<a href="https://example.org/${MARK}" target="_blank">re-login</a>`,
  `<span style="font-size:40px;cursor:url(/${MARK}),auto">BIG</span>`,
  `<b>${MARK}</b><br><img src="/${MARK}.png" onerror="alert(1)"><sup>2</sup>`,
  `$\\href{javascript:alert('${MARK}')}{x}$`,
];

/** What a renderer should do with a variant: draw it, show the error box, or either (but never fail). */
export type Expect = "draw" | "error" | "either";
export interface Variant { what: string; mime: string; data: unknown; expect: Expect; field: string }

/** Fields each payload may leave out (the schema's optional fields). */
const CHART_OPTIONAL = ["title", "xLabel", "yLabel", "logY", "xTicks", "yTicks"];
const OPTIONAL: Record<string, string[]> = {
  tensor: ["name"], images: ["title", "label"], histograms: ["title", "run", "saturation"], lossplot: ["title", "smoothed", "eta"],
  line: CHART_OPTIONAL, scatter: CHART_OPTIONAL, histogram: CHART_OPTIONAL, heatmap: CHART_OPTIONAL, confusion: CHART_OPTIONAL,
};
/** Fields holding one of a few words. */
const ENUMS = new Set(["kind", "dtype", "colormap", "quantity", "version"]);
/** Arrays whose entries may be null (a gap). */
const GAPS = /(^|\.)(x|y|z|values|smoothed|data)$/;

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** The good payloads: mime type → one payload from core's builders (as a notebook holds it). */
export function basePayloads(): { name: string; mime: string; data: any }[] {
  manualSeed(7);
  const model = new nn.Sequential(new nn.Linear(6, 6), new nn.Tanh(), new nn.Linear(6, 3), new nn.ReLU());
  const plot = viz.lossPlot({ title: "training" });
  for (let i = 1; i <= 40; i++) plot.update(i, { loss: 1 / i, ...(i % 10 === 0 ? { valLoss: 1.2 / i, lr: 0.1 } : {}) });
  plot.epochEnd().done();
  const objs: [string, any][] = [
    ["tensor", viz.tensor(randn([3, 4]), { name: "w" })],
    ["images", viz.weights(new nn.Linear(16, 3))],
    ["histograms", viz.activations(model, randn([10, 6]))],
    ["lossplot", plot],
    ["line", viz.line({ x: [1, 2, 3], y: [3, 1, 2], name: "s" }, { title: "t", xLabel: "x", yLabel: "y" })],
    ["scatter", viz.scatter({ x: [1, 2, 3], y: [3, 1, 2], name: "s" })],
    ["histogram", viz.histogram(randn([50]), { bins: 5, title: "h", xLabel: "v" })],
    ["heatmap", viz.heatmap(tensor([[1, -1, 0], [0.5, 2, -2]]), { xTicks: ["a", "b", "c"], yTicks: ["r", "s"], title: "m" })],
    ["confusion", viz.confusionMatrix(randint(0, 3, [30]), randint(0, 3, [30]), { classNames: ["cat", "dog", "bird"] })],
  ];
  return objs.map(([name, o]) => {
    const bundle = json(o[Symbol.for("Jupyter.display")]());
    const mime = Object.keys(bundle).find((k) => k.startsWith("application/vnd.gradlab."))!;
    return { name, mime, data: bundle[mime] };
  });
}

/** Every path to a field in v: objects' keys, and each array with its first entry. */
function paths(v: any, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) {
    if (v.length) { out.push([...at, 0]); out.push(...paths(v[0], [...at, 0])); }
  } else if (v && typeof v === "object") {
    for (const k of Object.keys(v)) { out.push([...at, k]); out.push(...paths(v[k], [...at, k])); }
  }
  return out;
}

const show = (p: (string | number)[]) => p.reduce<string>((s, k) => (typeof k === "number" ? `${s}[${k}]` : s ? `${s}.${k}` : k), "");

function setAt(base: any, p: (string | number)[], value: unknown, remove = false): any {
  const copy = json(base);
  let o = copy;
  for (const k of p.slice(0, -1)) o = o[k];
  if (remove) delete o[p[p.length - 1]]; else o[p[p.length - 1]] = value;
  return copy;
}

/** The hostile variants of one good payload. */
export function variants(name: string, mime: string, base: any): Variant[] {
  const out: Variant[] = [];
  const add = (what: string, path: (string | number)[], data: unknown, expect: Expect) => out.push({ what: `${name}: ${what}`, mime, data, expect, field: show(path) });
  for (const p of paths(base)) {
    const key = p[p.length - 1];
    const field = typeof key === "string" ? key : String(p[p.length - 2]);
    const value = p.reduce((o: any, k) => o[k], base);
    const gap = typeof key === "number" && GAPS.test(show(p.slice(0, -1)));
    if (typeof value === "string") {
      const enumField = ENUMS.has(field);
      HOSTILE_TEXT.forEach((t, i) => add(`markup ${i} in ${show(p)}`, p, setAt(base, p, t), enumField ? "error" : "draw"));
      if (!enumField) add(`200,000 characters in ${show(p)}`, p, setAt(base, p, `<i>${MARK}</i>`.repeat(20_000)), "draw");
    } else if (typeof value === "number") {
      add(`markup where the number ${show(p)} goes`, p, setAt(base, p, HOSTILE_TEXT[0]), "error");
      add(`a numeric string for ${show(p)}`, p, setAt(base, p, "1"), "error");
      add(`an object for ${show(p)}`, p, setAt(base, p, { valueOf: 1 }), "error");
      add(`NaN for ${show(p)}`, p, setAt(base, p, NaN), gap ? "draw" : "either");
      add(`Infinity for ${show(p)}`, p, setAt(base, p, Infinity), gap ? "draw" : "either");
      add(`null for ${show(p)}`, p, setAt(base, p, null), gap ? "draw" : "either");
    } else if (typeof value === "boolean") {
      add(`the string "true" for ${show(p)}`, p, setAt(base, p, "true"), "error");
    } else if (Array.isArray(value)) {
      add(`markup for the array ${show(p)}`, p, setAt(base, p, HOSTILE_TEXT[1]), "error");
      add(`an object for the array ${show(p)}`, p, setAt(base, p, { length: 3, 0: 1 }), "error");
    } else if (value && typeof value === "object") {
      add(`markup for the object ${show(p)}`, p, setAt(base, p, HOSTILE_TEXT[2]), "error");
      add(`an array for the object ${show(p)}`, p, setAt(base, p, [1]), "error");
    }
    if (typeof key === "string") add(`${show(p)} left out`, p, setAt(base, p, undefined, true), OPTIONAL[name].includes(key) ? "draw" : "error");
  }
  add("the version as a string", ["version"], { ...base, version: "1" }, "error");
  add("version 2", ["version"], { ...base, version: 2 }, "error");
  add("not an object", [], HOSTILE_TEXT[0], "error");
  add("an extra field onclick", [], { ...base, onclick: "alert(1)", hovertemplate: HOSTILE_TEXT[0] }, "draw");
  return out;
}

/** Sizes past the caps, and the largest sizes within them. */
export function sizeVariants(): Variant[] {
  const bases = Object.fromEntries(basePayloads().map((b) => [b.name, b]));
  const v = (what: string, name: string, edit: (p: any) => void, expect: Expect, field: string): Variant => {
    const data = json(bases[name].data);
    edit(data);
    return { what, mime: bases[name].mime, data, expect, field };
  };
  const zeros = (n: number) => new Array(n).fill(0);
  return [
    v("a heatmap of 1e9 × 1e9 cells with no values", "heatmap", (p) => { p.rows = 1e9; p.cols = 1e9; }, "error", "rows"),
    v("a heatmap one value past the cap", "heatmap", (p) => { p.rows = 1; p.cols = 3; p.z = zeros(LIMITS.cells + 1); }, "error", "z"),
    v("a line with a series past the cap", "line", (p) => { p.series[0].x = zeros(LIMITS.points + 1); p.series[0].y = zeros(LIMITS.points + 1); }, "error", "series[0].x"),
    v(`${LIMITS.series + 1} series`, "line", (p) => { p.series = Array.from({ length: LIMITS.series + 1 }, () => p.series[0]); }, "error", "series"),
    v("a tensor claiming 1e9 values", "tensor", (p) => { p.shownShape = [1e5, 1e4]; p.shape = [1e5, 1e4]; }, "error", "values"),
    v("a tensor with 40 dimensions", "tensor", (p) => { p.shape = zeros(40); p.shownShape = zeros(40); p.values = []; }, "error", "shape"),
    v("an image tile of 1e6 × 1e6 pixels", "images", (p) => { p.tiles[0].height = 1e6; p.tiles[0].width = 1e6; }, "error", "tiles[0].height"),
    v("image data shorter than its tile", "images", (p) => { p.tiles[0].data = [1]; }, "error", "tiles[0].data"),
    v("a histogram with edges that do not fit its counts", "histogram", (p) => { p.histogram.edges = [0, 1]; }, "error", "histogram.edges"),
    v("a loss plot with steps and values of different lengths", "lossplot", (p) => { p.series[0].values.pop(); }, "error", "series[0].values"),
    v("a 1,000-panel histogram set", "histograms", (p) => { p.panels = Array.from({ length: 1000 }, (_, i) => ({ ...p.panels[0], layer: `layer ${i}` })); p.layers = p.panels.map((q: any) => q.layer); }, "draw", ""),
  ];
}
