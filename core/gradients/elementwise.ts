// Gradients of the elementwise primitives: casts, the unary kernels (one entry per op of
// the UNARY table), the arithmetic binary kernels, and where.
import { Tensor } from "../tensor";
import type { Gradient } from "../autograd";
import { isGradEnabled, wantsGrad } from "../autograd";
import { kernels } from "../backend";
import { UNARY, unaryCode, type UnaryOp } from "../backend/kernels";
import { SELU_ALPHA, SELU_SCALE } from "../backend/js/math";
import { ValueError } from "../errors";
import { zeros } from "../ops/creation";
import { cast, where } from "../ops/elementwise";
import { sumTo } from "../ops/reduce";
import { allocOut, handleOf } from "../storage";

/** The unary ops' scalar parameters, as the kernel got them. */
export interface UnarySaved { a: number; b: number }

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

/** The gradient of unary op `name`: its backward kernel, or the tensor formula while recording. */
function unaryGradient(name: UnaryOp): Gradient<UnarySaved> {
  return (g, { inputs, out, saved: { a, b } }) => {
    const x = inputs[0];
    // Recording during backward (createGraph): the derivative in tensor ops, so it is differentiable too.
    if (isGradEnabled()) return [unaryGrad(name, x, out, g, a, b)];
    const dx = Tensor.wrap(allocOut(g.dtype, g.numel), g.shape.slice(), g.dtype);
    kernels().unaryBackward(unaryCode[name], handleOf(x) as Float32Array, handleOf(out) as Float32Array,
      handleOf(g) as Float32Array, handleOf(dx) as Float32Array, a, b);
    return [dx];
  };
}

const unaryGradients = Object.fromEntries(UNARY.map((name) => [name, unaryGradient(name)])) as Record<UnaryOp, Gradient<UnarySaved>>;

/** The gradients of a broadcasting binary op: each summed down to its operand's shape. */
const binary = (da: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor, db: (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => Tensor): Gradient =>
  (g, { inputs, out }) => {
    // (Indexed rather than destructured: array patterns iterate, and this runs once per op of every backward.)
    const a = inputs[0], b = inputs[1];
    return [wantsGrad(a) ? sumTo(da(g, a, b, out), a.shape) : null, wantsGrad(b) ? sumTo(db(g, a, b, out), b.shape) : null];
  };

/** maximum / minimum: the gradient goes to the winner; ties share it equally, as PyTorch does. */
const extremum = (isMax: boolean): Gradient => (g, { inputs: [a, b] }) => {
  const half = where(a.eq(b), g.div(2), g);
  const aWins = isMax ? a.gt(b) : a.lt(b);
  const bWins = isMax ? a.lt(b) : a.gt(b);
  return [wantsGrad(a) ? sumTo(where(bWins, 0, half), a.shape) : null, wantsGrad(b) ? sumTo(where(aWins, 0, half), b.shape) : null];
};

export const elementwiseGradients = {
  ...unaryGradients,
  /** Between float dtypes: the gradient converted back. */
  cast: ((g, { inputs: [x] }) => [cast(g, x.dtype)]) as Gradient,
  add: binary((g) => g, (g) => g),
  sub: binary((g) => g, (g) => g.neg()),
  mul: binary((g, _a, b) => g.mul(b), (g, a) => g.mul(a)),
  div: binary((g, _a, b) => g.div(b), (g, _a, b, out) => g.neg().mul(out).div(b)),
  // d/db a^b = a^b ln a, taken as 0 where a == 0 and b >= 0 (PyTorch's convention).
  pow: binary((g, a, b) => g.mul(b).mul(a.pow(b.sub(1))), (g, a, b, out) => where(a.eq(0).and(b.ge(0)), 0, g.mul(out).mul(a.log()))),
  maximum: extremum(true),
  minimum: extremum(false),
  /** where(cond, a, b): g goes to a where cond holds, to b elsewhere. */
  where: ((g, { inputs: [a, b], saved: { cond } }) => [
    wantsGrad(a) ? sumTo(where(cond, g, 0), a.shape) : null,
    wantsGrad(b) ? sumTo(where(cond, 0, g), b.shape) : null,
  ]) as Gradient<{ cond: Tensor }>,
};
