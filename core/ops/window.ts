// Sliding-window geometry shared by convolution and pooling: output sizes, the check
// that a window and stride fit the input, and the named geometry objects the kernels take.
import { ShapeError, ValueError, describeValue } from "../errors";
import type { Conv2dGeometry, Pool2dGeometry } from "../backend/kernels";

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

/** The parameter each geometry field carries, in the words of the ops' options. */
const FIELD_WORDS: Record<string, string> = {
  batch: "the batch size", inChannels: "the input channels", channels: "the channels", inHeight: "the input height",
  inWidth: "the input width", outChannels: "the output channels", kernelHeight: "kernelSize (height)",
  kernelWidth: "kernelSize (width)", strideH: "stride (height)", strideW: "stride (width)", paddingH: "padding (height)",
  paddingW: "padding (width)", dilationH: "dilation (height)", dilationW: "dilation (width)", groups: "groups",
};

/** Throws unless every named field is an integer ≥ its minimum (1, or 0 for batch and padding). */
function requireIntegers(op: string, fields: Record<string, number>): void {
  for (const [name, v] of Object.entries(fields)) {
    const min = name === "batch" || name.startsWith("padding") ? 0 : 1;
    if (!Number.isInteger(v) || v < min) {
      throw new ValueError(`${op}: ${FIELD_WORDS[name] ?? name} must be an integer ≥ ${min}, got ${describeValue(v)}`);
    }
  }
}

/** A convolution's sizes and options, from which conv2dGeometry computes the output size. */
export type Conv2dSizes = Omit<Conv2dGeometry, "outHeight" | "outWidth">;

/**
 * The checked geometry of a 2-D convolution: every size an integer in range, groups
 * dividing both channel counts, and the output size from windowOutputSize (which refuses
 * windows that do not fit, unless dropRemainder).
 */
export function conv2dGeometry(op: string, s: Conv2dSizes, dropRemainder?: boolean): Conv2dGeometry {
  const { batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth, strideH, strideW, paddingH, paddingW,
    dilationH, dilationW, groups } = s;
  const sizes = { batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth, strideH, strideW, paddingH,
    paddingW, dilationH, dilationW, groups };
  requireIntegers(op, sizes);
  if (inChannels % groups !== 0 || outChannels % groups !== 0) {
    throw new ShapeError(`${op}: groups (${groups}) must divide both the input channels (${inChannels}) and the output channels (${outChannels})`);
  }
  const outHeight = windowOutputSize(op, inHeight, kernelHeight, { stride: strideH, padding: paddingH, dilation: dilationH, dropRemainder }, "rows");
  const outWidth = windowOutputSize(op, inWidth, kernelWidth, { stride: strideW, padding: paddingW, dilation: dilationW, dropRemainder }, "columns");
  return Object.freeze({ ...sizes, outHeight, outWidth });
}

/** A pooling's sizes and options, from which pool2dGeometry computes the output size. */
export type Pool2dSizes = Omit<Pool2dGeometry, "outHeight" | "outWidth">;

/**
 * The checked geometry of a 2-D pooling: every size an integer in range, padding at most
 * half the window, and the output size from windowOutputSize (ceil mode as PyTorch's).
 */
export function pool2dGeometry(op: string, s: Pool2dSizes, o: { ceilMode?: boolean; dropRemainder?: boolean } = {}): Pool2dGeometry {
  const { batch, channels, inHeight, inWidth, kernelHeight, kernelWidth, strideH, strideW, paddingH, paddingW, dilationH, dilationW } = s;
  const sizes = { batch, channels, inHeight, inWidth, kernelHeight, kernelWidth, strideH, strideW, paddingH, paddingW, dilationH, dilationW };
  requireIntegers(op, sizes);
  if (paddingH > kernelHeight / 2 || paddingW > kernelWidth / 2) {
    throw new ValueError(`${op}: padding (${paddingH}, ${paddingW}) must be at most half the window (${kernelHeight}×${kernelWidth})`);
  }
  const window = (stride: number, padding: number, dilation: number) => ({ stride, padding, dilation, ceilMode: o.ceilMode, dropRemainder: o.dropRemainder });
  const outHeight = windowOutputSize(op, inHeight, kernelHeight, window(strideH, paddingH, dilationH), "rows");
  const outWidth = windowOutputSize(op, inWidth, kernelWidth, window(strideW, paddingW, dilationW), "columns");
  return Object.freeze({ batch, channels, inHeight, inWidth, outHeight, outWidth, kernelHeight, kernelWidth, strideH, strideW,
    paddingH, paddingW, dilationH, dilationW });
}

/**
 * The pooling of a convolution's output with 2x2 windows at stride 2 (the CNN's usual
 * MaxPool2d(2) after Conv2d): floor(OH/2) × floor(OW/2) per plane.
 */
export function pool2x2Geometry(p: Conv2dGeometry): Pool2dGeometry {
  return Object.freeze({ batch: p.batch, channels: p.outChannels, inHeight: p.outHeight, inWidth: p.outWidth,
    outHeight: Math.floor(p.outHeight / 2), outWidth: Math.floor(p.outWidth / 2), kernelHeight: 2, kernelWidth: 2,
    strideH: 2, strideW: 2, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1 });
}
