// Reductions over dimensions, with keepdim, and the ones derived from them
// (mean, var, std, norm, logsumexp) written from primitives so autograd comes free.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import { reduceCode, type ReduceOp } from "../backend/kernels";
import { isFloat, type DType } from "../dtype";
import { record } from "../autograd";
import { normDims, normDim, sameShape } from "../shape";
import { ValueError, describeValue } from "../errors";
import { fromBuffer, requireTensor, optionsArg } from "./creation";
import { cast, where } from "./elementwise";
import { allocZeroed, handleOf } from "../storage";

export type Dims = number | number[];

/** Runs one reduce kernel over dims [from, to) of x (a contiguous run), keeping them as size 1. */
function reduceRun(x: Tensor, from: number, to: number, op: ReduceOp, outDType: DType): Tensor {
  let outer = 1, n = 1, inner = 1;
  x.shape.forEach((d, i) => { if (i < from) outer *= d; else if (i < to) n *= d; else inner *= d; });
  const shape = x.shape.map((d, i) => (i >= from && i < to ? 1 : d));
  const out = Tensor.wrap(allocZeroed(outDType, outer * inner), shape, outDType);
  kernels().reduce(reduceCode[op], handleOf(x), outer, n, inner, handleOf(out));
  return out;
}

/** Groups sorted dims into contiguous runs, so [0,1,3] reduces in two kernel calls. */
function runs(dims: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const d of dims) {
    const last = out[out.length - 1];
    if (last && last[1] === d) last[1] = d + 1;
    else out.push([d, d + 1]);
  }
  return out;
}

function dropDims(shape: number[], dims: number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

/** The shape x would have after reducing dims with keepdim. */
export function keptShape(shape: number[], dims: number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

/**
 * Reduces x over dims with a sum or product kernel (bool becomes int32 first), keeping
 * the reduced dims as size 1 when keepdim; returns the result and the input it used.
 */
function reduceDims(x: Tensor, dims: number[], op: "sum" | "prod", keepdim: boolean): [Tensor, Tensor] {
  const input = x.dtype === "bool" ? cast(x, "int32") : x;
  // NOTE: integer sums and products are computed exactly in float64 (every int32 and every
  // partial result that still fits int32 is exact there) and refused when the result does
  // not fit int32, where PyTorch would return int64; gradlab has no int64.
  const work = input.dtype === "int32" ? cast(input, "float64") : input;
  let out = work;
  for (const [from, to] of runs(dims).reverse()) out = reduceRun(out, from, to, op, work.dtype);
  if (out === work) out = work.clone();
  if (input.dtype === "int32") {
    const d = out.dataSync();
    for (let i = 0; i < d.length; i++) {
      // A float64 product of ints is NaN only as ∞·0: a zero factor after an overflow; the product is 0.
      if (op === "prod" && Number.isNaN(d[i])) d[i] = 0;
      if (!(d[i] >= -2147483648 && d[i] <= 2147483647)) {
        throw new RangeError(`${op}: the ${op === "sum" ? "sum" : "product"} ${d[i]} of this ${x.dtype} tensor does not fit in int32 ` +
          `(gradlab has no int64); compute it in float64 with x.double().${op}()`);
      }
    }
    out = cast(fromBuffer(d, out.shape.slice()), "int32", op); // d: the values as corrected above
  }
  return [out.reshape(keepdim ? keptShape(x.shape, dims) : dropDims(x.shape, dims)), input];
}

/** Sum over dims (all when omitted). Sums of bool and int32 are int32, refused when they do not fit int32. */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireTensor(x, "sum");
  const dims = normDims(dim, x.ndim, "sum");
  const [out, input] = reduceDims(x, dims, "sum", keepdim);
  if (!isFloat(out.dtype)) return out;
  return record("sum", [input], out, { dims });
}

/** The gradient of a broadcast: g summed down to shape (leading dims, and dims that were 1). */
export function sumTo(g: Tensor, shape: number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  return sum(g, dims, true).reshape(shape);
}

/** Mean over dims; ints are averaged as float32. */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  requireTensor(x, "mean");
  const dims = normDims(dim, x.ndim, "mean");
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  const s = sum(isFloat(x.dtype) ? x : cast(x, "float32"), dims, keepdim);
  return s.div(count);
}

function product(x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  requireTensor(x, "prod");
  const dims = normDims(dim, x.ndim, "prod");
  const [out, input] = reduceDims(x, dims, "prod", keepdim);
  if (!isFloat(out.dtype)) return out;
  return record("prod", [input], out, { dims });
}
export { product as prod };

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

function extremumAlong(x: Tensor, dim: number, keepdim: boolean, which: "max" | "min", op: string): ValuesIndices {
  const d = normDim(dim, x.ndim, op);
  if (x.ndim > 0 && x.shape[d] === 0) throw new ValueError(`${op}: cannot take the ${which} over dimension ${dim}, which has size 0`);
  const src = x.ndim === 0 ? x.reshape([1]) : x;
  const kept = keptShape(src.shape, [d]);
  const indices = reduceRun(src, d, d + 1, which === "max" ? "argmax" : "argmin", "int32");
  const values = reduceRun(src, d, d + 1, which, src.dtype);
  const finalShape = keepdim || x.ndim === 0 ? keptShape(x.shape, x.ndim ? [d] : []) : dropDims(x.shape, [d]);
  const v = values.reshape(finalShape);
  if (isFloat(x.dtype)) {
    // The gradient goes to each winner (core/gradients/reduce.ts).
    record(which === "max" ? "maxAlongDim" : "minAlongDim", [x], v, { d, kept, indices });
  }
  return { values: v, indices: indices.reshape(finalShape) };
}

/** The largest element (over everything), its gradient shared equally among ties as in PyTorch. */
function extremumAll(x: Tensor, which: "max" | "min"): Tensor {
  if (x.numel === 0) throw new ValueError(`${which}: the tensor is empty, so it has no ${which}`);
  const flat = x.reshape([x.numel]);
  const out = reduceRun(flat, 0, 1, which, x.dtype).reshape([]);
  if (!isFloat(x.dtype)) return out;
  return record(which, [x], out);
}

export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  requireTensor(x, "max");
  return dim === undefined ? extremumAll(x, "max") : extremumAlong(x, dim, keepdim, "max", "max");
}
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  requireTensor(x, "min");
  return dim === undefined ? extremumAll(x, "min") : extremumAlong(x, dim, keepdim, "min", "min");
}

/** Values only: the max over dims (all by default), as torch.amax. */
export function amax(x: Tensor, dim?: number, keepdim = false): Tensor {
  requireTensor(x, "amax");
  return dim === undefined ? extremumAll(x, "max") : extremumAlong(x, dim, keepdim, "max", "amax").values;
}
export function amin(x: Tensor, dim?: number, keepdim = false): Tensor {
  requireTensor(x, "amin");
  return dim === undefined ? extremumAll(x, "min") : extremumAlong(x, dim, keepdim, "min", "amin").values;
}

/** Index of the largest element along dim, or in the flattened tensor; int32. */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  requireTensor(x, "argmax");
  if (dim === undefined) return extremumAlong(x.reshape([x.numel]), 0, false, "max", "argmax").indices;
  return extremumAlong(x, dim, keepdim, "max", "argmax").indices;
}
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  requireTensor(x, "argmin");
  if (dim === undefined) return extremumAlong(x.reshape([x.numel]), 0, false, "min", "argmin").indices;
  return extremumAlong(x, dim, keepdim, "min", "argmin").indices;
}

export interface VarOptions {
  /** Subtracted from the count in the divisor: 1 (the default) is the unbiased estimate, 0 the population variance. */
  correction?: number;
  /** PyTorch's older spelling: unbiased false means correction 0. */
  unbiased?: boolean;
  keepdim?: boolean;
}

export function variance(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const opts = optionsArg<VarOptions>(options, "var");
  requireTensor(x, "var");
  const dims = normDims(dim, x.ndim, "var");
  const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
  let n = 1;
  for (const d of dims) n *= x.shape[d];
  const xf = isFloat(x.dtype) ? x : cast(x, "float32");
  const centred = xf.sub(mean(xf, dims, true));
  return sum(centred.mul(centred), dims, opts.keepdim ?? false).div(Math.max(n - correction, 0));
}

export function std(x: Tensor, dim?: Dims, options: VarOptions = {}): Tensor {
  const opts = optionsArg<VarOptions>(options, "std");
  requireTensor(x, "std");
  return variance(x, dim, opts).sqrt();
}

/** The p-norm over dims (all by default): p = 2, 1, Infinity or any positive number. */
export function norm(x: Tensor, p = 2, dim?: Dims, keepdim = false): Tensor {
  requireTensor(x, "norm");
  if (!(p > 0)) throw new ValueError(`norm: p must be positive, got ${describeValue(p)}`);
  const xf = isFloat(x.dtype) ? x : cast(x, "float32");
  const dims = normDims(dim, x.ndim, "norm");
  if (p === 2) return sum(xf.mul(xf), dims, keepdim).sqrt();
  if (p === 1) return sum(xf.abs(), dims, keepdim);
  if (p === Infinity) {
    let out = xf.abs();
    for (const d of [...dims].reverse()) out = amax(out, d, true);
    return out.reshape(keepdim ? keptShape(x.shape, dims) : dropDims(x.shape, dims));
  }
  return sum(xf.abs().pow(p), dims, keepdim).pow(1 / p);
}

/** log Σ exp(x) over dims, computed stably by shifting by the max. */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  requireTensor(x, "logsumexp");
  const dims = normDims(dim, x.ndim, "logsumexp");
  const xf = isFloat(x.dtype) ? x : cast(x, "float32");
  let m = xf.detach();
  for (const d of [...dims].reverse()) m = amax(m, d, true);
  // An all -inf row has max -inf; shift by 0 there so the result is -inf, not NaN.
  m = where(m.isFinite(), m, 0);
  const out = sum(xf.sub(m).exp(), dims, true).log().add(m);
  return keepdim ? out : out.reshape(dropDims(x.shape, dims));
}

