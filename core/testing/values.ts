// Turns what a student may pass (a tensor, a number, nested arrays) into flat values and a
// shape, so the assertions accept the same things on both sides.
import { Tensor } from "../tensor";
import { ValueError } from "../errors";

export interface Values { data: ArrayLike<number>; shape: number[] }

export function toValues(x: unknown, what: string): Values {
  if (x instanceof Tensor) return { data: x.dataSync() as ArrayLike<number>, shape: [...x.shape] };
  if (typeof x === "number" || typeof x === "boolean") return { data: [Number(x)], shape: [] };
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const a = x as unknown as ArrayLike<number>;
    return { data: Array.from(a, Number), shape: [a.length] };
  }
  if (Array.isArray(x)) {
    const shape: number[] = [];
    for (let v: unknown = x; Array.isArray(v); v = v[0]) shape.push(v.length);
    const data: number[] = [];
    const walk = (v: unknown, d: number): void => {
      if (d === shape.length) {
        if (typeof v !== "number" && typeof v !== "boolean") throw new ValueError(`${what}: expected numbers, found ${typeof v} (${String(v)})`);
        data.push(Number(v));
        return;
      }
      if (!Array.isArray(v) || v.length !== shape[d]) throw new ValueError(`${what}: a ragged nested array (rows of different lengths at depth ${d})`);
      for (const e of v) walk(e, d + 1);
    };
    walk(x, 0);
    return { data, shape };
  }
  throw new ValueError(`${what}: expected a tensor, a number or nested arrays of numbers, got ${x === null ? "null" : typeof x}`);
}

/** numpy's broadcast of two shapes, or null when they do not fit. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1, y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** The flat index into a tensor of `shape` for the multi-index `idx` of the broadcast shape. */
export function sourceIndex(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  const off = idx.length - shape.length;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + (shape[d] === 1 ? 0 : idx[off + d]);
  return flat;
}

export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}
