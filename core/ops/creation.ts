// Creating tensors: from nested arrays, filled, ranges, and random.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { Buffer } from "../backend/kernels";
import { allocBuffer, checkAlloc, checkDType, dtypeOf, isFloat, toBool, toDType, type DType } from "../dtype";
import { ShapeError, ValueError, DTypeError, describeValue } from "../errors";
import { checkShape, numel } from "../shape";
import { defaultGenerator, type Generator } from "../random";
import { allocOut, allocZeroed, handleOf } from "../storage";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

export type NestedArray = number | boolean | NestedArray[];

/**
 * Wraps a host typed array the caller just filled; the tensor takes ownership (on a
 * backend with its own memory, the values are copied in).
 */
export function fromBuffer(data: Buffer, shape: number[], requiresGrad = false): Tensor {
  return Tensor.fromHost(data, shape, dtypeOf(data), requiresGrad);
}

/** The options object of a creation function: undefined and null mean none; anything else must be an object. */
export function optionsArg<T extends object>(opts: unknown, op: string): T {
  if (opts === undefined || opts === null) return {} as T;
  if (typeof opts !== "object" || Array.isArray(opts) || ArrayBuffer.isView(opts)) {
    throw new ValueError(`${op}: options must be an object such as { dtype: "float32" }, got ${describeValue(opts)}`);
  }
  return opts as T;
}

/** Throws unless x is a tensor, naming the op and the argument: `${op}: ${name} must be a tensor, got ...`. */
export function requireTensor(x: unknown, op: string, name = "the input"): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: ${name} must be a tensor, got ${describeValue(x)}`);
  return x;
}

function finish(t: Tensor, opts: TensorOptions, op: string): Tensor {
  if (opts.requiresGrad) {
    if (!isFloat(t.dtype)) throw new DTypeError(`${op}: only floating-point tensors can require gradients, not ${t.dtype}`);
    t.requiresGrad = true;
  }
  return t;
}

function inferShape(value: NestedArray, op: string): number[] {
  const shape: number[] = [];
  let v: NestedArray = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return checkShape(shape, op);
}

/** Flattens nested arrays into out, checking that every row has the expected length. */
function flattenInto(value: NestedArray, shape: number[], depth: number, out: number[], path: number[], op: string): void {
  if (depth === shape.length) {
    if (Array.isArray(value)) throw new ShapeError(`${op}: the nested arrays are ragged: element [${path.join("][")}] is an array, expected a number`);
    if (typeof value === "boolean") out.push(value ? 1 : 0);
    else if (typeof value === "number") out.push(value);
    else throw new ValueError(`${op}: element [${path.join("][")}] is ${typeof value === "string" ? JSON.stringify(value) : String(value)}, not a number`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    const got = Array.isArray(value) ? `${value.length} elements` : "a number";
    throw new ShapeError(`${op}: the nested arrays are ragged: ${path.length ? `row [${path.join("][")}]` : "the top level"} has ${got}, expected ${shape[depth]}`);
  }
  for (let i = 0; i < value.length; i++) {
    path.push(i);
    flattenInto(value[i], shape, depth + 1, out, path, op);
    path.pop();
  }
}

function isBoolData(value: NestedArray): boolean {
  let v = value;
  while (Array.isArray(v)) {
    if (v.length === 0) return false;
    v = v[0];
  }
  return typeof v === "boolean";
}

/** Copies numbers into a new buffer of dtype, refusing NaN/Inf/fractions where the dtype can't hold them. */
function toBuffer(values: ArrayLike<number>, dtype: DType, op: string, shape?: number[]): Buffer {
  const out = allocBuffer(dtype, values.length, op, shape ?? [values.length]);
  if (dtype === "int32") {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) throw new ValueError(`${op}: cannot store ${v} in an int32 tensor (element ${i})`);
      if (v > 2147483647 || v < -2147483648) throw new ValueError(`${op}: ${v} is outside the range of int32 (element ${i})`);
      out[i] = Math.trunc(v);
    }
    return out;
  }
  if (dtype === "bool") {
    for (let i = 0; i < values.length; i++) out[i] = toBool(values[i]);
    return out;
  }
  out.set(values);
  return out;
}

/**
 * A tensor from a number, nested arrays, a typed array or another tensor.
 * Numbers give float32 unless opts.dtype says otherwise; booleans give bool;
 * Int32Array gives int32 and Float64Array float64.
 */
export function tensor(value: NestedArray | Buffer | Tensor, options: TensorOptions = {}): Tensor {
  const op = "tensor";
  const opts = optionsArg<TensorOptions>(options, op);
  if (opts.dtype !== undefined) checkDType(opts.dtype, op);
  if (value instanceof Tensor) {
    const dtype = opts.dtype ?? value.dtype;
    if (dtype === "int32" && isFloat(value.dtype)) {
      const d = value.dataSync();
      for (let i = 0; i < d.length; i++) toDType(d[i], "int32", op);
    }
    const out = Tensor.wrap(allocOut(dtype, value.numel, op, value.shape), value.shape.slice(), dtype);
    kernels().cast(handleOf(value), handleOf(out));
    return finish(out, opts, op);
  }
  if (ArrayBuffer.isView(value)) {
    if (!(value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint8Array)) {
      throw new DTypeError(`${op}: cannot make a tensor from a ${(value as object).constructor.name} (use a Float32Array, Float64Array, Int32Array or Uint8Array, or a nested array)`);
    }
    const buf = value as Buffer;
    const dtype = opts.dtype ?? dtypeOf(buf);
    return finish(fromBuffer(toBuffer(buf, dtype, op), [buf.length]), opts, op);
  }
  if (typeof value !== "number" && typeof value !== "boolean" && !Array.isArray(value)) {
    throw new ValueError(`${op}: expected a number, a boolean, nested arrays of them, a typed array or a tensor, got ${describeValue(value)}`);
  }
  const shape = inferShape(value, op);
  const flat: number[] = [];
  flattenInto(value, shape, 0, flat, [], op);
  const dtype = opts.dtype ?? (isBoolData(value) ? "bool" : "float32");
  return finish(fromBuffer(toBuffer(flat, dtype, op, shape), shape), opts, op);
}

/** Accepts full([2,3], v) and full(2, 3, ...) style shapes. */
function shapeArg(shape: number | number[], op: string): number[] {
  return checkShape(typeof shape === "number" ? [shape] : shape, op);
}

export function full(shape: number | number[], value: number, options: TensorOptions = {}): Tensor {
  return fullOp(shape, value, options, "full");
}

function fullOp(shape: number | number[], value: number, options: TensorOptions, op: string): Tensor {
  const s = shapeArg(shape, op);
  const opts = optionsArg<TensorOptions>(options, op);
  const dtype = checkDType(opts.dtype ?? "float32", op);
  if (typeof value !== "number" && typeof value !== "boolean") throw new ValueError(`${op}: the fill value must be a number, got ${describeValue(value)}`);
  const v = toDType(value, dtype, op, true);
  const data = allocOut(dtype, numel(s), op, s);
  kernels().fill(data, v);
  return finish(Tensor.wrap(data, s, dtype), opts, op);
}

export function zeros(shape: number | number[], options: TensorOptions = {}): Tensor {
  const s = shapeArg(shape, "zeros");
  const opts = optionsArg<TensorOptions>(options, "zeros");
  const dtype = checkDType(opts.dtype ?? "float32", "zeros");
  return finish(Tensor.wrap(allocZeroed(dtype, numel(s), "zeros", s), s, dtype), opts, "zeros");
}

export function ones(shape: number | number[], options: TensorOptions = {}): Tensor {
  return fullOp(shape, 1, options, "ones");
}

export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  const opts = optionsArg<TensorOptions>(options, "eye");
  const s = checkShape([n, m], "eye");
  const dtype = checkDType(opts.dtype ?? "float32", "eye");
  const values = allocBuffer(dtype, n * m, "eye", s);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return finish(fromBuffer(values, s), opts, "eye");
}

/**
 * Values from start (inclusive) to end (exclusive) by step, as PyTorch's arange:
 * arange(5), arange(1, 4), arange(0, 1, 0.25). Integer arguments give int32.
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const opts = optionsArg<TensorOptions>(options, "arange");
  if (end === undefined || end === null) [start, end] = [0, start];
  for (const [name, v] of [["start", start], ["end", end], ["step", step]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`arange: ${name} must be a finite number, got ${describeValue(v)}`);
  }
  if (step === 0) throw new ValueError("arange: step must not be zero");
  if ((end - start) / step < 0) throw new ValueError(`arange: step ${step} goes away from end ${end} when starting at ${start}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (n > 2 ** 31 - 1) throw new ValueError(`arange: ${start} to ${end} by ${step} gives ${n} values, more than 2^31-1`);
  const dtype = checkDType(opts.dtype ?? ([start, end, step].every(Number.isInteger) ? "int32" : "float32"), "arange");
  checkAlloc(dtype, n, "arange", [n]);
  checkAlloc("float64", n, "arange", [n]);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(fromBuffer(toBuffer(values, checkDType(dtype, "arange"), "arange"), [n]), opts, "arange");
}

/** steps evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  const opts = optionsArg<TensorOptions>(options, "linspace");
  if (typeof start !== "number" || typeof end !== "number" || !Number.isFinite(start) || !Number.isFinite(end)) throw new ValueError(`linspace: start and end must be finite, got ${describeValue(start)} and ${describeValue(end)}`);
  if (!Number.isInteger(steps) || steps < 0 || steps > 2 ** 31 - 1) throw new ValueError(`linspace: steps must be a non-negative integer no larger than 2^31-1, got ${describeValue(steps)}`);
  checkAlloc(checkDType(opts.dtype ?? "float32", "linspace"), steps, "linspace", [steps]);
  checkAlloc("float64", steps, "linspace", [steps]);
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so that the last value is exactly end.
  for (let i = 0; i < steps; i++) values[i] = i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step;
  return finish(fromBuffer(toBuffer(values, checkDType(opts.dtype ?? "float32", "linspace"), "linspace"), [steps]), opts, "linspace");
}

function randomFill(shape: number | number[], options: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  const s = shapeArg(shape, op);
  const opts = optionsArg<RandomOptions>(options, op);
  const dtype = checkDType(opts.dtype ?? "float32", op);
  if (!isFloat(dtype)) throw new DTypeError(`${op}: needs a floating-point dtype, got ${dtype} (use randint for integers)`);
  const g = opts.generator ?? defaultGenerator;
  const data = allocBuffer(dtype, numel(s), op, s);
  for (let i = 0; i < data.length; i++) data[i] = draw(g);
  return finish(fromBuffer(data, s), opts, op);
}

/** Uniform on [0, 1). */
export function rand(shape: number | number[], opts: RandomOptions = {}): Tensor {
  return randomFill(shape, opts, "rand", (g) => g.uniform());
}

/** Standard normal. */
export function randn(shape: number | number[], opts: RandomOptions = {}): Tensor {
  return randomFill(shape, opts, "randn", (g) => g.normal());
}

/** Integers uniform in [low, high), int32 by default. */
export function randint(low: number, high: number, shape: number | number[], options: RandomOptions = {}): Tensor {
  const opts = optionsArg<RandomOptions>(options, "randint");
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) throw new ValueError(`randint: low and high must be integers, got ${describeValue(low)} and ${describeValue(high)}`);
  if (high <= low) throw new ValueError(`randint: high (${high}) must be greater than low (${low})`);
  const s = shapeArg(shape, "randint");
  const g = opts.generator ?? defaultGenerator;
  const dtype = checkDType(opts.dtype ?? "int32", "randint");
  checkAlloc(dtype, numel(s), "randint", s);
  const values = new Float64Array(numel(s));
  for (let i = 0; i < values.length; i++) values[i] = g.int(low, high);
  return finish(fromBuffer(toBuffer(values, dtype, "randint", s), s), opts, "randint");
}

/** A random permutation of 0..n-1 (Fisher–Yates), int32. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  const opts = optionsArg<RandomOptions>(options, "randperm");
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new ValueError(`randperm: n must be a non-negative integer no larger than 2^31-1, got ${describeValue(n)}`);
  if (opts.dtype !== undefined) checkDType(opts.dtype, "randperm");
  checkAlloc("int32", n, "randperm", [n]);
  const g = opts.generator ?? defaultGenerator;
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = g.int(0, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return finish(fromBuffer(opts.dtype && opts.dtype !== "int32" ? toBuffer(p, opts.dtype, "randperm") : p, [n]), opts, "randperm");
}

function likeArg(t: unknown, op: string): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${op}: expected a tensor, got ${describeValue(t)}`);
  return t;
}
const like = (t: Tensor, opts: TensorOptions) => ({ dtype: opts.dtype ?? t.dtype, requiresGrad: opts.requiresGrad });
const floatLike = (t: Tensor, opts: RandomOptions) => ({ ...opts, dtype: opts.dtype ?? (isFloat(t.dtype) ? t.dtype : "float32") });
export const zerosLike = (t: Tensor, opts: TensorOptions = {}) => zeros(likeArg(t, "zerosLike").shape, like(t, optionsArg(opts, "zerosLike")));
export const onesLike = (t: Tensor, opts: TensorOptions = {}) => fullOp(likeArg(t, "onesLike").shape, 1, like(t, optionsArg(opts, "onesLike")), "onesLike");
export const fullLike = (t: Tensor, value: number, opts: TensorOptions = {}) => fullOp(likeArg(t, "fullLike").shape, value, like(t, optionsArg(opts, "fullLike")), "fullLike");
export const randLike = (t: Tensor, opts: RandomOptions = {}) => rand(likeArg(t, "randLike").shape, floatLike(t, optionsArg(opts, "randLike")));
export const randnLike = (t: Tensor, opts: RandomOptions = {}) => randn(likeArg(t, "randnLike").shape, floatLike(t, optionsArg(opts, "randnLike")));

/**
 * A 0-d tensor holding a JS number, used when an op mixes a tensor and a number; the
 * number is stored as the dtype stores it (int32 refuses what it cannot hold, naming op).
 */
export function scalar(value: number, dtype: DType, op = "tensor"): Tensor {
  const data = allocBuffer(dtype, 1);
  data[0] = toDType(value, dtype, op);
  return fromBuffer(data, []);
}
