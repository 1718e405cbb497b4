// Elementwise kernels of the TypeScript reference backend: unary (and their
// derivatives), broadcasting binary ops, where, cast, fill.
import type { Buffer, FloatBuffer } from "../kernels";
import { UNARY, BINARY } from "../kernels";
import { erf, roundHalfEven, sigmoid, SELU_ALPHA, SELU_SCALE, normCdf, normPdf } from "./math";

type F1 = (x: number, a: number, b: number) => number;
type D1 = (x: number, y: number, a: number, b: number) => number;

const SQRT_PI = 1.7724538509055159;

/** f(x) for each unary op, in the order of UNARY. */
const FORWARD: Record<(typeof UNARY)[number], F1> = {
  neg: (x) => -x,
  abs: (x) => Math.abs(x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  rsqrt: (x) => 1 / Math.sqrt(x),
  sin: (x) => Math.sin(x),
  cos: (x) => Math.cos(x),
  tanh: (x) => Math.tanh(x),
  sigmoid: (x) => sigmoid(x),
  relu: (x) => (x > 0 ? x : x === x ? 0 : x),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  round: (x) => roundHalfEven(x),
  reciprocal: (x) => 1 / x,
  square: (x) => x * x,
  atan: (x) => Math.atan(x),
  log1p: (x) => Math.log1p(x),
  expm1: (x) => Math.expm1(x),
  erf: (x) => erf(x),
  leakyRelu: (x, a) => (x > 0 ? x : x * a),
  elu: (x, a) => (x > 0 ? x : a * Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  softplus: (x, beta, threshold) => (x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta),
  softsign: (x) => x / (1 + Math.abs(x)),
  hardtanh: (x, lo, hi) => (x < lo ? lo : x > hi ? hi : x),
  gelu: (x) => x * normCdf(x),
  heaviside: (x, v) => (x > 0 ? 1 : x < 0 ? 0 : x === 0 ? v : NaN),
  clamp: (x, lo, hi) => {
    if (x !== x) return x;
    if (lo === lo && x < lo) x = lo;
    if (hi === hi && x > hi) x = hi;
    return x;
  },
  powScalar: (x, p) => pow(x, p),
  silu: (x) => x * sigmoid(x),
};

/** f'(x) for each unary op, given x and y = f(x); the kernel multiplies by dy. */
const DERIVATIVE: Record<(typeof UNARY)[number], D1> = {
  neg: () => -1,
  abs: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  sign: () => 0,
  exp: (_x, y) => y,
  log: (x) => 1 / x,
  sqrt: (_x, y) => 0.5 / y,
  rsqrt: (_x, y) => -0.5 * y * y * y,
  sin: (x) => Math.cos(x),
  cos: (x) => -Math.sin(x),
  tanh: (_x, y) => 1 - y * y,
  sigmoid: (_x, y) => y * (1 - y),
  relu: (x) => (x > 0 ? 1 : 0),
  floor: () => 0,
  ceil: () => 0,
  round: () => 0,
  reciprocal: (_x, y) => -y * y,
  square: (x) => 2 * x,
  atan: (x) => 1 / (1 + x * x),
  log1p: (x) => 1 / (1 + x),
  expm1: (_x, y) => y + 1,
  erf: (x) => (2 / SQRT_PI) * Math.exp(-x * x),
  leakyRelu: (x, _y, a) => (x > 0 ? 1 : a),
  elu: (x, y, a) => (x > 0 ? 1 : y + a),
  selu: (x, y) => (x > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA),
  softplus: (x, _y, beta, threshold) => (x * beta > threshold ? 1 : sigmoid(beta * x)),
  softsign: (x) => 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x))),
  hardtanh: (x, _y, lo, hi) => (x > lo && x < hi ? 1 : 0),
  gelu: (x) => normCdf(x) + x * normPdf(x),
  heaviside: () => 0,
  clamp: (x, _y, lo, hi) => ((lo !== lo || x >= lo) && (hi !== hi || x <= hi) ? 1 : 0),
  powScalar: (x, _y, p) => (p === 0 ? 0 : p * pow(x, p - 1)),
  silu: (x) => {
    const s = sigmoid(x);
    return s + x * s * (1 - s);
  },
};

const FORWARD_BY_CODE = UNARY.map((n) => FORWARD[n]);
const DERIVATIVE_BY_CODE = UNARY.map((n) => DERIVATIVE[n]);

export function unary(op: number, x: Buffer, out: Buffer, a: number, b: number): void {
  const f = FORWARD_BY_CODE[op];
  if (!f) throw new RangeError(`unary: unknown op code ${op}`);
  const n = x.length;
  // The commonest ops get their own loops; the rest go through the table.
  switch (UNARY[op]) {
    case "relu":
      for (let i = 0; i < n; i++) { const v = x[i]; out[i] = v > 0 ? v : v === v ? 0 : v; }
      return;
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case "square":
      // int32 squares wrap modulo 2^32, as C++ does; a double product would lose the low bits first.
      if (out instanceof Int32Array) { for (let i = 0; i < n; i++) out[i] = Math.imul(x[i], x[i]); return; }
  }
  for (let i = 0; i < n; i++) out[i] = f(x[i], a, b);
}

export function unaryBackward(op: number, x: FloatBuffer, y: FloatBuffer, dy: FloatBuffer, dx: FloatBuffer, a: number, b: number): void {
  const d = DERIVATIVE_BY_CODE[op];
  if (!d) throw new RangeError(`unaryBackward: unknown op code ${op}`);
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const g = dy[i];
    // A zero derivative kills the gradient even where dy is inf (as PyTorch's masks do).
    const fp = d(x[i], y[i], a, b);
    dx[i] = fp === 0 ? 0 : g * fp;
  }
}

/**
 * C's (and PyTorch's) pow, where JavaScript's Math.pow differs: 1^y is 1 and (-1)^±Inf is 1
 * even for NaN or infinite y (Math.pow gives NaN).
 */
export function pow(x: number, y: number): number {
  if (x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** int32 pow as C++ computes it: exact, wrapping modulo 2^32; negative exponents give 0 except for bases ±1. */
function ipow(base: number, e: number): number {
  if (e < 0) return base === 1 ? 1 : base === -1 ? (e & 1 ? -1 : 1) : 0;
  let r = 1;
  let b = base | 0;
  while (e) {
    if (e & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
    e >>>= 1;
  }
  return r;
}

type B2 = (x: number, y: number) => number;
const BINARY_FNS: Record<(typeof BINARY)[number], B2> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => pow(x, y),
  maximum: (x, y) => (x !== x || y !== y ? NaN : x > y ? x : y),
  minimum: (x, y) => (x !== x || y !== y ? NaN : x < y ? x : y),
  eq: (x, y) => (x === y ? 1 : 0),
  ne: (x, y) => (x !== y ? 1 : 0),
  lt: (x, y) => (x < y ? 1 : 0),
  le: (x, y) => (x <= y ? 1 : 0),
  gt: (x, y) => (x > y ? 1 : 0),
  ge: (x, y) => (x >= y ? 1 : 0),
  and: (x, y) => (x !== 0 && y !== 0 ? 1 : 0),
  or: (x, y) => (x !== 0 || y !== 0 ? 1 : 0),
};
const BINARY_BY_CODE = BINARY.map((n) => BINARY_FNS[n]);

/**
 * Visits every output index of a broadcast, calling visit(outIndex, aIndex, bIndex).
 * Inputs are right-aligned to the output shape; a size-1 dimension gets stride 0.
 */
export function broadcastVisit(outShape: number[], shapes: number[][], visit: (o: number, idx: number[]) => void): void {
  const rank = outShape.length;
  const k = shapes.length;
  const strides = shapes.map((s) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      const r = rank - s.length + i;
      st[r] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  });
  let total = 1;
  for (const d of outShape) total *= d;
  if (total === 0) return;
  const counter = new Array<number>(rank).fill(0);
  const idx = new Array<number>(k).fill(0);
  for (let o = 0; o < total; o++) {
    visit(o, idx);
    // Advance the odometer and the input offsets with it.
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      for (let j = 0; j < k; j++) idx[j] += strides[j][d];
      if (counter[d] < outShape[d]) break;
      for (let j = 0; j < k; j++) idx[j] -= strides[j][d] * outShape[d];
      counter[d] = 0;
    }
  }
}

export function binary(op: number, a: Buffer, aShape: number[], b: Buffer, bShape: number[], out: Buffer, outShape: number[]): void {
  let f = BINARY_BY_CODE[op];
  if (!f) throw new RangeError(`binary: unknown op code ${op}`);
  // int32 products and powers wrap modulo 2^32 as in C++; a double product would lose the low bits first.
  if (out instanceof Int32Array && BINARY[op] === "mul") f = Math.imul;
  else if (out instanceof Int32Array && BINARY[op] === "pow") f = ipow;
  const n = out.length;
  if (a.length === n && b.length === n && !(out instanceof Int32Array && BINARY[op] === "mul")) {
    switch (BINARY[op]) {
      case "add": for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; return;
      case "sub": for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; return;
      case "mul": for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; return;
      case "div": for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; return;
    }
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (b.length === 1 && a.length === n) {
    const y = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], y);
    return;
  }
  if (a.length === 1 && b.length === n) {
    const x = a[0];
    for (let i = 0; i < n; i++) out[i] = f(x, b[i]);
    return;
  }
  broadcastVisit(outShape, [aShape, bShape], (o, idx) => {
    out[o] = f(a[idx[0]], b[idx[1]]);
  });
}

export function where(cond: Uint8Array, condShape: number[], a: Buffer, aShape: number[], b: Buffer, bShape: number[], out: Buffer, outShape: number[]): void {
  broadcastVisit(outShape, [condShape, aShape, bShape], (o, idx) => {
    out[o] = cond[idx[0]] ? a[idx[1]] : b[idx[2]];
  });
}

export function cast(src: Buffer, dst: Buffer): void {
  const n = src.length;
  if (dst instanceof Int32Array && !(src instanceof Int32Array) && !(src instanceof Uint8Array)) {
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (!Number.isFinite(v)) throw new RangeError(`cast: cannot convert ${v} to int32`);
      if (v >= 2147483648 || v <= -2147483649) throw new RangeError(`cast: ${v} is outside the range of int32`);
      dst[i] = Math.trunc(v);
    }
    return;
  }
  if (dst instanceof Uint8Array) {
    for (let i = 0; i < n; i++) dst[i] = src[i] !== 0 ? 1 : 0;
    return;
  }
  for (let i = 0; i < n; i++) dst[i] = src[i];
}

export function fill(dst: Buffer, value: number): void {
  if (dst instanceof Uint8Array) {
    dst.fill(value !== 0 ? 1 : 0); // NaN != 0: true, as PyTorch's bool
    return;
  }
  if (dst instanceof Int32Array) {
    if (!Number.isFinite(value)) throw new RangeError(`fill: cannot convert ${value} to int32`);
    if (value >= 2147483648 || value <= -2147483649) throw new RangeError(`fill: ${value} is outside the range of int32`);
    dst.fill(Math.trunc(value));
    return;
  }
  dst.fill(value);
}

export function countNonFinite(x: Buffer): number {
  if (x instanceof Int32Array || x instanceof Uint8Array) return 0;
  let c = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) c++;
  return c;
}

export function nonzero(mask: Uint8Array): Int32Array {
  let c = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) c++;
  const out = new Int32Array(c);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[j++] = i;
  return out;
}
