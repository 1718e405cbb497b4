// Errors in the user's terms: the op's name, what was given, and what was expected.

/** Shapes that do not fit together (matmul inner sizes, broadcasting, conv windows). */
export class ShapeError extends Error {
  override name = "ShapeError";
}

/** An op given a dtype it cannot work with (float32 where int32 indices are needed, ...). */
export class DTypeError extends TypeError {
  override name = "DTypeError";
}

/** A value out of range or not allowed (an index past the end, NaN where a size is needed). */
export class ValueError extends RangeError {
  override name = "ValueError";
}

/** Formats a shape as the user wrote it: [2,3]. */
export function fmtShape(shape: readonly number[]): string {
  if (!Array.isArray(shape)) return describeValue(shape);
  return `[${shape.map((d) => (typeof d === "number" ? String(d) : describeValue(d))).join(",")}]`;
}

/** A value as an error message names it: numbers and strings as written, other things by kind. */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "bigint") return `${v}n (a bigint)`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "symbol") return "a symbol";
  if (typeof v === "function") return "a function";
  const t = v as { shape?: unknown; dtype?: unknown };
  if (Array.isArray(t.shape) && typeof t.dtype === "string") return `a ${t.dtype} tensor of shape ${fmtShape(t.shape)}`;
  if (Array.isArray(v)) {
    if (v.length > 8) return `an array of ${v.length}`;
    return `[${v.map((x) => (Array.isArray(x) ? (x.length ? "[…]" : "[]") : describeValue(x))).join(",")}]`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  return "an object";
}
