// 2-D convolution (cross-correlation, as PyTorch) with stride, padding, dilation and
// groups; its gradients are the two backward kernels.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { Conv2dGeometry, FloatBuffer } from "../backend/kernels";
import { isFloat } from "../dtype";
import { record } from "../autograd";
import { numel } from "../shape";
import { ShapeError, DTypeError, ValueError, fmtShape, describeValue } from "../errors";
import { requireTensor, optionsArg } from "./creation";
import { conv2dGeometry, pair, type Pair } from "./window";
import { allocOut, handleOf } from "../storage";

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding on each side, or "valid" (none) or "same" (output as large as the input; stride 1). */
  padding?: Pair | "valid" | "same";
  dilation?: Pair;
  groups?: number;
  /** Allow windows that stop short of the input's end (PyTorch's silent floor); see convOutputSize. */
  dropRemainder?: boolean;
}

/**
 * conv2d(input (N, C, H, W) or (C, H, W), weight (OC, C/groups, KH, KW), bias (OC)?)
 * → (N, OC, OH, OW), OH = (H + 2·padH − dilH·(KH−1) − 1)/strideH + 1.
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const op = "conv2d";
  const opts = optionsArg<Conv2dOptions>(options, op);
  requireTensor(input, op, "input");
  requireTensor(weight, op, "weight");
  if (input.ndim === 3) return conv2d(input.unsqueeze(0), weight, bias, opts).squeeze(0);
  if (input.ndim !== 4) throw new ShapeError(`conv2d: expected input of shape (N, C, H, W) or (C, H, W), got ${fmtShape(input.shape)}`);
  if (weight.ndim !== 4) throw new ShapeError(`conv2d: expected weight of shape (outChannels, inChannels/groups, KH, KW), got ${fmtShape(weight.shape)}`);
  const p = checkedGeometry(op, input, weight, bias, opts);
  const shape = [p.batch, p.outChannels, p.outHeight, p.outWidth];
  const out = Tensor.wrap(allocOut(input.dtype, numel(shape)), shape, input.dtype);
  // The bias is added by the kernel to each sum as it is stored: no second pass over the output.
  kernels().conv2d(handleOf(input) as FloatBuffer, handleOf(weight) as FloatBuffer, handleOf(out) as FloatBuffer, p,
    bias ? handleOf(bias) as FloatBuffer : null);
  return record("conv2d", bias ? [input, weight, bias] : [input, weight], out, { geometry: p });
}

/**
 * The geometry of conv2d(input (N, C, H, W), weight, bias), every argument checked, with
 * errors in conv2d's terms (`op` names the caller).
 */
export function checkedGeometry(op: string, input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: Conv2dOptions): Conv2dGeometry {
  if (!isFloat(input.dtype)) throw new DTypeError(`conv2d: expected a floating-point input, got ${input.dtype} (convert with .float())`);
  if (input.dtype !== weight.dtype) throw new DTypeError(`conv2d: input is ${input.dtype} but weight is ${weight.dtype}; they must match`);
  const [N, C, H, W] = input.shape;
  const [OC, Cg, KH, KW] = weight.shape;
  if (C < 1 || H < 1 || W < 1) throw new ShapeError(`conv2d: the input's channels, height and width must be at least 1, got shape ${fmtShape(input.shape)}`);
  if (OC < 1) throw new ShapeError(`conv2d: the weight must have at least one output channel, got shape ${fmtShape(weight.shape)}`);
  const groups = opts.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new ValueError(`conv2d: groups must be a positive integer, got ${describeValue(groups)}`);
  if (C % groups !== 0 || OC % groups !== 0) {
    throw new ShapeError(`conv2d: groups (${groups}) must divide both the input channels (${C}) and the output channels (${OC})`);
  }
  if (Cg * groups !== C) {
    throw new ShapeError(`conv2d: weight ${fmtShape(weight.shape)} expects ${Cg * groups} input channels but the input ` +
      `${fmtShape(input.shape)} has ${C}`);
  }
  const [sH, sW] = pair(opts.stride, 1, "stride", op, 1);
  const [dH, dW] = pair(opts.dilation, 1, "dilation", op, 1);
  let pH: number, pW: number;
  if (opts.padding === "valid") [pH, pW] = [0, 0];
  else if (opts.padding === "same") {
    if (sH !== 1 || sW !== 1) throw new ValueError("conv2d: padding \"same\" needs stride 1");
    const eH = dH * (KH - 1), eW = dW * (KW - 1);
    if (eH % 2 || eW % 2) throw new ValueError(`conv2d: padding "same" needs an odd window; ${KH}×${KW} would need uneven padding`);
    [pH, pW] = [eH / 2, eW / 2];
  } else [pH, pW] = pair(opts.padding, 0, "padding", op);
  const p = conv2dGeometry(op, {
    batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW,
    strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW, groups,
  }, opts.dropRemainder);
  if (bias) {
    if (!(bias instanceof Tensor)) throw new TypeError("conv2d: bias must be a tensor or null");
    if (bias.ndim !== 1 || bias.shape[0] !== OC) {
      throw new ShapeError(`conv2d: bias must have shape [${OC}] (one per output channel), got ${fmtShape(bias.shape)}`);
    }
    if (bias.dtype !== input.dtype) throw new DTypeError(`conv2d: bias is ${bias.dtype} but input is ${input.dtype}; they must match`);
  }
  return p;
}

// Convolution is bilinear in (input, weight), and so are its two backward kernels: each of
// the three is recorded as a primitive whose gradients are the other two
// (core/gradients/conv.ts), so conv2d is differentiable to any order.

/** conv2d without bias, recorded. */
export function convForward(x: Tensor, w: Tensor, p: Conv2dGeometry, shape: number[]): Tensor {
  const out = Tensor.wrap(allocOut(x.dtype, numel(shape)), shape, x.dtype);
  kernels().conv2d(handleOf(x) as FloatBuffer, handleOf(w) as FloatBuffer, handleOf(out) as FloatBuffer, p);
  return record("conv2d", [x, w], out, { geometry: p });
}

/** The gradient of conv2d's input: the transposed convolution of g with w. */
export function convInputGrad(g: Tensor, w: Tensor, p: Conv2dGeometry, xShape: number[]): Tensor {
  const dx = Tensor.wrap(allocOut(g.dtype, numel(xShape)), xShape.slice(), g.dtype);
  kernels().conv2dBackwardInput(handleOf(g) as FloatBuffer, handleOf(w) as FloatBuffer, handleOf(dx) as FloatBuffer, p);
  return record("conv2dBackwardInput", [g, w], dx, { geometry: p });
}

/** The gradient of conv2d's weight: the correlation of the input x with g. */
export function convWeightGrad(x: Tensor, g: Tensor, p: Conv2dGeometry, wShape: number[]): Tensor {
  const dw = Tensor.wrap(allocOut(g.dtype, numel(wShape)), wShape.slice(), g.dtype);
  kernels().conv2dBackwardWeight(handleOf(x) as FloatBuffer, handleOf(g) as FloatBuffer, handleOf(dw) as FloatBuffer, p);
  return record("conv2dBackwardWeight", [x, g], dw, { geometry: p });
}
