// Creating tensors: from nested arrays, filled, ranges, and random.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { Buffer } from "../backend/kernels";
import { allocBuffer, checkDType, dtypeOf, isFloat, type DType } from "../dtype";
import { ShapeError, ValueError, DTypeError } from "../errors";
import { checkShape, numel } from "../shape";
import { defaultGenerator, type Generator } from "../random";

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

export type NestedArray = number | boolean | NestedArray[];

/** Wraps a buffer the caller just filled; the tensor takes ownership. */
export function fromBuffer(data: Buffer, shape: number[], requiresGrad = false): Tensor {
  return new Tensor(data, shape, dtypeOf(data), requiresGrad);
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
function toBuffer(values: ArrayLike<number>, dtype: DType, op: string): Buffer {
  const out = allocBuffer(dtype, values.length);
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
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
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
export function tensor(value: NestedArray | Buffer | Tensor, opts: TensorOptions = {}): Tensor {
  const op = "tensor";
  if (opts.dtype !== undefined) checkDType(opts.dtype, op);
  if (value instanceof Tensor) {
    const dtype = opts.dtype ?? value.dtype;
    const out = fromBuffer(allocBuffer(dtype, value.numel), value.shape.slice());
    kernels().cast(value.data, out.data);
    return finish(out, opts, op);
  }
  if (ArrayBuffer.isView(value)) {
    const buf = value as Buffer;
    const dtype = opts.dtype ?? dtypeOf(buf);
    return finish(fromBuffer(toBuffer(buf, dtype, op), [buf.length]), opts, op);
  }
  const shape = inferShape(value, op);
  const flat: number[] = [];
  flattenInto(value, shape, 0, flat, [], op);
  const dtype = opts.dtype ?? (isBoolData(value) ? "bool" : "float32");
  return finish(fromBuffer(toBuffer(flat, dtype, op), shape), opts, op);
}

/** Accepts full([2,3], v) and full(2, 3, ...) style shapes. */
function shapeArg(shape: number | number[], op: string): number[] {
  return checkShape(typeof shape === "number" ? [shape] : shape, op);
}

export function full(shape: number | number[], value: number, opts: TensorOptions = {}): Tensor {
  const s = shapeArg(shape, "full");
  const dtype = checkDType(opts.dtype ?? "float32", "full");
  if (typeof value !== "number" && typeof value !== "boolean") throw new ValueError(`full: the fill value must be a number, got ${String(value)}`);
  if (dtype === "int32" && !Number.isFinite(value)) throw new ValueError(`full: cannot fill an int32 tensor with ${value}`);
  const data = allocBuffer(dtype, numel(s));
  kernels().fill(data, dtype === "int32" ? Math.trunc(+value) : dtype === "bool" ? (value ? 1 : 0) : +value);
  return finish(fromBuffer(data, s), opts, "full");
}

export function zeros(shape: number | number[], opts: TensorOptions = {}): Tensor {
  const s = shapeArg(shape, "zeros");
  return finish(fromBuffer(allocBuffer(checkDType(opts.dtype ?? "float32", "zeros"), numel(s)), s), opts, "zeros");
}

export function ones(shape: number | number[], opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function eye(n: number, m: number = n, opts: TensorOptions = {}): Tensor {
  const s = checkShape([n, m], "eye");
  const t = zeros(s, { dtype: opts.dtype });
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return finish(t, opts, "eye");
}

/**
 * Values from start (inclusive) to end (exclusive) by step, as PyTorch's arange:
 * arange(5), arange(1, 4), arange(0, 1, 0.25). Integer arguments give int32.
 */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  for (const [name, v] of [["start", start], ["end", end], ["step", step]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new ValueError(`arange: ${name} must be a finite number, got ${v}`);
  }
  if (step === 0) throw new ValueError("arange: step must not be zero");
  if ((end - start) / step < 0) throw new ValueError(`arange: step ${step} goes away from end ${end} when starting at ${start}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = opts.dtype ?? ([start, end, step].every(Number.isInteger) ? "int32" : "float32");
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finish(fromBuffer(toBuffer(values, checkDType(dtype, "arange"), "arange"), [n]), opts, "arange");
}

/** steps evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ValueError(`linspace: start and end must be finite, got ${start} and ${end}`);
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`linspace: steps must be a non-negative integer, got ${steps}`);
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so that the last value is exactly end.
  for (let i = 0; i < steps; i++) values[i] = i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step;
  return finish(fromBuffer(toBuffer(values, checkDType(opts.dtype ?? "float32", "linspace"), "linspace"), [steps]), opts, "linspace");
}

function randomFill(shape: number | number[], opts: RandomOptions, op: string, draw: (g: Generator) => number): Tensor {
  const s = shapeArg(shape, op);
  const dtype = checkDType(opts.dtype ?? "float32", op);
  if (!isFloat(dtype)) throw new DTypeError(`${op}: needs a floating-point dtype, got ${dtype} (use randint for integers)`);
  const g = opts.generator ?? defaultGenerator;
  const data = allocBuffer(dtype, numel(s));
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
export function randint(low: number, high: number, shape: number | number[], opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high)) throw new ValueError(`randint: low and high must be integers, got ${low} and ${high}`);
  if (high <= low) throw new ValueError(`randint: high (${high}) must be greater than low (${low})`);
  const s = shapeArg(shape, "randint");
  const g = opts.generator ?? defaultGenerator;
  const values = new Float64Array(numel(s));
  for (let i = 0; i < values.length; i++) values[i] = g.int(low, high);
  return finish(fromBuffer(toBuffer(values, checkDType(opts.dtype ?? "int32", "randint"), "randint"), s), opts, "randint");
}

/** A random permutation of 0..n-1 (Fisher–Yates), int32. */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`randperm: n must be a non-negative integer, got ${n}`);
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

const like = (t: Tensor, opts: TensorOptions) => ({ dtype: opts.dtype ?? t.dtype, requiresGrad: opts.requiresGrad });
export const zerosLike = (t: Tensor, opts: TensorOptions = {}) => zeros(t.shape, like(t, opts));
export const onesLike = (t: Tensor, opts: TensorOptions = {}) => ones(t.shape, like(t, opts));
export const fullLike = (t: Tensor, value: number, opts: TensorOptions = {}) => full(t.shape, value, like(t, opts));
export const randLike = (t: Tensor, opts: RandomOptions = {}) => rand(t.shape, { ...opts, dtype: opts.dtype ?? (isFloat(t.dtype) ? t.dtype : "float32") });
export const randnLike = (t: Tensor, opts: RandomOptions = {}) => randn(t.shape, { ...opts, dtype: opts.dtype ?? (isFloat(t.dtype) ? t.dtype : "float32") });

/** A 0-d tensor holding a JS number, used when an op mixes a tensor and a number. */
export function scalar(value: number, dtype: DType): Tensor {
  const data = allocBuffer(dtype, 1);
  data[0] = value;
  return fromBuffer(data, []);
}
