// A histogram drawn on a small canvas: cheap enough for dozens of small multiples
// in one output, where a plotly figure each would be slow.
import { themeColour } from "./theme";

/** Bin edges and counts, as the payloads carry them. */
export interface Histogram { edges: number[]; counts: number[] }

export interface BarOptions {
  width?: number; height?: number;
  /** shared axes: the x range and the largest count to scale to. */
  xRange?: [number, number]; yMax?: number;
  color?: string;
}

/** Draws the histogram's bars into canvas (which it resizes), with a zero line when 0 is in range. */
export function drawHistogram(canvas: HTMLCanvasElement, h: Histogram, o: BarOptions = {}): void {
  const w = o.width ?? 220, ht = o.height ?? 90;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr); canvas.height = Math.round(ht * dpr);
  canvas.style.width = `${w}px`; canvas.style.height = `${ht}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx || h.counts.length === 0) return;
  ctx.scale(dpr, dpr);
  const lo = o.xRange?.[0] ?? h.edges[0], hi = o.xRange?.[1] ?? h.edges[h.edges.length - 1];
  const span = hi - lo || 1;
  // A bin far above all others (a ReLU layer's exact zeros) is clipped, so the rest of
  // the distribution stays readable; the clipped bar gets a dark cap.
  let first = -Infinity, second = -Infinity;
  for (const c of h.counts) { if (c > first) { second = first; first = c; } else if (c > second) second = c; }
  const spike = o.yMax === undefined && h.counts.length > 1 && first > 3 * second ? first : Infinity;
  const yMax = o.yMax ?? Math.max(1, spike === Infinity ? first : second * 1.15);
  const x = (v: number) => ((v - lo) / span) * (w - 2) + 1;
  // Background, zero line and frame in the theme's colours; the bars keep theirs.
  const ink = themeColour("--jp-ui-font-color1", "#222"), muted = themeColour("--jp-ui-font-color3", "#888");
  ctx.fillStyle = themeColour("--jp-layout-color1", "#fafafa");
  ctx.fillRect(0, 0, w, ht);
  ctx.fillStyle = o.color ?? "#1f77b4";
  for (let i = 0; i < h.counts.length; i++) {
    const x0 = x(h.edges[i]), x1 = x(h.edges[i + 1]);
    const bh = (Math.min(h.counts[i], yMax) / yMax) * (ht - 4);
    ctx.fillRect(x0, ht - 1 - bh, Math.max(1, x1 - x0 - 0.5), bh);
    if (h.counts[i] === spike) {
      ctx.save();
      ctx.fillStyle = ink;
      ctx.fillRect(x0, ht - 1 - bh, Math.max(3, x1 - x0 - 0.5), 3);
      ctx.restore();
    }
  }
  if (lo < 0 && hi > 0) {
    ctx.strokeStyle = muted;
    ctx.beginPath(); ctx.moveTo(x(0), 0); ctx.lineTo(x(0), ht); ctx.stroke();
  }
  ctx.strokeStyle = themeColour("--jp-border-color2", "#ccc");
  ctx.strokeRect(0.5, 0.5, w - 1, ht - 1);
}
