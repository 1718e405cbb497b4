// Activation functions (COURSE.md topic 6) and softmax. Most are one unary kernel with
// its derivative; PReLU and maxout are built from primitives.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { FloatBuffer } from "../backend/kernels";
import { isFloat } from "../dtype";
import { record } from "../autograd";
import { normDim, aroundAxis, numel } from "../shape";
import { ShapeError, ValueError, fmtShape } from "../errors";
import { requireTensor } from "./creation";
import { unaryOp, cast, where } from "./elementwise";
import { amax } from "./reduce";
import { allocOut, handleOf } from "../storage";

export const identity = (x: Tensor): Tensor => x;
export const relu = (x: Tensor): Tensor => unaryOp("relu", x);
/** max(0, x) + negativeSlope·min(0, x); the course uses slopes 0.01 (the default) and 0.1. */
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => unaryOp("leakyRelu", x, negativeSlope);
export const elu = (x: Tensor, alpha = 1): Tensor => unaryOp("elu", x, alpha);
export const selu = (x: Tensor): Tensor => unaryOp("selu", x);
/** log(1 + e^(βx))/β, linear above threshold for stability (PyTorch's defaults β=1, threshold=20). */
export const softplus = (x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor =>
  unaryOp("softplus", x, opts.beta ?? 1, opts.threshold ?? 20);
export const softsign = (x: Tensor): Tensor => unaryOp("softsign", x);
export const sigmoid = (x: Tensor): Tensor => unaryOp("sigmoid", x);
export const tanh = (x: Tensor): Tensor => unaryOp("tanh", x);
/** arctan, an S-shaped activation with range (-π/2, π/2). */
export const arctan = (x: Tensor): Tensor => unaryOp("atan", x);
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => {
  if (!(minVal < maxVal)) throw new ValueError(`hardtanh: minVal (${minVal}) must be less than maxVal (${maxVal})`);
  return unaryOp("hardtanh", x, minVal, maxVal);
};
/** The exact GELU, x·Φ(x). */
export const gelu = (x: Tensor): Tensor => unaryOp("gelu", x);
export const silu = (x: Tensor): Tensor => unaryOp("silu", x);
export const exponential = (x: Tensor): Tensor => unaryOp("exp", x);

/**
 * The binary step: 1 where x > 0, 0 where x < 0, and `values` where x == 0 (a number,
 * or a tensor broadcast against x as in torch.heaviside). Its gradient is zero.
 */
export function heaviside(x: Tensor, values: number | Tensor = 0): Tensor {
  requireTensor(x, "heaviside");
  if (typeof values === "number") return unaryOp("heaviside", isFloat(x.dtype) ? x : cast(x, "float32"), values);
  return where(x.eq(0), values, x.gt(0).to(isFloat(x.dtype) ? x.dtype : "float32")).detach();
}

/**
 * Parametric ReLU: x where x > 0, weight·x elsewhere. weight has one value, or one per
 * channel (dimension 1 of x), as nn.PReLU learns it.
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  requireTensor(x, "prelu");
  requireTensor(weight, "prelu", "weight");
  let w = weight;
  if (weight.numel !== 1) {
    if (weight.ndim !== 1 || x.ndim < 2 || weight.shape[0] !== x.shape[1]) {
      throw new ShapeError(`prelu: weight of shape ${fmtShape(weight.shape)} must have 1 value or one per channel ` +
        `(dimension 1 of the input, shape ${fmtShape(x.shape)})`);
    }
    w = weight.reshape([weight.shape[0], ...new Array(x.ndim - 2).fill(1)]);
  } else {
    w = weight.reshape([]);
  }
  return where(x.gt(0), x, w.mul(x));
}

/** Maxout: the max over groups of `pieces` consecutive channels along dim (default 1). */
export function maxout(x: Tensor, pieces: number, dim = 1): Tensor {
  requireTensor(x, "maxout");
  const d = normDim(dim, x.ndim, "maxout");
  if (!Number.isInteger(pieces) || pieces < 1 || x.shape[d] % pieces !== 0) {
    throw new ValueError(`maxout: dimension ${d} has size ${x.shape[d]}, which is not divisible into groups of ${pieces}`);
  }
  const shape = [...x.shape.slice(0, d), x.shape[d] / pieces, pieces, ...x.shape.slice(d + 1)];
  return amax(x.reshape(shape), d + 1);
}

function softmaxImpl(x: Tensor, dim: number, log: boolean, op: string): Tensor {
  const input = isFloat(x.dtype) ? x : cast(x, "float32");
  const d = normDim(dim, input.ndim, op);
  const [outer, n, inner] = input.ndim === 0 ? [1, 1, 1] : aroundAxis(input.shape, d);
  const out = Tensor.wrap(allocOut(input.dtype, numel(input.shape)), input.shape.slice(), input.dtype); // the kernel writes every element
  kernels().softmax(handleOf(input) as FloatBuffer, handleOf(out) as FloatBuffer, outer, n, inner, log);
  return record(log ? "logSoftmax" : "softmax", [input], out, { d, outer, n, inner });
}

/** e^x / Σ e^x along dim (computed stably). */
export function softmax(x: Tensor, dim: number): Tensor {
  requireTensor(x, "softmax");
  if (dim === undefined) throw new ValueError("softmax: give the dim to normalise over (e.g. 1 for [batch, classes])");
  return softmaxImpl(x, dim, false, "softmax");
}

/** log(softmax(x)) along dim, computed stably in one pass. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  requireTensor(x, "logSoftmax");
  if (dim === undefined) throw new ValueError("logSoftmax: give the dim to normalise over (e.g. 1 for [batch, classes])");
  return softmaxImpl(x, dim, true, "logSoftmax");
}
