// Elementwise ops: unary maths and activations, broadcasting binary ops, comparisons,
// where, and dtype casts. Each records its gradient beside its kernel call.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import { unaryCode, binaryCode, UNARY_INT_OK, BINARY_BOOL_OUT, type UnaryOp, type BinaryOp } from "../backend/kernels";
import { allocUninitialized, isFloat, promote, promoteScalar, checkDType, toInt32, type DType } from "../dtype";
import { record, isGradEnabled, wantsGrad } from "../autograd";
import { SELU_ALPHA, SELU_SCALE } from "../backend/js/math";
import { broadcastShapes, sameShape } from "../shape";
import { DTypeError, ValueError, describeValue } from "../errors";
import { fromBuffer, scalar, requireTensor, zeros } from "./creation";
import { sumTo } from "./reduce";

export type TensorLike = Tensor | number | boolean;

/** A result every element of which the kernel writes (so its storage is not cleared first). */
function empty(dtype: DType, shape: number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return fromBuffer(allocUninitialized(dtype, n), shape);
}

/** x converted to dtype; differentiable between float dtypes. */
export function cast(x: Tensor, dtype: DType, op = "to"): Tensor {
  requireTensor(x, op);
  checkDType(dtype, op);
  if (x.dtype === dtype) return x;
  if (dtype === "int32" && isFloat(x.dtype)) {
    // Refused before the kernel runs, in the op's name: NaN, ±Inf, values outside int32.
    const d = x.data;
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!(v > -2147483649 && v < 2147483648)) toInt32(v, op);
    }
  }
  const out = empty(dtype, x.shape.slice());
  kernels().cast(x.data, out.data);
  if (!isFloat(dtype)) return out;
  return record("cast", [x], out, (g) => [cast(g, x.dtype)]);
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
  kernels().unary(unaryCode[name], input.data, out.data, a, b);
  if (!isFloat(out.dtype)) return out;
  return record(name, [input], out, (g) => {
    // Recording during backward (createGraph): the derivative in tensor ops, so it is differentiable too.
    if (isGradEnabled()) return [unaryGrad(name, input, out, g, a, b)];
    const dx = empty(g.dtype, g.shape.slice());
    kernels().unaryBackward(unaryCode[name], input.data as Float32Array, out.data as Float32Array,
      g.data as Float32Array, dx.data as Float32Array, a, b);
    return [dx];
  });
}

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π, erf's derivative at 0
const INV_SQRT_2PI = 0.3989422804014327; // 1/√(2π), the normal density at 0

/**
 * g·f'(x) for a unary op, written in tensor ops so that it is itself differentiable (the
 * kernel's unaryBackward, for backward({ createGraph: true })). out is f(x), already in the
 * graph, so formulas that use it (exp, tanh, sigmoid) differentiate through it as PyTorch's do.
 */
function unaryGrad(name: UnaryOp, x: Tensor, out: Tensor, g: Tensor, a: number, b: number): Tensor {
  switch (name) {
    case "neg": return g.neg();
    case "abs": return g.mul(x.sign());
    case "sign": case "floor": case "ceil": case "round": case "heaviside":
      return zeros(g.shape, { dtype: g.dtype });
    case "exp": return g.mul(out);
    case "log": return g.div(x);
    case "sqrt": return g.div(out.mul(2));
    case "rsqrt": return g.mul(out.pow(3)).mul(-0.5);
    case "sin": return g.mul(x.cos());
    case "cos": return g.mul(x.sin()).neg();
    case "tanh": return g.mul(out.square().rsub(1));
    case "sigmoid": return g.mul(out.mul(out.rsub(1)));
    case "relu": return where(x.gt(0), g, 0);
    case "reciprocal": return g.mul(out.square()).neg();
    case "square": return g.mul(x).mul(2);
    case "atan": return g.div(x.square().add(1));
    case "log1p": return g.div(x.add(1));
    case "expm1": return g.mul(out.add(1));
    case "erf": return g.mul(x.square().neg().exp()).mul(TWO_OVER_SQRT_PI);
    case "leakyRelu": return where(x.gt(0), g, g.mul(a));
    case "elu": return where(x.gt(0), g, g.mul(out.add(a)));
    case "selu": return where(x.gt(0), g.mul(SELU_SCALE), g.mul(out.add(SELU_SCALE * SELU_ALPHA)));
    case "softplus": {
      const bx = x.mul(a);
      return where(bx.gt(b), g, g.mul(bx.sigmoid()));
    }
    case "softsign": return g.div(x.abs().add(1).square());
    case "hardtanh": return where(x.gt(a).and(x.lt(b)), g, 0);
    case "gelu": {
      // Φ(x) + x·φ(x), with Φ(x) = (1 + erf(x/√2))/2 and φ(x) = e^(−x²/2)/√(2π).
      const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
      return g.mul(cdf.add(x.mul(pdf)));
    }
    case "clamp": {
      let inside: Tensor | null = null;
      if (!Number.isNaN(a)) inside = x.ge(a);
      if (!Number.isNaN(b)) inside = inside ? inside.and(x.le(b)) : x.le(b);
      return where(inside!, g, 0);
    }
    case "powScalar":
      return a === 0 ? zeros(g.shape, { dtype: g.dtype }) : g.mul(x.pow(a - 1)).mul(a);
    case "silu": {
      const s = x.sigmoid();
      return g.mul(s.add(x.mul(s).mul(s.rsub(1))));
    }
  }
  throw new ValueError(`${name}: second derivatives are not supported (a bug in gradlab: please report it)`);
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
  kernels().binary(binaryCode[name], a.data, a.shape, b.data, b.shape, out.data, shape);
  if (!isFloat(out.dtype)) return out;
  return record(name, [a, b], out, (g) => binaryGrad(name, a, b, out, g));
}

function binaryGrad(name: BinaryOp, a: Tensor, b: Tensor, out: Tensor, g: Tensor): (Tensor | null)[] {
  const ga = wantsGrad(a);
  const gb = wantsGrad(b);
  switch (name) {
    case "add":
      return [ga ? sumTo(g, a.shape) : null, gb ? sumTo(g, b.shape) : null];
    case "sub":
      return [ga ? sumTo(g, a.shape) : null, gb ? sumTo(g.neg(), b.shape) : null];
    case "mul":
      return [ga ? sumTo(g.mul(b), a.shape) : null, gb ? sumTo(g.mul(a), b.shape) : null];
    case "div":
      return [ga ? sumTo(g.div(b), a.shape) : null, gb ? sumTo(g.neg().mul(out).div(b), b.shape) : null];
    case "pow": {
      const da = ga ? sumTo(g.mul(b).mul(a.pow(b.sub(1))), a.shape) : null;
      // d/db a^b = a^b ln a, taken as 0 where a == 0 and b >= 0 (PyTorch's convention).
      const db = gb ? sumTo(where(a.eq(0).and(b.ge(0)), 0, g.mul(out).mul(a.log())), b.shape) : null;
      return [da, db];
    }
    case "maximum":
    case "minimum": {
      // Ties share the gradient equally, as PyTorch does.
      const half = where(a.eq(b), g.div(2), g);
      const aWins = name === "maximum" ? a.gt(b) : a.lt(b);
      const bWins = name === "maximum" ? a.lt(b) : a.gt(b);
      return [ga ? sumTo(where(bWins, 0, half), a.shape) : null, gb ? sumTo(where(aWins, 0, half), b.shape) : null];
    }
    default:
      return [null, null];
  }
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
  kernels().where(c.data as Uint8Array, c.shape, a.data, a.shape, b.data, b.shape, out.data, shape);
  if (!isFloat(dtype)) return out;
  return record("where", [a, b], out, (g) => [
    wantsGrad(a) ? sumTo(where(c, g, 0), a.shape) : null,
    wantsGrad(b) ? sumTo(where(c, 0, g), b.shape) : null,
  ]);
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
