// Shape arithmetic: sizes, strides, broadcasting and dimension arguments.
import { ShapeError, ValueError, fmtShape, describeValue } from "./errors";

export type Shape = number[];

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Validates a shape given by the user: non-negative integers, not too many elements. */
export function checkShape(shape: unknown, op: string): Shape {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: shape must be an array of sizes, got ${describeValue(shape)}`);
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ValueError(`${op}: shape ${fmtShapeLoose(shape)} has a size that is not a non-negative integer (${describeValue(d)})`);
    }
  }
  if (numel(shape) > 2 ** 31 - 1) throw new ValueError(`${op}: shape ${fmtShape(shape)} has more than 2^31-1 elements`);
  return shape.slice();
}

function fmtShapeLoose(shape: unknown[]): string {
  return `[${shape.map((d) => (typeof d === "number" ? String(d) : describeValue(d))).join(",")}]`;
}

/** NumPy broadcasting of two shapes, or a ShapeError naming the op and both shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): Shape {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together ` +
        `(dimension ${i - n} has sizes ${da} and ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative dim into [0, rank), or says why not. */
export function normDim(dim: number, rank: number, op: string): number {
  if (typeof dim !== "number" || !Number.isInteger(dim)) throw new ValueError(`${op}: dim must be an integer, got ${describeValue(dim)}`);
  const r = Math.max(rank, 1);
  if (dim < -r || dim >= r) {
    throw new ValueError(`${op}: dim ${dim} is out of range for a tensor with ${rank} dimension${rank === 1 ? "" : "s"} ` +
      `(expected ${-r}..${r - 1})`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalises one dim, a list of dims, or all dims (undefined) into a sorted unique list. */
export function normDims(dims: number | number[] | undefined, rank: number, op: string): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: rank }, (_, i) => i);
  const list = (Array.isArray(dims) ? dims : [dims]).map((d) => normDim(d, rank, op));
  const set = [...new Set(list)].sort((x, y) => x - y);
  if (set.length !== list.length) throw new ValueError(`${op}: dim ${JSON.stringify(dims)} repeats a dimension`);
  return set;
}

/** Splits a shape around one axis into [outer, n, inner] (the kernels' view of a reduction). */
export function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis] ?? 1, inner];
}
