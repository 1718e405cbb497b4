// Data movement: strided copies (transpose, permute, expand, slice all reduce to one),
// their adjoint, and index-driven selection.
import type { Buffer } from "../kernels";

/** Walks a strided view, calling visit(contiguousIndex, stridedOffset). */
function walk(offset: number, strides: number[], shape: number[], visit: (i: number, off: number) => void): void {
  const rank = shape.length;
  let total = 1;
  for (const d of shape) total *= d;
  if (total === 0) return;
  if (rank === 0) { visit(0, offset); return; }
  const counter = new Array<number>(rank).fill(0);
  let off = offset;
  const last = rank - 1;
  const lastStride = strides[last];
  const lastSize = shape[last];
  for (let i = 0; i < total; ) {
    for (let k = 0; k < lastSize; k++, i++) visit(i, off + k * lastStride);
    for (let d = last - 1; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < shape[d]) break;
      off -= strides[d] * shape[d];
      counter[d] = 0;
    }
  }
}

export function stridedCopy(src: Buffer, offset: number, strides: number[], shape: number[], dst: Buffer): void {
  walk(offset, strides, shape, (i, off) => { dst[i] = src[off]; });
}

export function stridedScatter(dst: Buffer, offset: number, strides: number[], shape: number[], src: Buffer, accumulate: boolean): void {
  if (accumulate) walk(offset, strides, shape, (i, off) => { dst[off] += src[i]; });
  else walk(offset, strides, shape, (i, off) => { dst[off] = src[i]; });
}

function checkIndices(name: string, index: Int32Array, n: number): void {
  for (let i = 0; i < index.length; i++) {
    const v = index[i];
    if (v < 0 || v >= n) throw new RangeError(`${name}: index ${v} is out of range for a dimension of size ${n}`);
  }
}

export function indexSelect(x: Buffer, outer: number, n: number, inner: number, index: Int32Array, out: Buffer): void {
  checkIndices("indexSelect", index, n);
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const from = (o * n + index[i]) * inner;
      const to = (o * m + i) * inner;
      for (let j = 0; j < inner; j++) out[to + j] = x[from + j];
    }
  }
}

export function indexAdd(dx: Buffer, outer: number, n: number, inner: number, index: Int32Array, src: Buffer): void {
  checkIndices("indexAdd", index, n);
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const to = (o * n + index[i]) * inner;
      const from = (o * m + i) * inner;
      for (let j = 0; j < inner; j++) dx[to + j] += src[from + j];
    }
  }
}

/** For gather/scatterAdd: the [outer, inner] split of index's shape around dim, and x's. */
function gatherGeometry(xShape: number[], dim: number, indexShape: number[]) {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= indexShape[i];
  for (let i = dim + 1; i < indexShape.length; i++) inner *= indexShape[i];
  const xStrides = new Array<number>(xShape.length);
  let acc = 1;
  for (let i = xShape.length - 1; i >= 0; i--) { xStrides[i] = acc; acc *= xShape[i]; }
  return { outer, inner, m: indexShape[dim], n: xShape[dim], xStrides };
}

/** x's flat offset for index position (outer o, inner j), without the dim term. */
function baseOffset(xStrides: number[], indexShape: number[], dim: number, o: number, j: number): number {
  let off = 0;
  for (let d = indexShape.length - 1; d > dim; d--) {
    off += (j % indexShape[d]) * xStrides[d];
    j = Math.floor(j / indexShape[d]);
  }
  for (let d = dim - 1; d >= 0; d--) {
    off += (o % indexShape[d]) * xStrides[d];
    o = Math.floor(o / indexShape[d]);
  }
  return off;
}

export function gather(x: Buffer, xShape: number[], dim: number, index: Int32Array, indexShape: number[], out: Buffer): void {
  const g = gatherGeometry(xShape, dim, indexShape);
  checkIndices("gather", index, g.n);
  for (let o = 0; o < g.outer; o++) {
    for (let j = 0; j < g.inner; j++) {
      const base = baseOffset(g.xStrides, indexShape, dim, o, j);
      for (let i = 0; i < g.m; i++) {
        const p = (o * g.m + i) * g.inner + j;
        out[p] = x[base + index[p] * g.xStrides[dim]];
      }
    }
  }
}

export function scatterAdd(dx: Buffer, dxShape: number[], dim: number, index: Int32Array, indexShape: number[], src: Buffer): void {
  const g = gatherGeometry(dxShape, dim, indexShape);
  checkIndices("scatterAdd", index, g.n);
  for (let o = 0; o < g.outer; o++) {
    for (let j = 0; j < g.inner; j++) {
      const base = baseOffset(g.xStrides, indexShape, dim, o, j);
      for (let i = 0; i < g.m; i++) {
        const p = (o * g.m + i) * g.inner + j;
        dx[base + index[p] * g.xStrides[dim]] += src[p];
      }
    }
  }
}
