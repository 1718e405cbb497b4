// Gradients of convolution. It is bilinear in (input, weight), and so are its two
// backward kernels: each of the three has the other two as its gradients, so conv2d is
// differentiable to any order (gradients of gradients record these nodes only under createGraph).
import type { Gradient } from "../autograd";
import { isGradEnabled, wantsGrad } from "../autograd";
import type { Conv2dGeometry, Pool2dGeometry } from "../backend/kernels";
import type { Tensor } from "../tensor";
import { toWinners } from "./pooling";
import { convForward, convInputGrad, convWeightGrad } from "../ops/conv";
import { conv2dMaxPool2x2Grads, conv2dMaxPool2x2WeightGrad } from "../ops/conv_pool";

export interface ConvSaved { geometry: Conv2dGeometry }

/** conv2d (x, w, bias?): the two backward kernels, and the bias's gradient summed over batch and positions. */
const conv2dGradient = ((g, { inputs: [x, w, bias], saved: { geometry: p } }) => {
  const dx = wantsGrad(x) ? convInputGrad(g, w, p, x.shape) : null;
  const dw = wantsGrad(w) ? convWeightGrad(x, g, p, w.shape) : null;
  return bias ? [dx, dw, wantsGrad(bias) ? g.sum([0, 2, 3]) : null] : [dx, dw];
}) as Gradient<ConvSaved>;

export const convGradients = {
  conv2d: conv2dGradient,
  /** conv2dMaxPool2x2 (x, w, bias?): g through relu's gradient (with relu), to the pooling's winners, then conv2d's gradients. */
  conv2dMaxPool2x2: ((g, { inputs, out, saved: { geometry: p, pool, argmax, relu } }) => {
    const [x, w, bias] = inputs;
    // The input needs no gradient (a first layer) and none is recorded: the weight's and
    // bias's straight from g, where the backend can, without the dense gradient.
    if (!wantsGrad(x) && wantsGrad(w) && !isGradEnabled()) {
      const r = conv2dMaxPool2x2WeightGrad(x, g, argmax, p, w.shape, relu ? out : undefined, !!bias && wantsGrad(bias));
      if (r) return bias ? [null, r.dw, r.dbias] : [null, r.dw];
    }
    // Both: the dense gradient an image at a time in cache, where the backend can.
    if (wantsGrad(x) && wantsGrad(w) && !isGradEnabled()) {
      const r = conv2dMaxPool2x2Grads(x, w, g, argmax, p, relu ? out : undefined, !!bias && wantsGrad(bias));
      if (r) return bias ? [r.dx, r.dw, r.dbias] : [r.dx, r.dw];
    }
    const gc = toWinners(g, argmax, pool, [p.batch, p.outChannels, p.outHeight, p.outWidth], relu ? out : undefined);
    return conv2dGradient(gc, { inputs, out: gc, saved: { geometry: p } });
  }) as Gradient<ConvSaved & { pool: Pool2dGeometry; argmax: Tensor; relu?: boolean }>,
  /** conv2dBackwardInput (dy, w) → dx. */
  conv2dBackwardInput: ((gg, { inputs: [g, w], saved: { geometry: p } }) => [
    wantsGrad(g) ? convForward(gg, w, p, g.shape) : null,
    wantsGrad(w) ? convWeightGrad(gg, g, p, w.shape) : null,
  ]) as Gradient<ConvSaved>,
  /** conv2dBackwardWeight (x, dy) → dw. */
  conv2dBackwardWeight: ((gg, { inputs: [x, g], saved: { geometry: p } }) => [
    wantsGrad(x) ? convInputGrad(g, gg, p, x.shape) : null,
    wantsGrad(g) ? convForward(x, gg, p, g.shape) : null,
  ]) as Gradient<ConvSaved>,
};

