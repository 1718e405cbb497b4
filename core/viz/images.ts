// Image grids (weights, filters, imshow): the payload for the extension and a PNG
// fallback laid out as make_grid lays it out, enlarged so small tiles stay visible.
import { VizObject } from "./base";
import { MIME, type ImagesPayload } from "./schema";
import { gridGeometry } from "./grid";
import { diverging, gray } from "./colormap";
import { encodePNG } from "./png";

/** The raster of a payload: tiles coloured and placed in their grid, padding in grey padValue. */
export function renderImages(p: ImagesPayload): { width: number; height: number; rgb: Uint8Array } {
  let h = 0, w = 0;
  for (const t of p.tiles) { if (t.height > h) h = t.height; if (t.width > w) w = t.width; }
  const padding = p.tiles.length === 1 ? 0 : p.padding; // make_grid returns one image unpadded
  const g = gridGeometry(p.tiles.length, h, w, p.nrow, padding);
  const rgb = new Uint8Array(g.width * g.height * 3).fill(Math.round(255 * Math.min(1, Math.max(0, p.padValue))));
  p.tiles.forEach((tile, k) => {
    const { x, y } = g.origin(k);
    const [lo, hi] = p.scaleEach ? tile.range : p.valueRange;
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    const colour = (v: number) => (p.colormap === "diverging" ? diverging(0.5 + v / (2 * m)) : gray((v - lo) / Math.max(hi - lo, 1e-5)));
    for (let r = 0; r < tile.height; r++) {
      for (let c = 0; c < tile.width; c++) {
        const o = ((y + r) * g.width + x + c) * 3;
        const i = r * tile.width + c;
        if (tile.channels === 3) {
          for (let ch = 0; ch < 3; ch++) rgb[o + ch] = Math.round(255 * Math.min(1, Math.max(0, tile.data[i * 3 + ch])));
        } else {
          const [R, G, B] = colour(tile.data[i]);
          rgb[o] = R; rgb[o + 1] = G; rgb[o + 2] = B;
        }
      }
    }
  });
  return { width: g.width, height: g.height, rgb };
}

/** Enlarges by an integer factor (nearest neighbour): pixels stay crisp. */
export function upscale(img: { width: number; height: number; rgb: Uint8Array }, k: number) {
  if (k === 1) return img;
  const W = img.width * k, H = img.height * k;
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const sy = Math.floor(y / k);
    for (let x = 0; x < W; x++) {
      const s = (sy * img.width + Math.floor(x / k)) * 3, d = (y * W + x) * 3;
      out[d] = img.rgb[s]; out[d + 1] = img.rgb[s + 1]; out[d + 2] = img.rgb[s + 2];
    }
  }
  return { width: W, height: H, rgb: out };
}

export class ImagesViz extends VizObject<ImagesPayload> {
  readonly mime = MIME.images;
  constructor(private readonly p: ImagesPayload, private readonly note = "") { super(); }
  payload(): ImagesPayload { return this.p; }
  /** The PNG bytes of the fallback. */
  png(): Buffer {
    const img = renderImages(this.p);
    // About 600–900 px across, at most 12× (a 3×3 filter becomes a readable 36 px block).
    const k = Math.max(1, Math.min(12, Math.round(720 / Math.max(img.width, img.height))));
    const big = upscale(img, k);
    return encodePNG(big.width, big.height, big.rgb);
  }
  fallback(): [string, string] { return ["image/png", this.png().toString("base64")]; }
  text(): string {
    const t = this.p.tiles;
    const scale = this.p.colormap === "diverging" ? `diverging colour scale centred at 0, ±${Math.max(Math.abs(this.p.valueRange[0]), Math.abs(this.p.valueRange[1])).toPrecision(3)}` : `grey over [${this.p.valueRange.map((v) => v.toPrecision(3)).join(", ")}]`;
    const labels = t.some((x) => x.label) ? `: ${t.slice(0, 10).map((x) => x.label).join(", ")}${t.length > 10 ? ", …" : ""}` : "";
    return `${this.p.title ? this.p.title + " — " : ""}${t.length} image${t.length === 1 ? "" : "s"} of ${t[0]?.height ?? 0}×${t[0]?.width ?? 0}` +
      `${t[0]?.channels === 3 ? " RGB" : ""}, ${this.p.nrow} per row, ${scale}${labels}${this.note}`;
  }
}
