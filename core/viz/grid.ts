// torchvision.utils.make_grid, with its semantics kept exactly (layout, padding, the
// single-image case, normalize / value_range / scale_each), so a grid drawn here
// matches the one the course shows from PyTorch.
import { Tensor } from "../tensor";
import { fromBuffer } from "../ops/creation";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";

export interface GridOptions {
  /** Images per row (torchvision's nrow, default 8). */
  nrow?: number;
  /** Pixels between images and around the grid (default 2). */
  padding?: number;
  /** The value of the padding pixels (default 0). */
  padValue?: number;
  /** Shift and scale values into [0, 1] (by valueRange, else by the min and max). */
  normalize?: boolean;
  /** [low, high] for normalize; values outside are clamped. */
  valueRange?: [number, number];
  /** Normalise each image by its own min and max instead of the whole batch's. */
  scaleEach?: boolean;
}

/** Where the tiles of a grid go: xmaps × ymaps cells of (h + padding) × (w + padding), plus a border. */
export function gridGeometry(n: number, h: number, w: number, nrow: number, padding: number) {
  const xmaps = Math.min(nrow, n);
  const ymaps = Math.ceil(n / xmaps);
  return { xmaps, ymaps, height: ymaps * (h + padding) + padding, width: xmaps * (w + padding) + padding,
    origin: (k: number) => ({ y: Math.floor(k / xmaps) * (h + padding) + padding, x: (k % xmaps) * (w + padding) + padding }) };
}

export function checkGridOptions(o: GridOptions, op: string): void {
  if (o.nrow !== undefined && !(Number.isInteger(o.nrow) && o.nrow >= 1)) throw new ValueError(`${op}: nrow must be a positive integer, got ${describeValue(o.nrow)}`);
  if (o.padding !== undefined && !(Number.isInteger(o.padding) && o.padding >= 0)) throw new ValueError(`${op}: padding must be a non-negative integer, got ${describeValue(o.padding)}`);
  if (o.valueRange !== undefined && !(Array.isArray(o.valueRange) && o.valueRange.length === 2 && Number.isFinite(o.valueRange[0]) && Number.isFinite(o.valueRange[1]) && o.valueRange[0] < o.valueRange[1])) {
    throw new ValueError(`${op}: valueRange must be [low, high] with low < high, got ${JSON.stringify(o.valueRange)}`);
  }
}

/** Clamps to [lo, hi] then maps to [0, 1], in place (torchvision's norm_ip, with its 1e-5 floor). */
function normIp(d: Float32Array, lo: number, hi: number): void {
  const s = Math.max(hi - lo, 1e-5);
  for (let i = 0; i < d.length; i++) d[i] = (Math.min(hi, Math.max(lo, d[i])) - lo) / s;
}

function minMax(d: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.length; i++) { if (d[i] < lo) lo = d[i]; if (d[i] > hi) hi = d[i]; }
  return [lo, hi];
}

/**
 * Arranges a batch (B, C, H, W) — or one image (C, H, W) or (H, W) — into one image
 * (3 or C, rows, cols), as torchvision's make_grid: one-channel images become three
 * grey channels, and a single image is returned without padding.
 */
export function makeGrid(t: Tensor, opts: GridOptions = {}): Tensor {
  checkGridOptions(opts, "makeGrid");
  const { nrow = 8, padding = 2, padValue = 0, normalize = false, valueRange, scaleEach = false } = opts;
  let shape = t.shape.slice();
  let data = Float32Array.from(t.dataSync() as ArrayLike<number>);
  if (shape.length === 2) shape = [1, ...shape];
  if (shape.length === 3) {
    if (shape[0] === 1) { data = repeatChannels(data, 1, shape[1] * shape[2]); shape = [3, shape[1], shape[2]]; }
    shape = [1, ...shape];
  }
  if (shape.length !== 4) throw new ShapeError(`makeGrid: expected images (B, C, H, W), (C, H, W) or (H, W), got ${fmtShape(t.shape)}`);
  let [B, C, H, W] = shape;
  if (C === 1) { data = repeatChannels(data, B, H * W); C = 3; }
  if (normalize) {
    const per = C * H * W;
    const norm = (d: Float32Array) => { const [lo, hi] = valueRange ?? minMax(d); normIp(d, lo, hi); };
    if (scaleEach) for (let b = 0; b < B; b++) norm(data.subarray(b * per, (b + 1) * per));
    else norm(data);
  }
  if (B === 1) return fromBuffer(data, [C, H, W]);
  const g = gridGeometry(B, H, W, nrow, padding);
  const out = new Float32Array(C * g.height * g.width).fill(padValue);
  for (let k = 0; k < B; k++) {
    const { x, y } = g.origin(k);
    for (let c = 0; c < C; c++) {
      for (let r = 0; r < H; r++) {
        const src = ((k * C + c) * H + r) * W;
        out.set(data.subarray(src, src + W), (c * g.height + y + r) * g.width + x);
      }
    }
  }
  return fromBuffer(out, [C, g.height, g.width]);
}

/** (B, 1, n) → (B, 3, n): the grey channel three times, as torch.cat((t, t, t), 1). */
function repeatChannels(d: Float32Array, B: number, n: number): Float32Array {
  const out = new Float32Array(B * 3 * n);
  for (let b = 0; b < B; b++) for (let c = 0; c < 3; c++) out.set(d.subarray(b * n, (b + 1) * n), (b * 3 + c) * n);
  return out;
}
