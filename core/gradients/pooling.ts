// Gradients of pooling. Average pooling is linear and its backward kernel is its adjoint:
// each has the other as its gradient, so it is differentiable to any order.
import type { Gradient } from "../autograd";
import { isGradEnabled } from "../autograd";
import { kernels } from "../backend";
import type { FloatBuffer, Pool2dGeometry } from "../backend/kernels";
import { Tensor } from "../tensor";
import { allocOut, handleOf } from "../storage";
import { numel } from "../shape";
import { scatterAddRaw } from "../ops/movement";
import { where } from "../ops/elementwise";
import { avgPoolBackwardRaw, avgPoolRaw } from "../ops/pooling";

export interface AvgPoolSaved { geometry: Pool2dGeometry; countIncludePad: boolean }

/**
 * Max pooling's gradient: g goes to each window's winner (argmax, a flat index into its input
 * plane of xShape). With reluOut (relu's output over the pooling's), g first goes through
 * relu's gradient: g where reluOut > 0, else 0.
 */
export function toWinners(g: Tensor, argmax: Tensor, p: Pool2dGeometry, xShape: number[], reluOut?: Tensor): Tensor {
  if (isGradEnabled()) {
    // As relu's own gradient records it (gradients/elementwise.ts): reluOut > 0 where its input is.
    if (reluOut) g = where(reluOut.gt(0), g, 0);
    // Recording during backward (createGraph): the routing as a scatter over each (n, c) plane,
    // whose gradient (a gather at the same winners) makes it differentiable again.
    const planes = p.batch * p.channels, outArea = p.outHeight * p.outWidth;
    const idx = argmax.reshape([planes, outArea]);
    return scatterAddRaw(g.reshape([planes, outArea]), [planes, p.inHeight * p.inWidth], 1, idx).reshape(xShape);
  }
  const dx = Tensor.wrap(allocOut(g.dtype, numel(xShape)), xShape.slice(), g.dtype);
  kernels().maxPool2dBackward(handleOf(g) as FloatBuffer, handleOf(argmax) as Int32Array, handleOf(dx) as FloatBuffer, p,
    reluOut ? handleOf(reluOut) as FloatBuffer : null);
  return dx;
}

export const poolingGradients = {
  /** maxPool2d: g goes to each window's winner. */
  maxPool2d: ((g, { inputs: [x], saved: { geometry: p, argmax } }) => [toWinners(g, argmax, p, x.shape)]) as
    Gradient<{ geometry: Pool2dGeometry; argmax: Tensor }>,
  avgPool2d: ((g, { inputs: [x], saved: { geometry, countIncludePad } }) =>
    [avgPoolBackwardRaw(g, geometry, countIncludePad, x.shape)]) as Gradient<AvgPoolSaved>,
  avgPool2dBackward: ((gg, { inputs: [g], saved: { geometry, countIncludePad } }) =>
    [avgPoolRaw(gg, geometry, countIncludePad, g.shape)]) as Gradient<AvgPoolSaved>,
};
