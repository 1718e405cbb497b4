// The Tensor: contiguous, row-major storage (core/storage.ts: a backend's memory) with a
// shape and a dtype, plus the autograd fields. Methods are thin: each delegates to the op
// that implements it (ops/*.ts), so this file reads as the API's table of contents.
import type { Buffer } from "./backend/kernels";
import type { DType } from "./dtype";
import { Node, runBackward, isGradEnabled, type BackwardOptions } from "./autograd";
import { kernels, activeBackend } from "./backend";
import { Storage, hostStorage, handleOf, readHost } from "./storage";
import { isFloat, dtypeOf, toDType, DTYPES } from "./dtype";
import { numel } from "./shape";
import { DTypeError, ShapeError, ValueError, fmtShape, describeValue } from "./errors";
import * as ew from "./ops/elementwise";
import * as red from "./ops/reduce";
import * as mv from "./ops/movement";
import * as act from "./ops/activation";
import { matmul } from "./ops/linalg";
import { onesLike, fromBuffer, scalar, requireTensor } from "./ops/creation";
import { formatTensor } from "./format";
import type { TensorLike } from "./ops/elementwise";
import type { Dims, ValuesIndices, VarOptions } from "./ops/reduce";
import type { IndexSpec } from "./ops/movement";

export type { TensorLike };

export class Tensor {
  /** @internal The memory, row-major and contiguous, of the backend that made it; views made by reshape share it. */
  readonly storage: Storage;
  readonly shape: number[];
  readonly dtype: DType;
  /** Whether operations on this tensor are recorded for backward(). */
  requiresGrad = false;
  /** The accumulated gradient, filled by backward() for leaves (and for tensors that called retainGrad()). */
  grad: Tensor | null = null;
  /** The node that produced this tensor, null for leaves. */
  gradFn: Node | null = null;
  /** @internal set by retainGrad(). */
  retainsGrad = false;
  /** An optional name, shown when the tensor is printed or displayed. */
  name?: string;

  /**
   * A tensor of these values (a typed array of dtype, exactly the shape's number of
   * elements). On the CPU backends the tensor keeps the array as its storage (no copy).
   */
  constructor(data: Buffer | Storage, shape: number[], dtype: DType, requiresGrad = false) {
    if (data instanceof Storage) {
      checkShapeArg(shape, data.length);
      this.storage = data;
    } else {
      checkTensorArgs(data, shape, dtype, !wrapping);
      this.storage = hostStorage(data);
    }
    this.shape = shape;
    this.dtype = dtype;
    if (requiresGrad) this.requiresGrad_(true);
  }

  /**
   * @internal Wraps a handle an op allocated on the active backend (possibly not yet
   * written: its bool values are not checked). Users call the constructor, which checks them.
   */
  static wrap(handle: Buffer, shape: number[], dtype: DType, requiresGrad = false): Tensor {
    return new Tensor(new Storage(activeBackend(), handle, numel(shape)), shape, dtype, requiresGrad);
  }

  /**
   * @internal Wraps a host typed array the caller just filled: its storage where the
   * active backend's memory is host memory, else copied in.
   */
  static fromHost(data: Buffer, shape: number[], dtype: DType, requiresGrad = false): Tensor {
    wrapping = true;
    try {
      return new Tensor(data, shape, dtype, requiresGrad);
    } finally {
      wrapping = false;
    }
  }

  /**
   * The values as a typed array. On the CPU backends this is the storage itself (fast to
   * read; writing to it changes the tensor); on a backend with its own memory, a copy.
   */
  get data(): Buffer { return readHost(this.storage); }

  // ---- facts -----------------------------------------------------------------
  get ndim(): number { return this.shape.length; }
  get numel(): number { return this.storage.length; }
  /** The size of one dimension, or the shape. */
  size(dim?: number): number | number[] {
    if (dim === undefined) return this.shape.slice();
    return this.shape[dim < 0 ? dim + this.ndim : dim];
  }
  /** Whether this tensor was created by the user rather than by an op. */
  get isLeaf(): boolean { return this.gradFn === null; }

  // ---- reading values ----------------------------------------------------------
  /** The values as a typed array: as `.data`, the storage itself on the CPU backends, a copy elsewhere. */
  dataSync(): Buffer { return readHost(this.storage); }
  /** The single value of a one-element tensor. */
  item(): number {
    if (this.numel !== 1) throw new ValueError(`item: only a tensor with one element has an item; this one has shape ${fmtShape(this.shape)} (${this.numel} elements)`);
    return readHost(this.storage)[0];
  }
  /** Nested arrays of numbers (booleans for bool tensors), like PyTorch's tolist(). */
  toArray(): any {
    const bool = this.dtype === "bool";
    const data = readHost(this.storage);
    const build = (d: number, off: number): any => {
      if (d === this.ndim) return bool ? data[off] !== 0 : data[off];
      const stride = numel(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, off + i * stride));
    };
    return build(0, 0);
  }
  tolist(): any { return this.toArray(); }
  toString(): string { return formatTensor(this); }
  [Symbol.for("nodejs.util.inspect.custom")](): string { return formatTensor(this); }
  /** The text, plus statistics, histogram and values for the notebook (core/rich.ts; loaded late: it imports viz, which imports Tensor). */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> { return (require("./rich") as typeof import("./rich")).tensorBundle(this); }

  // ---- autograd ------------------------------------------------------------------
  /**
   * Back-propagates from this tensor: a scalar, or any tensor given the gradient of its output,
   * as backward(gradient) or backward({ gradient }). Options: retainGraph, and createGraph
   * to make the gradients differentiable (gradients of gradients).
   */
  backward(gradient?: Tensor | BackwardOptions, opts?: BackwardOptions): void {
    let grad: Tensor | undefined;
    if (gradient instanceof Tensor || gradient === undefined || gradient === null) {
      grad = gradient ?? opts?.gradient ?? undefined;
    } else if (typeof gradient === "object" && !Array.isArray(gradient)) {
      if (opts !== undefined) throw new TypeError("backward: give the options once: backward(gradient, options) or backward({ gradient, ...options })");
      opts = gradient;
      grad = opts.gradient;
    } else {
      throw new TypeError(`backward: expected a gradient tensor or an options object, got ${describeValue(gradient)}`);
    }
    if (grad === undefined || grad === null) {
      if (this.numel !== 1) {
        throw new ShapeError(`backward: the gradient can be implied only for a single-element output; this one has shape ` +
          `${fmtShape(this.shape)}, so pass its gradient (e.g. y.backward(onesLike(y))) or reduce it first (y.sum().backward())`);
      }
      grad = onesLike(this);
    } else if (!(grad instanceof Tensor)) {
      throw new TypeError(`backward: the gradient must be a tensor, got ${describeValue(grad)}`);
    } else if (grad.shape.length !== this.ndim || grad.shape.some((d, i) => d !== this.shape[i])) {
      throw new ShapeError(`backward: the gradient has shape ${fmtShape(grad.shape)} but the tensor has shape ${fmtShape(this.shape)}`);
    }
    runBackward(this, grad.dtype === this.dtype ? grad : grad.to(this.dtype), opts);
  }
  /** Sets requiresGrad in place (leaves only) and returns this. */
  requiresGrad_(on = true): this {
    if (on && !isFloat(this.dtype)) throw new DTypeError(`requiresGrad: only floating-point tensors can require gradients, not ${this.dtype}`);
    if (!on && this.gradFn) throw new ValueError("requiresGrad_: cannot turn off gradients for a tensor computed by an op; use detach()");
    this.requiresGrad = on;
    return this;
  }
  /** Keeps this non-leaf tensor's gradient in .grad after backward(). */
  retainGrad(): this { this.retainsGrad = true; return this; }
  /** The same storage, cut off from the graph. */
  detach(): Tensor { return new Tensor(this.storage, this.shape, this.dtype); }

  // ---- dtype ---------------------------------------------------------------------
  to(dtype: DType): Tensor { return ew.cast(this, dtype); }
  float(): Tensor { return ew.cast(this, "float32"); }
  double(): Tensor { return ew.cast(this, "float64"); }
  int(): Tensor { return ew.cast(this, "int32", "int"); }
  bool(): Tensor { return ew.cast(this, "bool"); }

  // ---- elementwise -----------------------------------------------------------------
  add(other: TensorLike, opts?: { alpha?: number }): Tensor {
    return ew.binaryOp("add", this, opts?.alpha !== undefined ? ew.binaryOp("mul", other, opts.alpha) : other);
  }
  sub(other: TensorLike, opts?: { alpha?: number }): Tensor {
    return ew.binaryOp("sub", this, opts?.alpha !== undefined ? ew.binaryOp("mul", other, opts.alpha) : other);
  }
  mul(other: TensorLike): Tensor { return ew.binaryOp("mul", this, other); }
  div(other: TensorLike): Tensor { return ew.binaryOp("div", this, other); }
  pow(other: TensorLike): Tensor {
    return typeof other === "number" && isFloat(this.dtype) ? ew.unaryOp("powScalar", this, other) : ew.binaryOp("pow", this, other);
  }
  /** other - this (for expressions like 1 - p). */
  rsub(other: TensorLike): Tensor { return ew.binaryOp("sub", other, this); }
  /** other / this. */
  rdiv(other: TensorLike): Tensor { return ew.binaryOp("div", other, this); }
  maximum(other: TensorLike): Tensor { return ew.binaryOp("maximum", this, other); }
  minimum(other: TensorLike): Tensor { return ew.binaryOp("minimum", this, other); }
  eq(other: TensorLike): Tensor { return ew.binaryOp("eq", this, other); }
  ne(other: TensorLike): Tensor { return ew.binaryOp("ne", this, other); }
  lt(other: TensorLike): Tensor { return ew.binaryOp("lt", this, other); }
  le(other: TensorLike): Tensor { return ew.binaryOp("le", this, other); }
  gt(other: TensorLike): Tensor { return ew.binaryOp("gt", this, other); }
  ge(other: TensorLike): Tensor { return ew.binaryOp("ge", this, other); }
  logicalAnd(other: TensorLike): Tensor { return ew.binaryOp("and", this, other); }
  and(other: TensorLike): Tensor { return ew.binaryOp("and", this, other); }
  logicalOr(other: TensorLike): Tensor { return ew.binaryOp("or", this, other); }
  logicalNot(): Tensor { return ew.binaryOp("eq", this.bool(), false); }
  isNaN(): Tensor { return ew.binaryOp("ne", this, this); }
  isFinite(): Tensor { return isFloat(this.dtype) ? this.sub(this).eq(0) : ew.binaryOp("eq", this, this); }
  /** this where cond is true, other elsewhere (torch.Tensor.where). */
  where(cond: Tensor, other: TensorLike): Tensor { return ew.where(cond, this, other); }
  clamp(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }
  clip(min?: number | null, max?: number | null): Tensor { return ew.clamp(this, min, max); }

  neg(): Tensor { return ew.unaryOp("neg", this); }
  abs(): Tensor { return ew.unaryOp("abs", this); }
  sign(): Tensor { return ew.unaryOp("sign", this); }
  exp(): Tensor { return ew.unaryOp("exp", this); }
  log(): Tensor { return ew.unaryOp("log", this); }
  sqrt(): Tensor { return ew.unaryOp("sqrt", this); }
  rsqrt(): Tensor { return ew.unaryOp("rsqrt", this); }
  sin(): Tensor { return ew.unaryOp("sin", this); }
  cos(): Tensor { return ew.unaryOp("cos", this); }
  tanh(): Tensor { return ew.unaryOp("tanh", this); }
  sigmoid(): Tensor { return ew.unaryOp("sigmoid", this); }
  relu(): Tensor { return ew.unaryOp("relu", this); }
  floor(): Tensor { return ew.unaryOp("floor", this); }
  ceil(): Tensor { return ew.unaryOp("ceil", this); }
  round(): Tensor { return ew.unaryOp("round", this); }
  reciprocal(): Tensor { return ew.unaryOp("reciprocal", this); }
  square(): Tensor { return ew.unaryOp("square", this); }
  atan(): Tensor { return ew.unaryOp("atan", this); }
  log1p(): Tensor { return ew.unaryOp("log1p", this); }
  expm1(): Tensor { return ew.unaryOp("expm1", this); }
  erf(): Tensor { return ew.unaryOp("erf", this); }
  softmax(dim: number): Tensor { return act.softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return act.logSoftmax(this, dim); }

  // ---- reductions --------------------------------------------------------------------
  sum(dim?: Dims, keepdim = false): Tensor { return red.sum(this, dim, keepdim); }
  mean(dim?: Dims, keepdim = false): Tensor { return red.mean(this, dim, keepdim); }
  prod(dim?: number, keepdim = false): Tensor { return red.prod(this, dim, keepdim); }
  /** The largest element; with a dim, { values, indices } along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices { return red.max(this, dim, keepdim); }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices { return red.min(this, dim, keepdim); }
  amax(dim?: number, keepdim = false): Tensor { return red.amax(this, dim, keepdim); }
  amin(dim?: number, keepdim = false): Tensor { return red.amin(this, dim, keepdim); }
  argmax(dim?: number, keepdim = false): Tensor { return red.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return red.argmin(this, dim, keepdim); }
  var(dim?: Dims, opts?: VarOptions): Tensor { return red.variance(this, dim, opts); }
  std(dim?: Dims, opts?: VarOptions): Tensor { return red.std(this, dim, opts); }
  norm(p = 2, dim?: Dims, keepdim = false): Tensor { return red.norm(this, p, dim, keepdim); }
  logsumexp(dim: Dims, keepdim = false): Tensor { return red.logsumexp(this, dim, keepdim); }

  // ---- linear algebra ------------------------------------------------------------------
  matmul(other: Tensor): Tensor { return matmul(this, other); }
  mm(other: Tensor): Tensor {
    requireTensor(other, "mm", "the other operand");
    if (this.ndim !== 2 || other.ndim !== 2) throw new ShapeError(`mm: expected two 2-D tensors, got ${fmtShape(this.shape)} and ${fmtShape(other.shape)}`);
    return matmul(this, other);
  }
  dot(other: Tensor): Tensor {
    requireTensor(other, "dot", "the other operand");
    if (this.ndim !== 1 || other.ndim !== 1) throw new ShapeError(`dot: expected two 1-D tensors, got ${fmtShape(this.shape)} and ${fmtShape(other.shape)}`);
    return matmul(this, other);
  }

  // ---- shape and movement -----------------------------------------------------------
  reshape(shape: number[]): Tensor;
  reshape(...shape: number[]): Tensor;
  reshape(...shape: any[]): Tensor { return mv.reshape(this, Array.isArray(shape[0]) ? shape[0] : shape); }
  view(shape: number[]): Tensor;
  view(...shape: number[]): Tensor;
  view(...shape: any[]): Tensor { return mv.reshape(this, Array.isArray(shape[0]) ? shape[0] : shape); }
  flatten(startDim = 0, endDim = -1): Tensor { return mv.flatten(this, startDim, endDim); }
  squeeze(dim?: number | number[]): Tensor { return mv.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return mv.unsqueeze(this, dim); }
  transpose(dim0: number, dim1: number): Tensor { return mv.transpose(this, dim0, dim1); }
  permute(dims: number[]): Tensor;
  permute(...dims: number[]): Tensor;
  permute(...dims: any[]): Tensor { return mv.permute(this, Array.isArray(dims[0]) ? dims[0] : dims); }
  /** The dimensions reversed (the transpose, for a matrix). */
  get T(): Tensor { return mv.permute(this, this.shape.map((_, i) => this.ndim - 1 - i)); }
  expand(shape: number[]): Tensor;
  expand(...shape: number[]): Tensor;
  expand(...shape: any[]): Tensor { return mv.expand(this, Array.isArray(shape[0]) ? shape[0] : shape); }
  expandAs(other: Tensor): Tensor { return mv.expand(this, other.shape); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return mv.slice(this, dim, start, end, step); }
  narrow(dim: number, start: number, length: number): Tensor { return mv.slice(this, dim, start, start + length); }
  /** NumPy-style indexing: x.index(0), x.index(":", "1:3"), x.index("...", -1), x.index(mask). */
  index(...specs: IndexSpec[]): Tensor { return mv.index(this, ...specs); }
  indexSelect(dim: number, index: Tensor | number[]): Tensor { return mv.indexSelect(this, dim, index); }
  gather(dim: number, index: Tensor): Tensor { return mv.gather(this, dim, index); }
  maskedSelect(mask: Tensor): Tensor { return mv.maskedSelect(this, mask); }
  maskedFill(mask: Tensor, value: number): Tensor { return mv.maskedFill(this, mask, value); }
  split(splitSize: number | number[], dim = 0): Tensor[] { return mv.split(this, splitSize, dim); }
  chunk(n: number, dim = 0): Tensor[] { return mv.chunk(this, n, dim); }
  clone(): Tensor { return mv.clone(this); }
  /** Every gradlab tensor is contiguous; returns this. */
  contiguous(): Tensor { return this; }

  // ---- in place (outside autograd: initialisation and optimiser updates) ---------------
  private checkInPlace(op: string): void {
    if (isGradEnabled() && (this.requiresGrad || this.gradFn)) {
      throw new ValueError(`${op}: cannot change a tensor that requires grad in place while gradients are recorded; ` +
        "wrap the update in noGrad(() => ...)");
    }
  }
  /** Writes other (broadcast to this shape, cast to this dtype) into this tensor. */
  copy_(other: TensorLike): this {
    this.checkInPlace("copy_");
    if (!(other instanceof Tensor) && typeof other !== "number" && typeof other !== "boolean") {
      throw new ValueError(`copy_: expected a tensor or a number, got ${other === null ? "null" : typeof other}`);
    }
    const src = other instanceof Tensor ? other : scalar(+other, this.dtype, "copy_");
    const b = (src.dtype === this.dtype ? src : ew.cast(src, this.dtype, "copy_")).expand(this.shape);
    kernels().cast(handleOf(b), handleOf(this));
    return this;
  }
  fill_(value: number): this {
    this.checkInPlace("fill_");
    if (typeof value !== "number" && typeof value !== "boolean") throw new ValueError(`fill_: the fill value must be a number, got ${value === null ? "null" : typeof value}`);
    kernels().fill(handleOf(this), toDType(value, this.dtype, "fill_", true));
    return this;
  }
  zero_(): this { return this.fill_(0); }
  add_(other: TensorLike, opts?: { alpha?: number }): this { return this.copy_(this.add(other, opts)); }
  sub_(other: TensorLike, opts?: { alpha?: number }): this { return this.copy_(this.sub(other, opts)); }
  mul_(other: TensorLike): this { return this.copy_(this.mul(other)); }
  div_(other: TensorLike): this { return this.copy_(this.div(other)); }
  clamp_(min?: number | null, max?: number | null): this { return this.copy_(this.clamp(min, max)); }
}

/**
 * The constructor's checks: data is a typed array of dtype, shape a list of sizes, and
 * data holds exactly the shape's number of elements.
 */
/** Set while Tensor.fromHost constructs. */
let wrapping = false;

function checkTensorArgs(data: unknown, shape: unknown, dtype: unknown, checkValues: boolean): void {
  if (typeof dtype !== "string" || !(DTYPES as readonly string[]).includes(dtype)) {
    throw new DTypeError(`Tensor: dtype must be one of ${DTYPES.join(", ")}, got ${describeValue(dtype)}`);
  }
  if (!(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array)) {
    throw new DTypeError(`Tensor: data must be a Float32Array, Float64Array, Int32Array or Uint8Array, got ${data === null ? "null" : typeof data === "object" ? (data as object).constructor?.name ?? "an object" : typeof data}`);
  }
  if (dtypeOf(data) !== dtype) throw new DTypeError(`Tensor: data is a ${data.constructor.name}, which does not hold ${dtype}`);
  const n = checkShapeArg(shape, data.length);
  if (dtype === "bool" && checkValues) {
    // Every kernel reads a bool as 0 or 1; other bytes would compare differently on each path.
    for (let i = 0; i < n; i++) {
      if (data[i] > 1) throw new ValueError(`Tensor: a bool tensor holds only 0 and 1, but element ${i} is ${data[i]} (tensor(data, { dtype: "bool" }) converts)`);
    }
  }
}

/** shape is a list of sizes whose product is length; returns the product. */
function checkShapeArg(shape: unknown, length: number): number {
  if (!Array.isArray(shape)) throw new ValueError(`Tensor: shape must be an array of sizes, got ${shape === null ? "null" : typeof shape}`);
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) throw new ValueError(`Tensor: shape ${fmtShape(shape.map(Number))} has a size that is not a non-negative integer (${String(d)})`);
    n *= d;
  }
  if (n !== length) throw new ShapeError(`Tensor: shape ${fmtShape(shape)} needs ${n} elements but data has ${length}`);
  return n;
}

/** Wraps a buffer as a tensor (for ops; users call tensor()). */
export { fromBuffer };
