// Max, average and sum pooling over 2-D windows.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { FloatBuffer, Pool2dGeometry } from "../backend/kernels";
import { record } from "../autograd";
import { numel } from "../shape";
import { ShapeError, ValueError, fmtShape } from "../errors";
import { requireFloat } from "./elementwise";
import { pair, pool2dGeometry, type Pair } from "./window";
import { allocOut, handleOf } from "../storage";

export interface Pool2dOptions {
  kernelSize: Pair;
  /** Defaults to kernelSize (non-overlapping windows). */
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  dropRemainder?: boolean;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** Divide by the whole window, padding included (PyTorch's default), rather than by its in-bounds part. */
  countIncludePad?: boolean;
}

function geometry(x: Tensor, o: Pool2dOptions, op: string): { params: Pool2dGeometry; shape: number[]; unbatched: boolean } {
  if (!o || o.kernelSize === undefined) throw new ValueError(`${op}: give { kernelSize } (e.g. { kernelSize: 2 })`);
  requireFloat(x, op);
  const unbatched = x.ndim === 3;
  if (x.ndim !== 4 && !unbatched) throw new ShapeError(`${op}: expected input of shape (N, C, H, W) or (C, H, W), got ${fmtShape(x.shape)}`);
  const [N, C, H, W] = unbatched ? [1, ...x.shape] : x.shape;
  if (H < 1 || W < 1) throw new ShapeError(`${op}: the input's height and width must be at least 1, got shape ${fmtShape(x.shape)}`);
  const [KH, KW] = pair(o.kernelSize, 1, "kernelSize", op, 1);
  const [sH, sW] = pair(o.stride ?? o.kernelSize, 1, "stride", op, 1);
  const [pH, pW] = pair(o.padding, 0, "padding", op);
  const [dH, dW] = pair(o.dilation, 1, "dilation", op, 1);
  const params = pool2dGeometry(op, {
    batch: N, channels: C, inHeight: H, inWidth: W, kernelHeight: KH, kernelWidth: KW,
    strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW,
  }, { ceilMode: o.ceilMode, dropRemainder: o.dropRemainder });
  const shape = unbatched ? [C, params.outHeight, params.outWidth] : [N, C, params.outHeight, params.outWidth];
  return { params, shape, unbatched };
}

/** The maximum of each window; the gradient goes to each window's winner. */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const { params, shape } = geometry(x, opts, "maxPool2d");
  const out = Tensor.wrap(allocOut(x.dtype, numel(shape)), shape, x.dtype);
  const argmax = Tensor.wrap(allocOut("int32", out.numel), shape, "int32");
  kernels().maxPool2d(handleOf(x) as FloatBuffer, handleOf(out) as FloatBuffer, handleOf(argmax) as Int32Array, params);
  // argmax is for the gradient alone: it goes back with the node (autograd.ts, Node.owned).
  return record("maxPool2d", [x], out, { geometry: params, argmax }, [argmax]);
}

/** The mean of each window. */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  const { params, shape } = geometry(x, opts, "avgPool2d");
  if ((opts.dilation ?? 1) !== 1) throw new ValueError("avgPool2d: dilation is not supported (as in PyTorch)");
  const include = opts.countIncludePad ?? true;
  return avgPoolRaw(x, params, include, shape);
}

// Average pooling is linear, and its backward kernel is its adjoint: each is recorded as a
// primitive whose gradient is the other (core/gradients/pooling.ts).
export function avgPoolRaw(x: Tensor, params: Pool2dGeometry, include: boolean, shape: number[]): Tensor {
  const out = Tensor.wrap(allocOut(x.dtype, numel(shape)), shape, x.dtype);
  kernels().avgPool2d(handleOf(x) as FloatBuffer, handleOf(out) as FloatBuffer, params, include);
  return record("avgPool2d", [x], out, { geometry: params, countIncludePad: include });
}

export function avgPoolBackwardRaw(g: Tensor, params: Pool2dGeometry, include: boolean, xShape: number[]): Tensor {
  const dx = Tensor.wrap(allocOut(g.dtype, numel(xShape)), xShape.slice(), g.dtype);
  kernels().avgPool2dBackward(handleOf(g) as FloatBuffer, handleOf(dx) as FloatBuffer, params, include);
  return record("avgPool2dBackward", [g], dx, { geometry: params, countIncludePad: include });
}

/** The sum of each window (the course's sum pooling): average pooling times the window's area. */
export function sumPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  if (opts.ceilMode) throw new ValueError("sumPool2d: ceilMode is not supported (the last windows would be partial)");
  const [KH, KW] = pair(opts.kernelSize, 1, "kernelSize", "sumPool2d", 1);
  return avgPool2d(x, { ...opts, countIncludePad: true }).mul(KH * KW);
}
