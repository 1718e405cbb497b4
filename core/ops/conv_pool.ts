// conv2d then max pooling with 2x2 windows at stride 2, as one op: nn.Sequential runs its
// Conv2d → MaxPool2d(2) so, and Conv2d → ReLU → MaxPool2d(2) with `relu` (pooling before
// the ReLU: the max of rectified values is the rectified max, won by the same element).
// The values, winners and gradients are those of the ops one after the other; the
// convolution's output, which no gradient needs, is never stored, nor the unrectified max.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { Conv2dGeometry, FloatBuffer } from "../backend/kernels";
import { record } from "../autograd";
import { numel } from "../shape";
import { allocOut, handleOf, releaseStorage } from "../storage";
import { checkedGeometry, type Conv2dOptions } from "./conv";
import { pool2dGeometry } from "./window";

/**
 * conv2d(input (N, C, H, W), weight, bias, convOptions) pooled as maxPool2d({ kernelSize: 2,
 * dropRemainder }) would; with relu, rectified as relu() would.
 */
export function conv2dMaxPool2x2(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, convOptions: Conv2dOptions,
  dropRemainder?: boolean, relu = false): Tensor {
  const p = checkedGeometry("conv2d", input, weight, bias, convOptions);
  // As maxPool2d checks its input: an odd size is refused unless dropRemainder says floor.
  const q = pool2dGeometry("maxPool2d", {
    batch: p.batch, channels: p.outChannels, inHeight: p.outHeight, inWidth: p.outWidth, kernelHeight: 2, kernelWidth: 2,
    strideH: 2, strideW: 2, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1,
  }, { dropRemainder });
  const shape = [p.batch, p.outChannels, q.outHeight, q.outWidth];
  const out = Tensor.wrap(allocOut(input.dtype, numel(shape)), shape, input.dtype);
  const argmax = Tensor.wrap(allocOut("int32", out.numel), shape, "int32");
  kernels().conv2dMaxPool2x2(handleOf(input) as FloatBuffer, handleOf(weight) as FloatBuffer, handleOf(out) as FloatBuffer,
    handleOf(argmax) as Int32Array, p, bias ? handleOf(bias) as FloatBuffer : null, relu);
  // argmax is for the gradient alone: it goes back with the node (autograd.ts, Node.owned).
  return record("conv2dMaxPool2x2", bias ? [input, weight, bias] : [input, weight], out, { geometry: p, pool: q, argmax, relu }, [argmax]);
}

/**
 * conv2dMaxPool2x2's weight gradient, and its bias's where `withBias`, from the pooled
 * output's gradient g: the backend's kernel that skips the dense gradient, to its bits; null
 * where the backend has none for these arguments (then the caller makes the dense gradient).
 */
export function conv2dMaxPool2x2WeightGrad(x: Tensor, g: Tensor, argmax: Tensor, p: Conv2dGeometry, weightShape: number[],
  reluOut: Tensor | undefined, withBias: boolean): { dw: Tensor; dbias: Tensor | null } | null {
  const dw = Tensor.wrap(allocOut(x.dtype, numel(weightShape)), weightShape.slice(), x.dtype);
  const sums = withBias ? Tensor.wrap(allocOut(x.dtype, p.batch * p.outChannels), [p.batch, p.outChannels], x.dtype) : null;
  const done = kernels().conv2dMaxPool2x2BackwardWeight(handleOf(x) as FloatBuffer, handleOf(g) as FloatBuffer, handleOf(argmax) as Int32Array,
    handleOf(dw) as FloatBuffer, sums ? handleOf(sums) as FloatBuffer : null, p, reluOut ? handleOf(reluOut) as FloatBuffer : null);
  // The dense gradient's bias sum reduces each plane, then the images: the second step as it does.
  return done ? { dw, dbias: sums ? sums.sum(0) : null } : declined(dw, sums);
}

/** Declined: the outputs made for the kernel go back to the allocator now, not at a collection. */
function declined(...made: (Tensor | null)[]): null {
  for (const t of made) if (t) releaseStorage(t.storage);
  return null;
}

/**
 * conv2dMaxPool2x2's input and weight gradients, and its bias's where `withBias`, from the
 * pooled output's gradient g: the backend's kernel that makes the dense gradient an image at
 * a time in cache, to the bits of the dense one's; null where the backend has none for these
 * arguments (then the caller makes the dense gradient).
 */
export function conv2dMaxPool2x2Grads(x: Tensor, w: Tensor, g: Tensor, argmax: Tensor, p: Conv2dGeometry, reluOut: Tensor | undefined,
  withBias: boolean): { dx: Tensor; dw: Tensor; dbias: Tensor | null } | null {
  const dx = Tensor.wrap(allocOut(x.dtype, x.numel), x.shape.slice(), x.dtype);
  const dw = Tensor.wrap(allocOut(w.dtype, w.numel), w.shape.slice(), w.dtype);
  const sums = withBias ? Tensor.wrap(allocOut(x.dtype, p.batch * p.outChannels), [p.batch, p.outChannels], x.dtype) : null;
  const done = kernels().conv2dMaxPool2x2Backward(handleOf(x) as FloatBuffer, handleOf(w) as FloatBuffer, handleOf(g) as FloatBuffer,
    handleOf(argmax) as Int32Array, handleOf(dx) as FloatBuffer, handleOf(dw) as FloatBuffer, sums ? handleOf(sums) as FloatBuffer : null, p,
    reluOut ? handleOf(reluOut) as FloatBuffer : null);
  return done ? { dx, dw, dbias: sums ? sums.sum(0) : null } : declined(dx, dw, sums);
}
