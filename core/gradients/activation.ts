// Gradients of softmax and log-softmax.
import { Tensor } from "../tensor";
import type { Gradient } from "../autograd";
import { isGradEnabled } from "../autograd";
import { kernels } from "../backend";
import type { FloatBuffer } from "../backend/kernels";
import { allocZeroed, handleOf } from "../storage";

/** The input seen as [outer, n, inner] around dim d. */
export interface SoftmaxSaved { d: number; outer: number; n: number; inner: number }

function softmaxGradient(log: boolean): Gradient<SoftmaxSaved> {
  return (g, { inputs: [input], out, saved: { d, outer, n, inner } }) => {
    if (isGradEnabled()) {
      // Recording during backward (createGraph): the same formulas in tensor ops, through out.
      const along = (t: Tensor) => (input.ndim === 0 ? t : t.sum(d, true));
      return [log ? g.sub(out.exp().mul(along(g))) : out.mul(g.sub(along(g.mul(out))))];
    }
    const dx = Tensor.wrap(allocZeroed(g.dtype, g.numel), g.shape.slice(), g.dtype);
    kernels().softmaxBackward(handleOf(out) as FloatBuffer, handleOf(g) as FloatBuffer, handleOf(dx) as FloatBuffer, outer, n, inner, log);
    return [dx];
  };
}

export const activationGradients = {
  softmax: softmaxGradient(false),
  logSoftmax: softmaxGradient(true),
};
