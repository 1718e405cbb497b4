// A matrix drawn on a canvas, one cell per value, with the value under the cursor
// shown beside it. Used by the tensor renderer (2-D slices) and the chart renderer
// (heatmaps, confusion matrices).
import { el, fmt } from "./dom";
import { NONFINITE, scaleFor, type RGB } from "./colormap";

export interface HeatmapOptions {
  lo: number; hi: number;
  color?: (v: number) => RGB;
  rowLabels?: string[]; colLabels?: string[];
  /** write each value in its cell when cells are big enough (confusion matrices). */
  annotate?: boolean;
  /** the largest side, in CSS pixels, the canvas grows to. */
  maxSide?: number;
}

/** A canvas heatmap with a hover readout and a colour-range caption. */
export class Heatmap {
  readonly node = el("div", "jp-gradlab-heatmap");
  readonly canvas = el("canvas", "jp-gradlab-heatmap-canvas");
  private readonly readout = el("div", "jp-gradlab-readout", "\u00a0");
  private readonly caption = el("div", "jp-gradlab-caption");
  private cell = 1;
  private state: { values: number[]; rows: number; cols: number; o: HeatmapOptions } | null = null;

  private readonly grid = el("div", "jp-gradlab-heatmap-grid");
  private readonly colLabels = el("div", "jp-gradlab-heatmap-cols");
  private readonly rowLabels = el("div", "jp-gradlab-heatmap-rows");

  constructor() {
    this.grid.append(el("div"), this.colLabels, this.rowLabels, this.canvas);
    this.node.append(this.grid, this.caption, this.readout);
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => { this.readout.textContent = "\u00a0"; });
  }

  /** Draws rows×cols row-major values. */
  draw(values: number[], rows: number, cols: number, o: HeatmapOptions): void {
    this.state = { values, rows, cols, o };
    const side = o.maxSide ?? 360;
    this.cell = Math.max(1, Math.min(32, Math.floor(side / Math.max(rows, cols, 1))));
    const cs = this.cell;
    this.canvas.width = cols * cs;
    this.canvas.height = rows * cs;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const color = o.color ?? scaleFor(o.lo, o.hi);
    const img = ctx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const v = values[i];
      const [r, g, b] = Number.isFinite(v) ? color(v) : NONFINITE;
      img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
    }
    // Draw at one pixel per cell, then scale up without smoothing: crisp cells.
    const small = document.createElement("canvas");
    small.width = cols; small.height = rows;
    small.getContext("2d")!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, cols * cs, rows * cs);
    if (o.annotate && cs >= 18) {
      ctx.font = `${Math.min(14, cs / 2.2)}px sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
        const v = values[r * cols + c];
        const [cr, cg, cb] = Number.isFinite(v) ? color(v) : NONFINITE;
        ctx.fillStyle = cr * 0.3 + cg * 0.59 + cb * 0.11 > 140 ? "#222" : "#fff";
        ctx.fillText(fmt(v), (c + 0.5) * cs, (r + 0.5) * cs);
      }
    }
    this.labels(o, rows, cols, cs);
    this.caption.textContent = `${rows}×${cols}, colour range ${fmt(o.lo)} … ${fmt(o.hi)}`;
  }

  /** Class names along the axes, when there are labels and cells tall enough to read them. */
  private labels(o: HeatmapOptions, rows: number, cols: number, cs: number): void {
    const put = (box: HTMLElement, names: string[] | undefined, n: number) => {
      const show = !!names && names.length === n && cs >= 12;
      box.replaceChildren(...(show ? names!.map((t) => {
        const l = el("div", "jp-gradlab-heatmap-label", t);
        l.style.flexBasis = `${cs}px`;
        l.title = t;
        return l;
      }) : []));
    };
    put(this.colLabels, o.colLabels, cols);
    put(this.rowLabels, o.rowLabels, rows);
  }

  private hover(e: MouseEvent): void {
    const s = this.state;
    if (!s) return;
    const rect = this.canvas.getBoundingClientRect();
    const c = Math.floor(((e.clientX - rect.left) / rect.width) * s.cols);
    const r = Math.floor(((e.clientY - rect.top) / rect.height) * s.rows);
    if (r < 0 || c < 0 || r >= s.rows || c >= s.cols) return;
    const rl = s.o.rowLabels?.[r], cl = s.o.colLabels?.[c];
    this.readout.textContent = `[${r}${rl ? ` ${rl}` : ""}, ${c}${cl ? ` ${cl}` : ""}] = ${fmt(s.values[r * s.cols + c])}`;
  }
}
