// The primitive kernels: the whole contract between gradlab's ops and a backend.
//
// Every op, layer and loss in gradlab is built from these. The pure-TypeScript backend
// (`js.ts`) implements every one of them and is the reference; the native addon
// (`native/src/*.cc`) implements the same functions with the same arguments and is
// tested against it. Buffers are the backend's handles (a tensor's Storage holds one,
// core/storage.ts); on the CPU backends they are typed arrays: Float32Array (float32),
// Float64Array (float64), Int32Array (int32), Uint8Array (bool); a backend with its own
// memory (core/backend/sealed.ts) passes opaque ones. Every tensor is contiguous and
// row-major; shapes are plain arrays of non-negative integers. Outputs are allocated by
// the caller and passed in; kernels never allocate tensors, except `nonzero`.
//
// Op codes are numbers so that a call crosses into C++ without string compares: a code
// is the op's position in its table of `opcodes.ts`, from which `native/src/opcodes.h`
// is generated (scripts/gen-opcodes.js); the loader refuses an addon whose tables differ.

export type Buffer = Float32Array | Float64Array | Int32Array | Uint8Array;
export type FloatBuffer = Float32Array | Float64Array;

import { UNARY, UNARY_INT_OK as UNARY_INT_OK_LIST, BINARY, BINARY_BOOL_OUT as BINARY_BOOL_OUT_LIST, REDUCE } from "./opcodes";
export { UNARY, BINARY, REDUCE };

/** Elementwise unary ops. `a`, `b` are the op's scalar parameters where it has them. */
export type UnaryOp = (typeof UNARY)[number];
export const unaryCode = Object.fromEntries(UNARY.map((n, i) => [n, i])) as Record<UnaryOp, number>;

/** Unary ops that are defined on int32 as well as on floats (the rest need floats). */
export const UNARY_INT_OK: ReadonlySet<UnaryOp> = new Set(UNARY_INT_OK_LIST);

/** Elementwise binary ops with broadcasting. Comparisons and logical ops write bool (Uint8Array). */
export type BinaryOp = (typeof BINARY)[number];
export const binaryCode = Object.fromEntries(BINARY.map((n, i) => [n, i])) as Record<BinaryOp, number>;
export const BINARY_BOOL_OUT: ReadonlySet<BinaryOp> = new Set(BINARY_BOOL_OUT_LIST);

/** Reductions along one axis of a tensor seen as [outer, n, inner]. */
export type ReduceOp = (typeof REDUCE)[number];
export const reduceCode = Object.fromEntries(REDUCE.map((n, i) => [n, i])) as Record<ReduceOp, number>;

/** The window both geometries share: its size, step, padding and dilation, per axis. */
export interface Window2d {
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly paddingH: number;
  readonly paddingW: number;
  readonly dilationH: number;
  readonly dilationW: number;
}

/**
 * A 2-D convolution's geometry, every size by name. Input x: (batch, inChannels, inHeight,
 * inWidth); weight w: (outChannels, inChannels/groups, kernelHeight, kernelWidth); output:
 * (batch, outChannels, outHeight, outWidth). Built and checked by `conv2dGeometry`
 * (core/ops/window.ts); the addon reads the same fields by name and checks them again.
 */
export interface Conv2dGeometry extends Window2d {
  readonly batch: number;
  readonly inChannels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly groups: number;
}

/**
 * A 2-D pooling's geometry, every size by name: input (batch, channels, inHeight, inWidth),
 * output (batch, channels, outHeight, outWidth). Built and checked by `pool2dGeometry`
 * (core/ops/window.ts).
 */
export interface Pool2dGeometry extends Window2d {
  readonly batch: number;
  readonly channels: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

export interface Kernels {
  /** out[i] = f(x[i]; a, b). x and out have the same dtype and length (out may be x). */
  unary(op: number, x: Buffer, out: Buffer, a: number, b: number): void;
  /** dx[i] = dy[i] * f'(x[i]) for the same op; y = f(x) is given for ops whose derivative uses it. */
  unaryBackward(op: number, x: FloatBuffer, y: FloatBuffer, dy: FloatBuffer, dx: FloatBuffer, a: number, b: number): void;
  /** out = a ∘ b with NumPy broadcasting; a and b share a dtype; out is that dtype, or bool for comparisons. */
  binary(op: number, a: Buffer, aShape: number[], b: Buffer, bShape: number[], out: Buffer, outShape: number[]): void;
  /** out = cond ? a : b, all three broadcast to outShape; cond is bool, a/b/out share a dtype. */
  where(cond: Uint8Array, condShape: number[], a: Buffer, aShape: number[], b: Buffer, bShape: number[], out: Buffer, outShape: number[]): void;
  /**
   * Reduce x seen as [outer, n, inner] along the middle axis into out, seen as [outer, inner].
   * argmax/argmin write int32 indices (first occurrence wins; NaN counts as the largest/smallest
   * and propagates through max/min, as in PyTorch). Sums accumulate in double precision.
   */
  reduce(op: number, x: Buffer, outer: number, n: number, inner: number, out: Buffer): void;
  /**
   * Batched C = op(A)·op(B) (+ C when accumulate): A is M×K (K×M when transA), B is K×N (N×K when
   * transB), C is M×N, all row-major. Batch b reads A at b*strideA, B at b*strideB and writes C at
   * b*strideC (a stride of 0 broadcasts). A, B, C share a float dtype.
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: FloatBuffer, B: FloatBuffer, C: FloatBuffer,
    batch: number, strideA: number, strideB: number, strideC: number, accumulate: boolean): void;
  /** Softmax (or log-softmax) of x seen as [outer, n, inner] along the middle axis. */
  softmax(x: FloatBuffer, out: FloatBuffer, outer: number, n: number, inner: number, log: boolean): void;
  /** Gradient of softmax/log-softmax given its output y and the incoming gradient dy. */
  softmaxBackward(y: FloatBuffer, dy: FloatBuffer, dx: FloatBuffer, outer: number, n: number, inner: number, log: boolean): void;
  /**
   * 2-D convolution (cross-correlation, as PyTorch); bias (one value per output channel, or
   * null) is added to each output after its sum, with the bits of a separate add.
   */
  conv2d(x: FloatBuffer, w: FloatBuffer, out: FloatBuffer, geometry: Conv2dGeometry, bias?: FloatBuffer | null): void;
  /**
   * conv2d (bias as there) then max pooling of its output with 2x2 windows at stride 2:
   * out and argmax as maxPool2d gives them on conv2d's result (pool2x2Geometry), without
   * that result having to be stored. With relu, out is rectified as relu does (after the
   * pooling, which gives the values of relu before it).
   */
  conv2dMaxPool2x2(x: FloatBuffer, w: FloatBuffer, out: FloatBuffer, argmax: Int32Array, geometry: Conv2dGeometry, bias?: FloatBuffer | null,
    relu?: boolean): void;
  /**
   * conv2dMaxPool2x2's weight gradient dw (overwritten) from its pooled output's gradient dy
   * and winners, without the convolution's dense output gradient: the bits conv2dBackwardWeight
   * gives on the gradient maxPool2dBackward(dy, argmax, ..., reluOut) makes, and in planeSums
   * (or null) each (image, channel) plane's sum of that gradient as reduce gives it (the
   * bias's gradient before its sum over images). Returns false, writing nothing, where the
   * backend has no such kernel for these arguments: the caller then makes the dense gradient.
   */
  conv2dMaxPool2x2BackwardWeight(x: FloatBuffer, dy: FloatBuffer, argmax: Int32Array, dw: FloatBuffer, planeSums: FloatBuffer | null,
    geometry: Conv2dGeometry, reluOut?: FloatBuffer | null): boolean;
  /**
   * conv2dMaxPool2x2's input and weight gradients dx and dw (overwritten) from its pooled
   * output's gradient dy and winners, without the dense gradient in memory: the bits
   * conv2dBackwardInput and conv2dBackwardWeight give on the gradient maxPool2dBackward(dy,
   * argmax, ..., reluOut) makes, and planeSums (or null) as conv2dMaxPool2x2BackwardWeight
   * gives them. Returns false where the backend has no such kernel for these arguments (dx,
   * dw and planeSums then hold no result): the caller then makes the dense gradient.
   */
  conv2dMaxPool2x2Backward(x: FloatBuffer, w: FloatBuffer, dy: FloatBuffer, argmax: Int32Array, dx: FloatBuffer, dw: FloatBuffer,
    planeSums: FloatBuffer | null, geometry: Conv2dGeometry, reluOut?: FloatBuffer | null): boolean;
  /** dx (overwritten) from dy and w. */
  conv2dBackwardInput(dy: FloatBuffer, w: FloatBuffer, dx: FloatBuffer, geometry: Conv2dGeometry): void;
  /** dw (overwritten) from x and dy. */
  conv2dBackwardWeight(x: FloatBuffer, dy: FloatBuffer, dw: FloatBuffer, geometry: Conv2dGeometry): void;
  /** Max pooling; argmax gets, per output element, the flat index h*W+w of the winner in its input plane (padding is -inf). */
  maxPool2d(x: FloatBuffer, out: FloatBuffer, argmax: Int32Array, geometry: Pool2dGeometry): void;
  /**
   * dx (overwritten) gets dy routed to each window's winner, accumulated where windows
   * overlap. With reluOut (a relu's output over this pooling's, as long as dy), dy only where
   * reluOut > 0 (else 0): as if dy had gone through relu's gradient first, to the same bits.
   */
  maxPool2dBackward(dy: FloatBuffer, argmax: Int32Array, dx: FloatBuffer, geometry: Pool2dGeometry, reluOut?: FloatBuffer | null): void;
  /** Average pooling; countIncludePad divides by the full window (PyTorch's default) instead of the in-bounds part. */
  avgPool2d(x: FloatBuffer, out: FloatBuffer, geometry: Pool2dGeometry, countIncludePad: boolean): void;
  avgPool2dBackward(dy: FloatBuffer, dx: FloatBuffer, geometry: Pool2dGeometry, countIncludePad: boolean): void;
  /** dst (contiguous, product(shape) long) = the strided view of src at offset with strides (in elements, may be 0). */
  stridedCopy(src: Buffer, offset: number, strides: number[], shape: number[], dst: Buffer): void;
  /** The strided view of dst at offset with strides = src (contiguous); += when accumulate. */
  stridedScatter(dst: Buffer, offset: number, strides: number[], shape: number[], src: Buffer, accumulate: boolean): void;
  /** out[o, i, j] = x[o, index[i], j]; x seen as [outer, n, inner]; every index must be in [0, n). */
  indexSelect(x: Buffer, outer: number, n: number, inner: number, index: Int32Array, out: Buffer): void;
  /** dx[o, index[i], j] += src[o, i, j]; dx seen as [outer, n, inner]. */
  indexAdd(dx: Buffer, outer: number, n: number, inner: number, index: Int32Array, src: Buffer): void;
  /** out[..., i_dim, ...] = x[..., index[..., i_dim, ...], ...] (PyTorch's gather); index has out's shape. */
  gather(x: Buffer, xShape: number[], dim: number, index: Int32Array, indexShape: number[], out: Buffer): void;
  /** The adjoint of gather: dx[..., index[...], ...] += src[...]. */
  scatterAdd(dx: Buffer, dxShape: number[], dim: number, index: Int32Array, indexShape: number[], src: Buffer): void;
  /** dst[i] = src[i] converted to dst's dtype; converting NaN or ±Inf to int32 throws. */
  cast(src: Buffer, dst: Buffer): void;
  /** dst[i] = value, converted as cast converts: bool stores value != 0 (NaN is true); int32 truncates and refuses NaN, ±Inf and values outside its range. */
  fill(dst: Buffer, value: number): void;
  /** The flat indices i where mask[i] != 0, in order. */
  nonzero(mask: Uint8Array): Int32Array;
  /** How many elements are NaN or ±Inf (0 for int and bool buffers). */
  countNonFinite(x: Buffer): number;
  /**
   * One SGD step in place, PyTorch's rule: g = grad + weightDecay·param; with momentum,
   * buf = g on the first step (first = true), else buf = momentum·buf + (1 − dampening)·g, and
   * g = nesterov ? g + momentum·buf : buf; then param −= lr·g. buf may be empty when momentum is 0.
   * All buffers share a float dtype and param's length.
   */
  sgdStep(param: FloatBuffer, grad: FloatBuffer, buf: FloatBuffer, lr: number, momentum: number, dampening: number,
    weightDecay: number, nesterov: boolean, first: boolean): void;
  /**
   * One Adam step in place (step counts from 1), PyTorch's rule with bias correction:
   * AdamW (decoupled) first scales param by (1 − lr·weightDecay), Adam adds weightDecay·param to g;
   * m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²; with amsgrad vmax = max(vmax, v) replaces v below;
   * param −= lr/(1 − β1^step) · m / (√v/√(1 − β2^step) + eps). maxExpAvgSq may be empty without amsgrad.
   */
  adamStep(param: FloatBuffer, grad: FloatBuffer, expAvg: FloatBuffer, expAvgSq: FloatBuffer, maxExpAvgSq: FloatBuffer,
    step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, amsgrad: boolean): void;
}
