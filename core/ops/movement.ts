// Shape and movement: reshape-family views, strided copies (transpose, permute,
// expand, slice), indexing, concatenation and splitting.
//
// NOTE: gradlab keeps every tensor contiguous, so that every kernel — TypeScript, C++
// or CUDA — sees one layout. reshape/view/flatten/squeeze/unsqueeze share storage with
// their input (true views); transpose, permute, expand and slices are copies made by
// one strided-copy kernel. A write into one of those does not reach the original.
import { Tensor } from "../tensor";
import { kernels } from "../backend";
import { type DType } from "../dtype";
import { record } from "../autograd";
import { numel, stridesOf, normDim, checkShape, sameShape } from "../shape";
import { ShapeError, ValueError, DTypeError, fmtShape, describeValue } from "../errors";
import { fromBuffer, zeros, requireTensor } from "./creation";
import { where } from "./elementwise";
import { allocOut, allocZeroed, handleOf } from "../storage";

function empty(dtype: DType, shape: number[]): Tensor {
  return Tensor.wrap(allocZeroed(dtype, numel(shape)), shape, dtype);
}

/** A view with a new shape (one size may be -1, inferred). Shares storage. */
export function reshape(x: Tensor, shape: number[]): Tensor {
  requireTensor(x, "reshape");
  if (!Array.isArray(shape)) throw new ValueError(`reshape: expected a shape array, got ${describeValue(shape)}`);
  const s = shape.slice();
  const infer = s.indexOf(-1);
  if (infer !== s.lastIndexOf(-1)) throw new ValueError(`reshape: only one size can be -1 in ${fmtShape(shape)}`);
  if (infer >= 0) {
    const rest = numel(s.filter((_, i) => i !== infer));
    if (rest === 0 || x.numel % rest !== 0) {
      throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.numel} elements) into ${fmtShape(shape)}`);
    }
    s[infer] = x.numel / rest;
  }
  checkShape(s, "reshape");
  if (numel(s) !== x.numel) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.numel} elements) into ${fmtShape(shape)} (${numel(s)} elements)`);
  }
  if (sameShape(s, x.shape)) return x;
  const out = new Tensor(x.storage, s, x.dtype); // a view: the same storage
  return record("reshape", [x], out);
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  requireTensor(x, "flatten");
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normDim(startDim, x.ndim, "flatten");
  const b = normDim(endDim, x.ndim, "flatten");
  if (a > b) throw new ValueError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = numel(x.shape.slice(a, b + 1));
  return reshape(x, [...x.shape.slice(0, a), merged, ...x.shape.slice(b + 1)]);
}

export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  requireTensor(x, "squeeze");
  if (dim === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normDim(d, x.ndim, "squeeze"));
  return reshape(x, x.shape.filter((d, i) => !(dims.includes(i) && d === 1)));
}

export function unsqueeze(x: Tensor, dim: number): Tensor {
  requireTensor(x, "unsqueeze");
  const d = normDim(dim, x.ndim + 1, "unsqueeze");
  const s = x.shape.slice();
  s.splice(d, 0, 1);
  return reshape(x, s);
}

/** Copies the strided view (offset, strides, shape) of x into a new contiguous tensor. */
function stridedCopy(x: Tensor, offset: number, strides: number[], shape: number[]): Tensor {
  const out = empty(x.dtype, shape);
  kernels().stridedCopy(handleOf(x), offset, strides, shape, handleOf(out));
  return out;
}

export function permute(x: Tensor, dims: number[]): Tensor {
  requireTensor(x, "permute");
  if (!Array.isArray(dims) || dims.length !== x.ndim) {
    throw new ValueError(`permute: expected ${x.ndim} dims for a tensor of shape ${fmtShape(x.shape)}, got ${describeValue(dims)}`);
  }
  const d = dims.map((v) => normDim(v, x.ndim, "permute"));
  if (new Set(d).size !== d.length) throw new ValueError(`permute: dims ${describeValue(dims)} repeat a dimension`);
  if (d.every((v, i) => v === i)) return x;
  const st = stridesOf(x.shape);
  const out = stridedCopy(x, 0, d.map((v) => st[v]), d.map((v) => x.shape[v]));
  const inverse = new Array<number>(d.length);
  d.forEach((v, i) => { inverse[v] = i; });
  return record("permute", [x], out, { inverse });
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  requireTensor(x, "transpose");
  const a = normDim(dim0, x.ndim, "transpose");
  const b = normDim(dim1, x.ndim, "transpose");
  const order = x.shape.map((_, i) => i);
  [order[a], order[b]] = [order[b], order[a]];
  return permute(x, order);
}

/** Broadcasts x to shape (sizes of -1 keep x's size), copying. */
export function expand(x: Tensor, shape: number[]): Tensor {
  requireTensor(x, "expand");
  if (shape.length < x.ndim) {
    throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)}, which has fewer dimensions`);
  }
  const lead = shape.length - x.ndim;
  const st = stridesOf(x.shape);
  const target = shape.map((d, i) => (d === -1 && i >= lead ? x.shape[i - lead] : d));
  checkShape(target, "expand");
  const strides = target.map((d, i) => {
    if (i < lead) return 0;
    const xd = x.shape[i - lead];
    if (xd === d) return st[i - lead];
    if (xd === 1) return 0;
    throw new ShapeError(`expand: cannot expand ${fmtShape(x.shape)} to ${fmtShape(shape)} ` +
      `(dimension ${i} has size ${xd}, which is not 1 and not ${d})`);
  });
  if (sameShape(target, x.shape)) return x;
  const out = stridedCopy(x, 0, strides, target);
  return record("expand", [x], out);
}

/** Refuses a 0-d tensor for ops that cut along a dimension (it has none), as PyTorch does. */
function noDims(x: Tensor, op: string): void {
  if (x.ndim === 0) throw new ShapeError(`${op}: a 0-d tensor has no dimension to slice (reshape it to [1] first)`);
}

/** Python-style slice bounds: negatives count from the end, out-of-range clamps. */
function sliceBounds(size: number, start: number | undefined, end: number | undefined, step: number): [number, number, number] {
  if (!Number.isInteger(step) || step <= 0) throw new ValueError(`slice: step must be a positive integer, got ${describeValue(step)}`);
  const norm = (v: number | undefined, dflt: number) => {
    if (v === undefined || v === null) return dflt;
    if (!Number.isInteger(v)) throw new ValueError(`slice: bounds must be integers, got ${describeValue(v)}`);
    return Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  };
  const s = norm(start, 0);
  const e = Math.max(norm(end, size), s);
  return [s, e, Math.ceil((e - s) / step)];
}

/** Elements start, start+step, ... before end along dim (a copy), as x[..., start:end:step]. */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1, op = "slice"): Tensor {
  requireTensor(x, "slice");
  noDims(x, op);
  const d = normDim(dim, x.ndim, op);
  const [s, , count] = sliceBounds(x.shape[d], start, end, step);
  const st = stridesOf(x.shape);
  const shape = x.shape.slice();
  shape[d] = count;
  // A step past the end takes one element at most; capped so that the stride stays a small integer.
  const strides = st.map((v, i) => (i === d ? v * Math.min(step, Math.max(x.shape[d], 1)) : v));
  return stridedView(x, s * st[d], strides, shape);
}

/**
 * The strided view (offset, strides, shape) of x, copied, for views whose elements are
 * distinct (slices). Its gradient writes g back into zeros (stridedPlace), whose gradient
 * is this view again, so both are differentiable to any order.
 */
export function stridedView(x: Tensor, offset: number, strides: number[], shape: number[]): Tensor {
  const out = stridedCopy(x, offset, strides, shape);
  return record("slice", [x], out, { offset, strides, shape });
}

/** Zeros of baseShape with src written into the strided view (offset, strides, shape): the adjoint of stridedView. */
export function stridedPlace(src: Tensor, baseShape: number[], offset: number, strides: number[], shape: number[]): Tensor {
  const out = zeros(baseShape, { dtype: src.dtype });
  kernels().stridedScatter(handleOf(out), offset, strides, shape, handleOf(src), false);
  return record("sliceBackward", [src], out, { offset, strides, shape });
}

/** Checks an index tensor and returns it as int32 with negatives wrapped. */
function indexTensor(index: Tensor | number[], size: number, op: string): Tensor {
  if (!(index instanceof Tensor) && !Array.isArray(index)) {
    throw new TypeError(`${op}: index must be an int32 tensor or an array of integers, got ${describeValue(index)}`);
  }
  let t = index instanceof Tensor ? index : fromBuffer(Int32Array.from(index.map((v) => {
    if (!Number.isInteger(v)) throw new DTypeError(`${op}: indices must be integers, got ${describeValue(v)}`);
    if (v < -(2 ** 31) || v >= 2 ** 31) throw new ValueError(`${op}: index ${v} is out of range for a dimension of size ${size}`);
    return v;
  })), [index.length]);
  if (t.dtype === "float32" || t.dtype === "float64" || t.dtype === "bool") {
    throw new DTypeError(`${op}: indices must be an int32 tensor, got ${t.dtype}` +
      (t.dtype === "bool" ? " (for a boolean mask use maskedSelect or index(mask))" : " (convert with .int())"));
  }
  const data = t.dataSync() as Int32Array;
  let copy: Int32Array | null = null;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < -size || v >= size) throw new ValueError(`${op}: index ${v} is out of range for a dimension of size ${size}`);
    if (v < 0) { copy ??= data.slice(); copy[i] = v + size; }
  }
  if (copy) t = fromBuffer(copy, t.shape.slice());
  return t;
}

/** The rows (or columns, ...) of x at the given indices along dim. */
export function indexSelect(x: Tensor, dim: number, index: Tensor | number[]): Tensor {
  requireTensor(x, "indexSelect");
  const d = normDim(dim, x.ndim, "indexSelect");
  const src = x.ndim === 0 ? reshape(x, [1]) : x;
  const idx = indexTensor(index, src.shape[d], "indexSelect");
  if (idx.ndim > 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(idx.shape)}`);
  return indexSelectRaw(src, d, idx);
}

/** indexSelect of a checked int32 index along dim d of x (at least 1-D); its gradient is indexAddRaw. */
export function indexSelectRaw(x: Tensor, d: number, idx: Tensor): Tensor {
  const [outer, n, inner] = [numel(x.shape.slice(0, d)), x.shape[d], numel(x.shape.slice(d + 1))];
  const shape = x.shape.slice();
  shape[d] = idx.numel;
  const out = empty(x.dtype, shape);
  kernels().indexSelect(handleOf(x), outer, n, inner, handleOf(idx) as Int32Array, handleOf(out));
  return record("indexSelect", [x], out, { d, idx });
}

/** Zeros of shape with src's slices added at idx along dim d: indexSelect's adjoint, whose gradient is indexSelect. */
export function indexAddRaw(src: Tensor, shape: number[], d: number, idx: Tensor): Tensor {
  const [outer, n, inner] = [numel(shape.slice(0, d)), shape[d], numel(shape.slice(d + 1))];
  const out = zeros(shape, { dtype: src.dtype });
  kernels().indexAdd(handleOf(out), outer, n, inner, handleOf(idx) as Int32Array, handleOf(src));
  return record("indexSelectBackward", [src], out, { d, idx });
}

/** PyTorch's gather: out[i][j] = x[i][index[i][j]] for dim 1, and so on. */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  requireTensor(x, "gather");
  requireTensor(index, "gather", "index");
  const d = normDim(dim, x.ndim, "gather");
  if (index.ndim !== x.ndim) {
    throw new ShapeError(`gather: index must have as many dimensions as the input (${x.ndim}), got shape ${fmtShape(index.shape)}`);
  }
  index.shape.forEach((s, i) => {
    if (i !== d && s > x.shape[i]) {
      throw new ShapeError(`gather: index shape ${fmtShape(index.shape)} is larger than input shape ${fmtShape(x.shape)} in dimension ${i}`);
    }
  });
  return gatherRaw(x, d, indexTensor(index, x.shape[d], "gather"));
}

/** gather with a checked int32 index (non-negative, in range); its gradient is scatterAddRaw. */
export function gatherRaw(x: Tensor, d: number, idx: Tensor): Tensor {
  const out = empty(x.dtype, idx.shape.slice());
  kernels().gather(handleOf(x), x.shape, d, handleOf(idx) as Int32Array, idx.shape, handleOf(out));
  return record("gather", [x], out, { d, idx });
}

/**
 * Zeros of shape with src added at idx along dim d (src has idx's shape): gather's adjoint,
 * the gradient of max along a dim and of max pooling. Its own gradient is gather.
 */
export function scatterAddRaw(src: Tensor, shape: number[], d: number, idx: Tensor): Tensor {
  const out = zeros(shape, { dtype: src.dtype });
  kernels().scatterAdd(handleOf(out), shape, d, handleOf(idx) as Int32Array, idx.shape, handleOf(src));
  return record("gatherBackward", [src], out, { d, idx });
}

/** The elements of x where mask is true, as a 1-D tensor (mask broadcasts to x). */
export function maskedSelect(x: Tensor, mask: Tensor): Tensor {
  requireTensor(x, "maskedSelect");
  requireTensor(mask, "maskedSelect", "the mask");
  if (mask.dtype !== "bool") throw new DTypeError(`maskedSelect: the mask must be bool, got ${mask.dtype} (compare, e.g. x.gt(0), to make one)`);
  const m = sameShape(mask.shape, x.shape) ? mask : expand(mask, x.shape);
  const src = sameShape(mask.shape, x.shape) ? x : expand(x, m.shape);
  const nz = kernels().nonzero(handleOf(m) as Uint8Array);
  const idx = Tensor.wrap(nz, [nz.length], "int32");
  return indexSelect(reshape(src, [src.numel]), 0, idx);
}

/** Concatenates tensors along an existing dim; all other sizes must match. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError("cat: expected a non-empty array of tensors");
  tensors.forEach((t, k) => requireTensor(t, "cat", `tensor ${k}`));
  const first = tensors[0];
  const d = normDim(dim, first.ndim, "cat");
  let dtype = first.dtype;
  tensors.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new ValueError(`cat: element ${k} is not a tensor`);
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== d && s !== first.shape[i])) {
      throw new ShapeError(`cat: tensor ${k} has shape ${fmtShape(t.shape)}, which does not match ${fmtShape(first.shape)} ` +
        `outside dimension ${d}`);
    }
    if (t.dtype !== dtype) {
      throw new DTypeError(`cat: tensors must share a dtype; tensor 0 is ${dtype} and tensor ${k} is ${t.dtype}`);
    }
  });
  const shape = first.shape.slice();
  shape[d] = tensors.reduce((a, t) => a + t.shape[d], 0);
  const out = empty(dtype, shape);
  const st = stridesOf(shape);
  let at = 0;
  for (const t of tensors) {
    kernels().stridedScatter(handleOf(out), at * st[d], st, t.shape, handleOf(t), false);
    at += t.shape[d];
  }
  const starts: number[] = [];
  at = 0;
  for (const t of tensors) { starts.push(at); at += t.shape[d]; }
  return record("cat", tensors, out, { d, starts });
}

/** Stacks same-shaped tensors along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ValueError("stack: expected a non-empty array of tensors");
  tensors.forEach((t, k) => requireTensor(t, "stack", `tensor ${k}`));
  const first = tensors[0];
  tensors.forEach((t, k) => {
    if (!sameShape(t.shape, first.shape)) {
      throw new ShapeError(`stack: every tensor must have the same shape; tensor 0 is ${fmtShape(first.shape)} and tensor ${k} is ${fmtShape(t.shape)}`);
    }
  });
  const d = normDim(dim, first.ndim + 1, "stack");
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}

/** Splits into pieces of splitSize along dim (the last may be smaller), or into the given sizes. */
export function split(x: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  requireTensor(x, "split");
  noDims(x, "split");
  const d = normDim(dim, x.ndim, "split");
  const size = x.shape[d];
  let sizes: number[];
  if (Array.isArray(splitSize)) {
    sizes = splitSize;
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== size) {
      throw new ValueError(`split: sizes ${describeValue(sizes)} must be non-negative integers adding up to ${size}, the size of dimension ${d}`);
    }
  } else {
    if (!Number.isInteger(splitSize) || splitSize <= 0) throw new ValueError(`split: splitSize must be a positive integer, got ${describeValue(splitSize)}`);
    sizes = [];
    for (let at = 0; at < size; at += splitSize) sizes.push(Math.min(splitSize, size - at));
  }
  let at = 0;
  return sizes.map((s) => {
    const part = slice(x, d, at, at + s);
    at += s;
    return part;
  });
}

/** Splits into n nearly equal pieces along dim, as torch.chunk. */
export function chunk(x: Tensor, n: number, dim = 0): Tensor[] {
  requireTensor(x, "chunk");
  if (!Number.isInteger(n) || n <= 0) throw new ValueError(`chunk: n must be a positive integer, got ${describeValue(n)}`);
  noDims(x, "chunk");
  const d = normDim(dim, x.ndim, "chunk");
  return split(x, Math.max(1, Math.ceil(x.shape[d] / n)), d);
}

/** One item of x.index(...): a number selects, "a:b:c" or [a, b, c] slices, ":" keeps, "..." fills, null adds an axis. */
export type IndexSpec = number | string | null | [number?, number?, number?] | Tensor;

function parseSlice(spec: string): [number | undefined, number | undefined, number] {
  const parts = spec.split(":").map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) throw new ValueError(`index: cannot read "${spec}" as a slice (expected start:end or start:end:step)`);
  const num = (p: string | undefined) => {
    if (p === undefined || p === "") return undefined;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new ValueError(`index: "${p}" in "${spec}" is not an integer`);
    return v;
  };
  return [num(parts[0]), num(parts[1]), num(parts[2]) ?? 1];
}

/** NumPy/PyTorch-style indexing: x.index(0), x.index(":", "1:3"), x.index("...", 0), x.index(mask). */
export function index(x: Tensor, ...specs: IndexSpec[]): Tensor {
  requireTensor(x, "index");
  if (specs.length === 1 && specs[0] instanceof Tensor && specs[0].dtype === "bool") return maskedSelect(x, specs[0]);
  const ellipses = specs.filter((s) => s === "...").length;
  if (ellipses > 1) throw new ValueError("index: at most one \"...\" is allowed");
  const consuming = specs.filter((s) => s !== null && s !== "...").length;
  if (consuming > x.ndim) throw new ValueError(`index: ${consuming} indices given for a tensor with ${x.ndim} dimensions`);
  const expanded: IndexSpec[] = [];
  for (const s of specs) {
    if (s === "...") for (let i = 0; i < x.ndim - consuming; i++) expanded.push(":");
    else expanded.push(s);
  }
  let out = x;
  let dim = 0;
  for (const s of expanded) {
    if (s === null) { out = unsqueeze(out, dim); dim++; continue; }
    if (s === ":") { dim++; continue; }
    if (typeof s === "number") {
      const size = out.shape[dim];
      if (!Number.isInteger(s) || s < -size || s >= size) {
        throw new ValueError(`index: index ${s} is out of range for dimension ${dim} of size ${size}`);
      }
      out = squeeze(slice(out, dim, s < 0 ? s + size : s, (s < 0 ? s + size : s) + 1), dim);
      continue;
    }
    if (typeof s === "string") {
      const [a, b, c] = parseSlice(s);
      out = slice(out, dim, a, b, c);
      dim++;
      continue;
    }
    if (Array.isArray(s)) {
      out = slice(out, dim, s[0], s[1], s[2] ?? 1);
      dim++;
      continue;
    }
    if (s instanceof Tensor) {
      if (s.ndim !== 1) throw new ShapeError(`index: a tensor index must be 1-D here, got shape ${fmtShape(s.shape)}`);
      out = indexSelect(out, dim, s);
      dim++;
      continue;
    }
    throw new ValueError(`index: cannot index with ${describeValue(s)} (expected a number, a "start:end:step" string, [start, end, step], null, "..." or a tensor)`);
  }
  return out;
}

/** A contiguous copy that does not share storage, differentiable. */
export function clone(x: Tensor): Tensor {
  requireTensor(x, "clone");
  const out = Tensor.wrap(allocOut(x.dtype, x.numel), x.shape.slice(), x.dtype);
  kernels().cast(handleOf(x), handleOf(out)); // the same dtype: a copy
  return record("clone", [x], out);
}

/** x with its values where mask is true replaced by value. */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  requireTensor(x, "maskedFill");
  requireTensor(mask, "maskedFill", "the mask");
  if (mask.dtype !== "bool") throw new DTypeError(`maskedFill: the mask must be bool, got ${mask.dtype}`);
  if (typeof value !== "number") throw new ValueError(`maskedFill: value must be a number, got ${describeValue(value)}`);
  return where(mask, value, x);
}
