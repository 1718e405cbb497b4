// Gradients of the movement primitives: reshapes and copies route g back unchanged in
// value; each strided view, selection and gather has its adjoint (a scatter) as its
// gradient, and the adjoint has the view again, so all are differentiable to any order.
import type { Tensor } from "../tensor";
import type { Gradient } from "../autograd";
import { indexAddRaw, indexSelectRaw, gatherRaw, scatterAddRaw, permute, slice, stridedPlace, stridedView } from "../ops/movement";
import { sumTo } from "../ops/reduce";

/** A strided view (offset, strides, shape) of the input, in elements. */
export interface ViewSaved { offset: number; strides: number[]; shape: number[] }
/** An int32 index along dim d. */
export interface IndexSaved { d: number; idx: Tensor }

export const movementGradients = {
  reshape: ((g, { inputs: [x] }) => [g.reshape(x.shape)]) as Gradient,
  permute: ((g, { saved: { inverse } }) => [permute(g, inverse)]) as Gradient<{ inverse: number[] }>,
  /** expand: a broadcast, so g summed over the dims it repeated. */
  expand: ((g, { inputs: [x] }) => [sumTo(g, x.shape)]) as Gradient,
  slice: ((g, { inputs: [x], saved: { offset, strides, shape } }) => [stridedPlace(g, x.shape, offset, strides, shape)]) as Gradient<ViewSaved>,
  sliceBackward: ((g, { saved: { offset, strides, shape } }) => [stridedView(g, offset, strides, shape)]) as Gradient<ViewSaved>,
  indexSelect: ((g, { inputs: [x], saved: { d, idx } }) => [indexAddRaw(g, x.shape, d, idx)]) as Gradient<IndexSaved>,
  indexSelectBackward: ((g, { saved: { d, idx } }) => [indexSelectRaw(g, d, idx)]) as Gradient<IndexSaved>,
  gather: ((g, { inputs: [x], saved: { d, idx } }) => [scatterAddRaw(g, x.shape, d, idx)]) as Gradient<IndexSaved>,
  gatherBackward: ((g, { saved: { d, idx } }) => [gatherRaw(g, d, idx)]) as Gradient<IndexSaved>,
  /** cat along d: each input gets its slice of g, from its start. */
  cat: ((g, { inputs, saved: { d, starts } }) =>
    inputs.map((t, k) => (t.requiresGrad ? slice(g, d, starts[k], starts[k] + t.shape[d]) : null))) as Gradient<{ d: number; starts: number[] }>,
  clone: ((g) => [g]) as Gradient,
};
