// application/vnd.gradlab.images+json: a make_grid-style grid of tiles (weight
// templates, conv filters, image batches) on one canvas, scaled up with crisp pixels,
// with the raw value under the cursor.
import { Widget } from "@lumino/widgets";
import type { IRenderMime } from "@jupyterlab/rendermime-interfaces";
import { MIME, type ImagesV1 } from "./mime";
import { readPayload } from "./payload";
import { el, errorBox, fmt, guarded } from "./dom";
import { onThemeChange, themeColour } from "./theme";
import { diverging, gray, type RGB } from "./colormap";

const LABEL_H = 14;

interface Geometry { tileH: number; tileW: number; cols: number; rows: number; pad: number; labelH: number; zoom: number }

/** Renders one image-grid payload. */
export class ImagesRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly canvas = el("canvas", "jp-gradlab-images-canvas");
  private readonly readout = el("div", "jp-gradlab-readout", "\u00a0");
  private p: ImagesV1 | null = null;
  private g: Geometry | null = null;

  constructor(readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass("jp-gradlab-images");
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => { this.readout.textContent = "\u00a0"; });
  }

  private readonly unwatch = onThemeChange(() => { if (this.p) void guarded(this.node, "image grid", () => this.draw(this.p!)); });

  override dispose(): void {
    this.unwatch();
    super.dispose();
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const r = readPayload(model, MIME.images);
    if ("error" in r) {
      this.p = null;
      this.node.replaceChildren(errorBox("image grid", r.error));
      return;
    }
    const p = r.payload;
    await guarded(this.node, "image grid", () => this.present(p));
  }

  private present(p: ImagesV1): void {
    this.p = p;
    const parts: HTMLElement[] = [];
    if (p.title) parts.push(el("div", "jp-gradlab-title", p.title));
    const [lo, hi] = p.valueRange;
    const scale = p.scaleEach ? "each tile scaled to its own range" : `colour range ${fmt(lo)} … ${fmt(hi)}`;
    parts.push(this.canvas, el("div", "jp-gradlab-caption", `${p.tiles.length} images, ${p.colormap} scale, ${scale}`), this.readout);
    this.node.replaceChildren(...parts);
    this.draw(p);
  }

  private draw(p: ImagesV1): void {
    let tileH = 1, tileW = 1;
    for (const t of p.tiles) { tileH = Math.max(tileH, t.height); tileW = Math.max(tileW, t.width); }
    const cols = Math.max(1, Math.min(p.nrow, p.tiles.length)), rows = Math.max(1, Math.ceil(p.tiles.length / cols));
    // Labels get a strip under each row of tiles, unless so many rows would make the canvas too tall to exist.
    const pad = p.padding, labelH = p.tiles.some((t) => t.label) && rows * LABEL_H <= 4096 ? LABEL_H : 0;
    const w = cols * (tileW + pad) + pad, h = rows * (tileH + pad) + pad;
    // Integer zoom so small images (28×28 templates, 3×3 kernels) are big enough to read.
    const zoom = Math.max(1, Math.min(16, Math.floor(Math.min(640 / w, 480 / h))));
    const g: Geometry = { tileH, tileW, cols, rows, pad, labelH, zoom };
    this.g = g;
    this.canvas.width = w * zoom;
    this.canvas.height = h * zoom + rows * labelH;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const [r0, g0, b0] = this.colour(p.padValue, p.valueRange);
    ctx.fillStyle = `rgb(${r0},${g0},${b0})`;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.imageSmoothingEnabled = false;
    // Labels sit on strips in the theme's background, in its text colour (readable in the dark theme too).
    const background = themeColour("--jp-layout-color0", "#fff"), ink = themeColour("--jp-ui-font-color1", "#222");
    if (labelH) {
      ctx.fillStyle = background;
      for (let r = 0; r < rows; r++) ctx.fillRect(0, this.origin(r * cols).y + tileH * zoom, this.canvas.width, labelH);
    }
    p.tiles.forEach((t, i) => {
      const { x, y } = this.origin(i);
      const small = document.createElement("canvas");
      small.width = t.width; small.height = t.height;
      small.getContext("2d")!.putImageData(this.pixels(t, p), 0, 0);
      ctx.drawImage(small, x, y, t.width * zoom, t.height * zoom);
      if (t.label) {
        ctx.fillStyle = ink;
        ctx.font = "11px sans-serif";
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        ctx.fillText(t.label, x + (tileW * zoom) / 2, y + tileH * zoom + 1, tileW * zoom + pad * zoom);
      }
    });
  }

  /** Top-left corner of tile i on the canvas. */
  private origin(i: number): { x: number; y: number } {
    const g = this.g!;
    const c = i % g.cols, r = Math.floor(i / g.cols);
    return { x: (g.pad + c * (g.tileW + g.pad)) * g.zoom, y: (g.pad + r * (g.tileH + g.pad)) * g.zoom + r * g.labelH };
  }

  private colour(v: number, range: [number, number]): RGB {
    return this.p!.colormap === "diverging" ? diverging(v, range[0], range[1]) : gray(v, range[0], range[1]);
  }

  private pixels(t: ImagesV1["tiles"][number], p: ImagesV1): ImageData {
    const img = new ImageData(t.width, t.height);
    const range = p.scaleEach ? t.range : p.valueRange;
    for (let i = 0; i < t.width * t.height; i++) {
      const rgb: RGB = t.channels === 3
        ? [t.data[3 * i] * 255, t.data[3 * i + 1] * 255, t.data[3 * i + 2] * 255]
        : Number.isFinite(t.data[i]) ? this.colour(t.data[i], range) : [255, 0, 255];
      img.data[4 * i] = rgb[0]; img.data[4 * i + 1] = rgb[1]; img.data[4 * i + 2] = rgb[2]; img.data[4 * i + 3] = 255;
    }
    return img;
  }

  private hover(e: MouseEvent): void {
    const p = this.p, g = this.g;
    if (!p || !g) return;
    const rect = this.canvas.getBoundingClientRect();
    const cx = ((e.clientX - rect.left) / rect.width) * this.canvas.width;
    const cy = ((e.clientY - rect.top) / rect.height) * this.canvas.height;
    for (let i = 0; i < p.tiles.length; i++) {
      const t = p.tiles[i], { x, y } = this.origin(i);
      const px = Math.floor((cx - x) / g.zoom), py = Math.floor((cy - y) / g.zoom);
      if (px < 0 || py < 0 || px >= t.width || py >= t.height) continue;
      const k = py * t.width + px;
      const value = t.channels === 3
        ? `rgb(${fmt(t.data[3 * k])}, ${fmt(t.data[3 * k + 1])}, ${fmt(t.data[3 * k + 2])})`
        : fmt(t.data[k]);
      this.readout.textContent = `${t.label ?? `image ${i}`} [${py}, ${px}] = ${value}`;
      return;
    }
    this.readout.textContent = "\u00a0";
  }
}
