// Elementwise ops: unary maths and activations, broadcasting binary ops, comparisons,
// where, and dtype casts. Each records its primitive; the gradients are in core/gradients/elementwise.ts.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import { unaryCode, binaryCode, UNARY_INT_OK, BINARY_BOOL_OUT, type UnaryOp, type BinaryOp } from "../backend/kernels";
import { isFloat, promote, promoteScalar, checkDType, toInt32, type DType } from "../dtype";
import { record } from "../autograd";
import { broadcastShapes, sameShape } from "../shape";
import { DTypeError, ValueError, describeValue } from "../errors";
import { scalar, requireTensor } from "./creation";
import { allocOut, handleOf } from "../storage";

export type TensorLike = Tensor | number | boolean;

/** A result every element of which the kernel writes (so its storage is not cleared first). */
function empty(dtype: DType, shape: number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return Tensor.wrap(allocOut(dtype, n), shape, dtype);
}

/** x converted to dtype; differentiable between float dtypes. */
export function cast(x: Tensor, dtype: DType, op = "to"): Tensor {
  requireTensor(x, op);
  checkDType(dtype, op);
  if (x.dtype === dtype) return x;
  if (dtype === "int32" && isFloat(x.dtype)) {
    // Refused before the kernel runs, in the op's name: NaN, ±Inf, values outside int32.
    const d = x.dataSync();
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!(v > -2147483649 && v < 2147483648)) toInt32(v, op);
    }
  }
  const out = empty(dtype, x.shape.slice());
  kernels().cast(handleOf(x), handleOf(out));
  if (!isFloat(dtype)) return out;
  return record("cast", [x], out);
}

/** Applies a unary kernel; ints are computed as float32 where the op needs floats. */
export function unaryOp(name: UnaryOp, x: Tensor, a = 0, b = 0): Tensor {
  requireTensor(x, name);
  for (const [k, v] of [["the first parameter", a], ["the second parameter", b]] as const) {
    if (typeof v !== "number") throw new TypeError(`${name}: ${k} must be a number, got ${describeValue(v)}`);
  }
  let input = x;
  if (x.dtype === "bool") input = cast(x, UNARY_INT_OK.has(name) ? "int32" : "float32");
  else if (x.dtype === "int32" && !UNARY_INT_OK.has(name)) input = cast(x, "float32");
  const out = empty(input.dtype, input.shape.slice());
  kernels().unary(unaryCode[name], handleOf(input), handleOf(out), a, b);
  if (!isFloat(out.dtype)) return out;
  return record(name, [input], out, { a, b });
}

/** Turns a JS number into a 0-d tensor of the dtype it combines to with `other`. */
function asTensor(v: TensorLike, other: TensorLike, op: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === "boolean") return scalar(v ? 1 : 0, "bool");
  if (typeof v !== "number") throw new ValueError(`${op}: expected a tensor or a number, got ${describeValue(v)}`);
  const dtype = other instanceof Tensor ? promoteScalar(other.dtype, v) : Number.isInteger(v) ? "int32" : "float32";
  return scalar(v, dtype, op);
}

const ARITHMETIC: ReadonlySet<BinaryOp> = new Set(["add", "sub", "mul", "div", "pow", "maximum", "minimum"]);
type ArithmeticOp = "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum";

/** Both operands as tensors of the dtype the op computes in. */
function coerce(name: BinaryOp, x: TensorLike, y: TensorLike): [Tensor, Tensor] {
  const op = name === "and" ? "logicalAnd" : name === "or" ? "logicalOr" : name; // as the user wrote it
  let a = asTensor(x, y, op);
  let b = asTensor(y, a, op);
  let dtype = promote(a.dtype, b.dtype);
  if (name === "and" || name === "or") dtype = "bool";
  else if (ARITHMETIC.has(name) && dtype === "bool") dtype = "int32";
  if (name === "div" && !isFloat(dtype)) dtype = "float32"; // true division, as Python's /
  if (a.dtype !== dtype) a = cast(a, dtype);
  if (b.dtype !== dtype) b = cast(b, dtype);
  return [a, b];
}

export function binaryOp(name: BinaryOp, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = coerce(name, x, y);
  const shape = sameShape(a.shape, b.shape) ? a.shape.slice() : broadcastShapes(a.shape, b.shape, name === "and" ? "logicalAnd" : name === "or" ? "logicalOr" : name);
  const out = empty(BINARY_BOOL_OUT.has(name) ? "bool" : a.dtype, shape);
  kernels().binary(binaryCode[name], handleOf(a), a.shape, handleOf(b), b.shape, handleOf(out), shape);
  if (!isFloat(out.dtype)) return out;
  // Only arithmetic ops reach here: comparisons and logical ops write bool.
  return record(name as ArithmeticOp, [a, b], out);
}

/** cond ? x : y elementwise, with broadcasting; cond is cast to bool. */
export function where(cond: TensorLike, x: TensorLike, y: TensorLike): Tensor {
  let c = asTensor(cond, cond, "where");
  if (c.dtype !== "bool") c = binaryOp("ne", c, 0);
  let a = asTensor(x, y, "where");
  let b = asTensor(y, a, "where");
  const dtype = promote(a.dtype, b.dtype);
  if (a.dtype !== dtype) a = cast(a, dtype);
  if (b.dtype !== dtype) b = cast(b, dtype);
  const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, "where"), b.shape, "where");
  const out = empty(dtype, shape);
  kernels().where(handleOf(c) as Uint8Array, c.shape, handleOf(a), a.shape, handleOf(b), b.shape, handleOf(out), shape);
  if (!isFloat(dtype)) return out;
  return record("where", [a, b], out, { cond: c });
}

/** Clamps into [min, max]; either bound may be omitted. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  requireTensor(x, "clamp");
  for (const [k, v] of [["min", min], ["max", max]] as const) {
    if (v !== undefined && v !== null && typeof v !== "number") throw new TypeError(`clamp: ${k} must be a number or null, got ${describeValue(v)}`);
  }
  const lo = min ?? NaN;
  const hi = max ?? NaN;
  if (Number.isNaN(lo) && Number.isNaN(hi)) throw new ValueError("clamp: give at least one of min and max");
  if (lo > hi) throw new ValueError(`clamp: min (${lo}) is greater than max (${hi})`);
  const fractional = (!Number.isNaN(lo) && !Number.isInteger(lo)) || (!Number.isNaN(hi) && !Number.isInteger(hi));
  return unaryOp("clamp", fractional && !isFloat(x.dtype) ? cast(x, "float32") : x, lo, hi);
}

/** Checks that a tensor has a float dtype, for ops that only make sense on floats. */
export function requireFloat(x: Tensor, op: string): void {
  requireTensor(x, op);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating-point tensor, got ${x.dtype} (convert with .float())`);
}
