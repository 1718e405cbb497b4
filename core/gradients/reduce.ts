// Gradients of the reductions.
import type { Tensor } from "../tensor";
import type { Gradient } from "../autograd";
import { where } from "../ops/elementwise";
import { scatterAddRaw } from "../ops/movement";
import { keptShape } from "../ops/reduce";

/** The reduced dims. */
export interface ReduceSaved { dims: number[] }
/** max or min along dim d: the winners' indices (int32, in the kept shape). */
export interface AlongSaved { d: number; kept: number[]; indices: Tensor }

/** The gradient goes to each winner: a scatter, whose own gradient is a gather (so differentiable again). */
const alongDim: Gradient<AlongSaved> = (g, { inputs: [x], saved: { d, kept, indices } }) => {
  const srcShape = x.ndim === 0 ? [1] : x.shape;
  return [scatterAddRaw(g.reshape(kept), srcShape, d, indices).reshape(x.shape)];
};

/** The max (or min) of everything: its gradient shared equally among ties, as in PyTorch. */
const overAll: Gradient = (g, { inputs: [x], out }) => {
  const mask = x.eq(out.detach());
  return [where(mask, g.div(mask.sum()), 0)];
};

export const reduceGradients = {
  sum: ((g, { inputs, saved: { dims } }) => [g.reshape(keptShape(inputs[0].shape, dims)).expand(inputs[0].shape)]) as Gradient<ReduceSaved>,
  // d prod / dx_i = prod / x_i (exact where no x_i is zero, which is the common case).
  prod: ((g, { inputs: [x], out, saved: { dims } }) => {
    const kept = keptShape(x.shape, dims);
    return [g.reshape(kept).mul(out.reshape(kept)).div(x)];
  }) as Gradient<ReduceSaved>,
  max: overAll,
  min: overAll,
  maxAlongDim: alongDim,
  minAlongDim: alongDim,
};
