// A small schema language for gradlab's display payloads. A check walks untrusted JSON
// and returns a fresh copy holding only the fields the schema names, each of the type it
// names, or throws a PayloadError naming the first field that is wrong. No DOM and no
// Node imports: the JupyterLab extension bundles this file (via dist/core) as it is.

/** What a check found wrong: where (`series[0].x[3]`), what it expected and what it got. */
export class PayloadError extends Error {
  constructor(readonly at: string, readonly expected: string, readonly got: string) {
    super(`${at || "the payload"} must be ${expected}; got ${got}`);
    this.name = "PayloadError";
  }
}

/** Checks v (found at `at`) and returns a clean copy; throws PayloadError. */
export type Check<T> = ((v: unknown, at: string) => T) & { optional?: boolean };
export type Infer<C> = C extends Check<infer T> ? T : never;

/** A value as an error names it: its kind, and a short quote of a string or number. */
export function kind(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "nothing";
  if (typeof v === "number") return Number.isFinite(v) ? `the number ${v}` : String(v);
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 32 ? v.slice(0, 32) + "…" : v)})`;
  if (typeof v === "boolean") return `${v}`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return `a${typeof v === "object" ? "n object" : ` ${typeof v}`}`;
}

const join = (at: string, key: string | number) => (typeof key === "number" ? `${at}[${key}]` : at ? `${at}.${key}` : key);

export interface NumOptions { min?: number; max?: number; int?: boolean }

function describeNum(o: NumOptions, what = o.int ? "an integer" : "a finite number"): string {
  if (o.min !== undefined && o.max !== undefined) return `${what} in [${o.min}, ${o.max}]`;
  if (o.min !== undefined) return `${what} ≥ ${o.min}`;
  if (o.max !== undefined) return `${what} ≤ ${o.max}`;
  return what;
}

function numOk(v: unknown, o: NumOptions): v is number {
  return typeof v === "number" && Number.isFinite(v) && (!o.int || Number.isInteger(v)) &&
    (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max);
}

/** A finite number (an integer with int), within [min, max]. */
export function num(o: NumOptions = {}): Check<number> {
  return (v, at) => {
    if (!numOk(v, o)) throw new PayloadError(at, describeNum(o), kind(v));
    return v;
  };
}

/** A string; longer than max characters, it is cut (with an ellipsis) rather than refused. */
export function str(max: number): Check<string> {
  return (v, at) => {
    if (typeof v !== "string") throw new PayloadError(at, "a string", kind(v));
    return v.length > max ? v.slice(0, max - 1) + "…" : v;
  };
}

export function bool(): Check<boolean> {
  return (v, at) => {
    if (typeof v !== "boolean") throw new PayloadError(at, "true or false", kind(v));
    return v;
  };
}

/** One of the given strings or numbers. */
export function oneOf<T extends string | number>(...values: T[]): Check<T> {
  return (v, at) => {
    if (!values.includes(v as T)) throw new PayloadError(at, `one of ${values.map((x) => JSON.stringify(x)).join(", ")}`, kind(v));
    return v as T;
  };
}

/** The field may be absent (undefined); null is not absent. */
export function opt<T>(c: Check<T>): Check<T | undefined> {
  const f: Check<T | undefined> = (v, at) => (v === undefined ? undefined : c(v, at));
  f.optional = true;
  return f;
}

function arrayOf(v: unknown, at: string, min: number, max: number, what: string): unknown[] {
  if (!Array.isArray(v)) throw new PayloadError(at, `an array of ${what}`, kind(v));
  if (v.length < min || v.length > max) throw new PayloadError(at, `an array of ${min === max ? min : `${min} to ${max}`} ${what}`, kind(v));
  return v;
}

/** An array of min…max items, each checked by item. */
export function arr<T>(item: Check<T>, min: number, max: number, what = "items"): Check<T[]> {
  return (v, at) => {
    const a = arrayOf(v, at, min, max, what);
    const out = new Array<T>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = item(a[i], join(at, i));
    return out;
  };
}

/**
 * An array of numbers, fast (one loop, no call per value). With gaps, null (and NaN or
 * ±Infinity, which JSON cannot carry but a page could) is a gap and comes out as NaN.
 */
export function nums(min: number, max: number, o: NumOptions & { gaps?: boolean } = {}): Check<number[]> {
  const what = o.gaps ? "numbers or nulls" : "numbers";
  return (v, at) => {
    const a = arrayOf(v, at, min, max, what);
    const out = new Array<number>(a.length);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (numOk(x, o)) out[i] = x;
      else if (o.gaps && (x === null || (typeof x === "number" && !Number.isFinite(x)))) out[i] = NaN;
      else throw new PayloadError(join(at, i), o.gaps ? `${describeNum(o)} or null` : describeNum(o), kind(x));
    }
    return out;
  };
}

/** [lo, hi], two finite numbers with lo ≤ hi. */
export function range(): Check<[number, number]> {
  const two = nums(2, 2);
  return (v, at) => {
    const [lo, hi] = two(v, at);
    if (!(lo <= hi)) throw new PayloadError(at, "a range [lo, hi] with lo ≤ hi", `[${lo}, ${hi}]`);
    return [lo, hi];
  };
}

type Shape = Record<string, Check<unknown>>;
type Required<S extends Shape> = { [K in keyof S as undefined extends Infer<S[K]> ? never : K]: Infer<S[K]> };
type Optional<S extends Shape> = { [K in keyof S as undefined extends Infer<S[K]> ? K : never]?: Exclude<Infer<S[K]>, undefined> };
export type ObjOf<S extends Shape> = { [K in keyof (Required<S> & Optional<S>)]: (Required<S> & Optional<S>)[K] };

/** An object with these fields (others are dropped); then each of the rules, which may throw. */
export function obj<S extends Shape>(shape: S, ...rules: ((o: ObjOf<S>, at: string) => void)[]): Check<ObjOf<S>> {
  return (v, at) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new PayloadError(at, "an object", kind(v));
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      const c = shape[key];
      // Only the object's own fields: JSON has no others, and a prototype's are not data.
      const value = Object.prototype.hasOwnProperty.call(src, key) ? src[key] : undefined;
      if (value === undefined && !c.optional) throw new PayloadError(join(at, key), "present", "nothing");
      const checked = c(value, join(at, key));
      if (checked !== undefined) out[key] = checked;
    }
    for (const rule of rules) rule(out as ObjOf<S>, at);
    return out as ObjOf<S>;
  };
}

/** One of several object schemas, chosen by the string in field `tag`. */
export function tagged<C extends Record<string, Check<unknown>>>(tag: string, cases: C): Check<Infer<C[keyof C]>> {
  const names = Object.keys(cases);
  return (v, at) => {
    const t = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[tag] : undefined;
    if (typeof t !== "string" || !names.includes(t)) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new PayloadError(at, "an object", kind(v));
      throw new PayloadError(join(at, tag), `one of ${names.map((n) => JSON.stringify(n)).join(", ")}`, kind(t));
    }
    return cases[t](v, at) as Infer<C[keyof C]>;
  };
}

/** Throws a PayloadError at `at` unless ok. */
export function expect(ok: boolean, at: string, expected: string, got: string): void {
  if (!ok) throw new PayloadError(at, expected, got);
}
export { join as fieldPath };
