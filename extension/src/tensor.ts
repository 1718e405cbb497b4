// application/vnd.gradlab.tensor+json: header and statistics, the values (a table
// when small, a heatmap otherwise; a slice selector over leading dimensions for
// tensors of 3 or more dimensions) and a histogram of the values.
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type TensorV1 } from "./mime";
import { readPayload } from "./payload";
import { el, errorBox, fmt, guarded } from "./dom";
import { onThemeChange } from "./theme";
import { Heatmap } from "./heatmap";
import { drawHistogram } from "./barplot";

/** Up to this many values (and columns) are shown as a table, not a heatmap. */
const TABLE_MAX = 256, TABLE_COLS = 16;

/** Renders one tensor payload. */
export class TensorRenderer extends Widget implements IRenderMime.IRenderer {
  private p: TensorV1 | null = null;
  private index: number[] = [];
  private readonly view = el("div", "jp-gradlab-tensor-view");
  private heatmap: Heatmap | null = null;

  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-tensor");
  }

  private readonly unwatch = onThemeChange(() => { if (this.p) void this.draw(this.p); });

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = readPayload(model, MIME.tensor);
    if ("error" in r) {
      this.p = null;
      this.node.replaceChildren(errorBox("tensor", r.error));
      return;
    }
    await this.draw(r.payload);
  }

  private draw(p: TensorV1): Promise<void> {
    return guarded(this.node, "tensor", () => {
      this.p = p;
      const lead = p.shownShape.slice(0, -2);
      if (this.index.length !== lead.length) this.index = lead.map(() => 0);
      this.node.replaceChildren(this.header(p), this.statsLine(p), this.selector(lead), this.view, this.histogram(p));
      this.drawSlice();
    });
  }

  override dispose(): void {
    this.unwatch();
    super.dispose();
  }

  private header(p: TensorV1): HTMLElement {
    const h = el("div", "jp-gradlab-tensor-header");
    if (p.name) h.append(el("span", "jp-gradlab-name", p.name), document.createTextNode(": "));
    h.append(document.createTextNode(`${p.dtype} [${p.shape.join(", ")}]`));
    if (p.requiresGrad) h.append(el("span", "jp-gradlab-tag", "requires grad"));
    if (p.sampled) h.append(el("span", "jp-gradlab-tag", `sampled: showing [${p.shownShape.join(", ")}]`));
    return h;
  }

  private statsLine(p: TensorV1): HTMLElement {
    const s = p.stats;
    const row = el("div", "jp-gradlab-stats");
    const items: [string, string][] = [
      ["min", fmt(s.min)], ["max", fmt(s.max)], ["mean", fmt(s.mean)], ["std", fmt(s.std)],
      ["NaN", String(s.nan)], ["±Inf", String(s.posInf + s.negInf)], ["zeros", String(s.zeros)], ["count", String(s.count)],
    ];
    for (const [k, v] of items) {
      const item = el("span", "jp-gradlab-stat");
      item.append(el("b", undefined, k), document.createTextNode(` ${v}`));
      if ((k === "NaN" || k === "±Inf") && v !== "0") item.classList.add("jp-gradlab-warn");
      row.append(item);
    }
    return row;
  }

  /** One number input per leading dimension (≥3-D tensors). */
  private selector(lead: number[]): HTMLElement {
    const box = el("div", "jp-gradlab-slices");
    if (lead.length === 0) return box;
    box.append(el("span", undefined, "slice "));
    lead.forEach((n, d) => {
      const input = el("input", "jp-gradlab-slice-index");
      input.type = "number"; input.min = "0"; input.max = String(n - 1); input.value = String(this.index[d]);
      input.title = `index along dimension ${d} (0…${n - 1})`;
      input.addEventListener("input", () => {
        const v = Math.max(0, Math.min(n - 1, Math.floor(Number(input.value) || 0)));
        this.index[d] = v;
        this.drawSlice();
      });
      box.append(input, el("span", undefined, d < lead.length - 1 ? ", " : ", :, :"));
    });
    return box;
  }

  private drawSlice(): void {
    const p = this.p!;
    const dims = p.shownShape;
    if (dims.length === 0) {
      this.view.replaceChildren(el("div", "jp-gradlab-scalar", fmt(p.values[0] ?? NaN)));
      return;
    }
    const rows = dims.length === 1 ? 1 : dims[dims.length - 2], cols = dims[dims.length - 1];
    let offset = 0;
    dims.slice(0, -2).forEach((_, d) => { offset = offset * dims[d] + this.index[d]; });
    offset *= rows * cols;
    const slice = p.values.slice(offset, offset + rows * cols);
    if (rows * cols <= TABLE_MAX && cols <= TABLE_COLS) {
      this.view.replaceChildren(table(slice, rows, cols));
      return;
    }
    this.heatmap ??= new Heatmap();
    const lo = Number.isFinite(p.stats.min) ? p.stats.min : 0, hi = Number.isFinite(p.stats.max) ? p.stats.max : 1;
    this.heatmap.draw(slice, rows, cols, { lo, hi });
    this.view.replaceChildren(this.heatmap.node);
  }

  private histogram(p: TensorV1): HTMLElement {
    const box = el("div", "jp-gradlab-tensor-hist");
    if (!p.histogram.counts.length) return box;
    const canvas = el("canvas", "jp-gradlab-hist-canvas");
    drawHistogram(canvas, p.histogram, { width: 260, height: 70 });
    const e = p.histogram.edges;
    box.append(canvas, el("div", "jp-gradlab-caption", `histogram, ${p.histogram.counts.length} bins over ${fmt(e[0])} … ${fmt(e[e.length - 1])}`));
    return box;
  }
}

/** The values of a small slice as an HTML table of text cells. */
function table(values: TensorV1["values"], rows: number, cols: number): HTMLTableElement {
  const t = el("table", "jp-gradlab-table");
  const head = t.createTHead().insertRow();
  head.append(el("th"));
  for (let c = 0; c < cols; c++) head.append(el("th", undefined, String(c)));
  const body = t.createTBody();
  for (let r = 0; r < rows; r++) {
    const tr = body.insertRow();
    tr.append(el("th", undefined, String(r)));
    for (let c = 0; c < cols; c++) tr.append(el("td", undefined, fmt(values[r * cols + c])));
  }
  return t;
}
