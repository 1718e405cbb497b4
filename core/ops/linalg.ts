// Matrix products: matmul with PyTorch's rules (vectors, batches, broadcasting),
// on one batched GEMM kernel that takes transposes as flags, so that neither the
// forward pass nor the gradients copy a transposed matrix.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { FloatBuffer } from "../backend/kernels";
import { isFloat } from "../dtype";
import { record } from "../autograd";
import { numel, sameShape, broadcastShapes } from "../shape";
import { ShapeError, DTypeError, fmtShape } from "../errors";
import { requireTensor } from "./creation";
import { allocOut, handleOf } from "../storage";

/**
 * C[b] = op(A[b])·op(B[b]) for a batch of `batch` matrices; A's batch stride is 0 when
 * aBatched is false (one matrix shared by all), and likewise for B.
 */
export function gemm(a: Tensor, b: Tensor, transA: boolean, transB: boolean, M: number, N: number, K: number,
  batch: number, aBatched: boolean, bBatched: boolean, outShape: number[]): Tensor {
  const out = Tensor.wrap(allocOut(a.dtype, numel(outShape)), outShape, a.dtype);
  kernels().gemm(transA, transB, M, N, K, handleOf(a) as FloatBuffer, handleOf(b) as FloatBuffer, handleOf(out) as FloatBuffer,
    batch, aBatched ? M * K : 0, bBatched ? K * N : 0, M * N, false);
  return out;
}

function checkOperands(a: Tensor, b: Tensor): void {
  requireTensor(a, "matmul", "the first operand");
  requireTensor(b, "matmul", "the second operand");
  if (!isFloat(a.dtype) || !isFloat(b.dtype)) {
    throw new DTypeError(`matmul: expected floating-point tensors, got ${a.dtype} and ${b.dtype} (convert with .float())`);
  }
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`matmul: both tensors must have the same dtype, got ${a.dtype} and ${b.dtype} ` +
      "(convert one with .float() or .double())");
  }
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(`matmul: both arguments need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
}

/**
 * The matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D argument is
 * a row (left) or column (right) vector that is removed afterwards, and leading batch
 * dimensions broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperands(a, b);
  const a2 = a.ndim === 1 ? a.reshape([1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? b.reshape([b.shape[0], 1]) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  if (K !== K2) {
    throw new ShapeError(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)} (inner sizes ${K} and ${K2} differ)`);
  }
  let out = matmul2(a2, b2, M, N, K);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}

function matmul2(a: Tensor, b: Tensor, M: number, N: number, K: number): Tensor {
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  // The common case (x @ W, a batch of rows times one matrix) folds into a single GEMM.
  if (bBatch.length === 0) {
    const rows = numel(aBatch) * M;
    const out = gemm(a, b, false, false, rows, N, K, 1, true, true, [...aBatch, M, N]);
    return record("matmul", [a, b], out, {
      A: a, B: b, transB: false, M: rows, N, K, batch: 1, aBatched: true, bBatched: true,
      dAShape: a.shape.slice(), dBShape: [K, N], folded: true,
    });
  }
  const batchShape = broadcastShapes(aBatch, bBatch, "matmul");
  const batch = numel(batchShape);
  // An operand whose batch is not the full one is either a single matrix (stride 0) or expanded.
  const prep = (t: Tensor, tb: number[], rows: number, cols: number): [Tensor, boolean] => {
    if (sameShape(tb, batchShape)) return [t, true];
    if (numel(tb) === 1) return [t, false];
    return [t.expand([...batchShape, rows, cols]), true];
  };
  const [ae, aB] = prep(a, aBatch, M, K);
  const [be, bB] = prep(b, bBatch, K, N);
  const out = gemm(ae, be, false, false, M, N, K, batch, aB, bB, [...batchShape, M, N]);
  return record("matmul", [a, b], out, {
    A: ae, B: be, transB: false, M, N, K, batch, aBatched: aB, bBatched: bB,
    dAShape: [...batchShape, M, K], dBShape: [...batchShape, K, N], folded: false,
  });
}

/** The dot product of two 1-D tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  requireTensor(a, "dot", "the first operand");
  requireTensor(b, "dot", "the second operand");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`dot: expected two 1-D tensors, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

/**
 * x·Wᵀ + b, the affine map of nn.Linear, with W stored (out, in) as PyTorch does. The
 * transpose is a GEMM flag, and the bias is written into the output before the GEMM
 * accumulates onto it, so the whole layer is one pass over memory.
 * Shapes: x (..., in), weight (out, in), bias (out) → (..., out).
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  requireTensor(x, "linear", "the input");
  requireTensor(weight, "linear", "weight");
  if (bias !== undefined && bias !== null) requireTensor(bias, "linear", "bias (a tensor or null)");
  checkOperands(x, weight);
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D (out, in), got ${fmtShape(weight.shape)}`);
  const [O, I] = weight.shape;
  const inF = x.shape[x.ndim - 1];
  if (inF !== I) {
    throw new ShapeError(`linear: input ${fmtShape(x.shape)} has ${inF} features but the weight ${fmtShape(weight.shape)} expects ${I}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) throw new ShapeError(`linear: bias must have shape [${O}], got ${fmtShape(bias.shape)}`);
  if (bias && bias.dtype !== x.dtype) throw new DTypeError(`linear: bias is ${bias.dtype} but the input is ${x.dtype}`);
  const rows = x.numel / I;
  const shape = [...x.shape.slice(0, -1), O];
  const out = Tensor.wrap(allocOut(x.dtype, rows * O), shape, x.dtype);
  if (bias) kernels().stridedCopy(handleOf(bias), 0, [0, 1], [rows, O], handleOf(out));
  kernels().gemm(false, true, rows, O, I, handleOf(x) as FloatBuffer, handleOf(weight) as FloatBuffer, handleOf(out) as FloatBuffer, 1, 0, 0, 0, !!bias);
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record("linear", inputs, out, {
    A: x, B: weight, transB: true, M: rows, N: O, K: I, batch: 1, aBatched: true, bBatched: true,
    dAShape: x.shape.slice(), dBShape: [O, I],
  });
}
