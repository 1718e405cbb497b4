// Sliding-window geometry shared by convolution and pooling: output sizes, and the
// check that a window and stride fit the input.
import { ShapeError, ValueError, describeValue } from "../errors";

export type Pair = number | [number, number];

export function pair(v: Pair | undefined, dflt: number, name: string, op: string, min = 0): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === "number" ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || p.some((x) => !Number.isInteger(x) || x < min)) {
    throw new ValueError(`${op}: ${name} must be ${min > 0 ? "a positive" : "a non-negative"} integer or a pair of them, got ${describeValue(v)}`);
  }
  return p;
}

export interface WindowOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  /** Round the output size up (pooling's ceil mode): the last window may hang over the end. */
  ceilMode?: boolean;
  /**
   * Let the windows stop short of the input's end, dropping what remains (PyTorch's silent
   * floor). By default gradlab refuses, since a window that does not fit is usually a mistake.
   */
  dropRemainder?: boolean;
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/**
 * The output size along one dimension, (N − F + 2P)/S + 1 with F the dilated window,
 * checking that the window fits: no more of the input may be left over at the end than
 * the stride skips between windows anyway.
 */
export function windowOutputSize(op: string, size: number, kernel: number, o: WindowOptions, axis = "input"): number {
  const stride = o.stride ?? 1;
  const padding = o.padding ?? 0;
  const dilation = o.dilation ?? 1;
  for (const [name, v, min] of [["size", size, 0], ["kernel size", kernel, 1], ["stride", stride, 1], ["padding", padding, 0], ["dilation", dilation, 1]] as const) {
    if (!Number.isInteger(v) || v < min) throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${describeValue(v)}`);
  }
  const extent = dilation * (kernel - 1) + 1;
  const padded = size + 2 * padding;
  if (extent > padded) {
    throw new ShapeError(`${op}: the window (${kernel}${dilation > 1 ? `, dilated to ${extent}` : ""}) is larger than the ` +
      `${axis} (${size}${padding ? ` + 2·${padding} padding = ${padded}` : ""})`);
  }
  const exact = (padded - extent) / stride + 1;
  if (o.ceilMode) {
    let out = Math.ceil((padded - extent) / stride) + 1;
    // The last window must start inside the input or its left padding (PyTorch's rule).
    if ((out - 1) * stride >= size + padding) out--;
    return out;
  }
  const out = Math.floor(exact);
  const lastEnd = (out - 1) * stride + extent;
  const leftOver = size + padding - lastEnd;
  if (leftOver > Math.max(0, stride - extent) && !o.dropRemainder) {
    throw new ShapeError(`${op}: a window of ${kernel} with stride ${stride} does not fit an ${axis} of ${size} with padding ${padding}: ` +
      `(N − F + 2P)/S + 1 = (${size} − ${extent} + 2·${padding})/${stride} + 1 = ${fmt(exact)} is not a whole number, ` +
      `so the last ${leftOver} ${axis === "input" ? "element" : axis.replace(/s$/, "")}${leftOver > 1 ? "s" : ""} would be ignored. ` +
      "Choose a stride or padding that fits, or pass { dropRemainder: true } to drop them as PyTorch does");
  }
  return out;
}

/**
 * The output size of a convolution or pooling window along one dimension, as the course
 * computes it: convOutputSize(200, 5) = 196; convOutputSize(7, 3, { stride: 3 }) throws.
 */
export function convOutputSize(inputSize: number, kernelSize: number, opts: WindowOptions = {}): number {
  return windowOutputSize("convOutputSize", inputSize, kernelSize, opts);
}
