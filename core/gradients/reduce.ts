// Gradients of the reductions.
import type { Tensor } from "../tensor";
import type { Gradient } from "../autograd";
import { where } from "../ops/elementwise";
import { scatterAddRaw } from "../ops/movement";

/** The reduced dims, and the input's shape with them kept as size 1. */
export interface ReduceSaved { kept: number[] }
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
  sum: ((g, { inputs: [x], saved: { kept } }) => [g.reshape(kept).expand(x.shape)]) as Gradient<ReduceSaved>,
  // d prod / dx_i = prod / x_i (exact where no x_i is zero, which is the common case).
  prod: ((g, { inputs: [x], out, saved: { kept } }) => [g.reshape(kept).mul(out.reshape(kept)).div(x)]) as Gradient<ReduceSaved>,
  max: overAll,
  min: overAll,
  maxAlongDim: alongDim,
  minAlongDim: alongDim,
};
