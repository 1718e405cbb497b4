// Checks of what users pass to the viz builders, with errors in their terms
// (`viz.line: x must be numbers; got a string at index 0`), so that every payload a
// builder makes holds numbers where numbers go and text where text goes.
import { Tensor } from "../tensor";
import { ValueError, describeValue } from "../errors";
import { LIMITS } from "./payloads";

/** "a string", "an object", "null", "undefined" (a hole). */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  const t = Array.isArray(v) ? "array" : typeof v;
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** A flat list of numbers: an array of numbers, a typed array or a tensor (NaN is a number: a gap). */
export function numbers(v: unknown, op: string, field: string): ArrayLike<number> {
  if (v instanceof Tensor) return v.dataSync() as ArrayLike<number>;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) return v as unknown as ArrayLike<number>;
  if (!Array.isArray(v)) throw new ValueError(`${op}: ${field} must be numbers (an array or a tensor); got ${describeValue(v)}`);
  for (let i = 0; i < v.length; i++) {
    if (typeof v[i] !== "number") throw new ValueError(`${op}: ${field} must be numbers; got ${kindOf(v[i])} at index ${i}`);
  }
  return v as number[];
}

/** Optional text (a title, a label): a string, cut to LIMITS.text characters. */
export function text(v: unknown, op: string, field: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ValueError(`${op}: ${field} must be a string; got ${describeValue(v)}`);
  return v.length > LIMITS.text ? v.slice(0, LIMITS.text - 1) + "…" : v;
}

/** Optional labels (ticks, class names): strings, or numbers written as text; at most max of them. */
export function labels(v: unknown, op: string, field: string, max: number, per: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) throw new ValueError(`${op}: ${field} must be an array of strings; got ${describeValue(v)}`);
  if (v.length > max) throw new ValueError(`${op}: ${field} has ${v.length} labels for ${max} ${per}`);
  return v.map((s, i) => {
    if (typeof s === "number") return String(s);
    if (typeof s !== "string") throw new ValueError(`${op}: ${field} must be strings; got ${kindOf(s)} at index ${i}`);
    return text(s, op, field)!;
  });
}

/** An integer in [min, max] (the default when undefined). */
export function integer(v: unknown, op: string, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined) return fallback;
  if (!(typeof v === "number" && Number.isInteger(v) && v >= min && v <= max)) {
    throw new ValueError(`${op}: ${field} must be an integer from ${min} to ${max}; got ${describeValue(v)}`);
  }
  return v;
}

/** An optional [low, high] of finite numbers with low < high. */
export function finiteRange(v: unknown, op: string, field: string): [number, number] | undefined {
  if (v === undefined) return undefined;
  if (!(Array.isArray(v) && v.length === 2 && Number.isFinite(v[0]) && Number.isFinite(v[1]) && v[0] < v[1])) {
    throw new ValueError(`${op}: ${field} must be [low, high], two finite numbers with low < high; got ${describeValue(v)}`);
  }
  return [v[0], v[1]];
}

/** The largest value (fallback when none is larger), in one loop: no spread into Math.max. */
export function maxOf(values: ArrayLike<number>, fallback = -Infinity): number {
  let m = fallback;
  for (let i = 0; i < values.length; i++) if (values[i] > m) m = values[i];
  return m;
}
