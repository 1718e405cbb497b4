// The narrow interface between a student's process and the judge: values are copied as
// data (numbers, strings, arrays, plain objects, typed arrays, tensors as dtype + shape +
// bytes); anything else (functions, class instances such as a module) crosses as a numbered
// reference that only names the object inside the student's process. Messages are JSON
// lines on pipes, read and written synchronously where a caller must wait.
import * as fs from "node:fs";

export type Wire =
  | { t: "u" } | { t: "z" } | { t: "b"; v: boolean } | { t: "s"; v: string } | { t: "n"; v: number | string } | { t: "big"; v: string }
  | { t: "T"; dtype: string; shape: number[]; b64: string }
  | { t: "TA"; type: string; b64: string }
  | { t: "A"; v: Wire[] }
  | { t: "O"; v: [string, Wire][] }
  | { t: "R"; ref: string; fn: boolean };

/** The largest message either side reads (a line of JSON). */
export const MAX_MESSAGE = 64 * 1024 * 1024;
const MAX_DEPTH = 32;

const TYPED = ["Float32Array", "Float64Array", "Int32Array", "Uint8Array", "Int8Array", "Uint16Array", "Int16Array", "Uint32Array", "Uint8ClampedArray"] as const;
const DTYPE_ARRAY: Record<string, string> = { float32: "Float32Array", float64: "Float64Array", int32: "Int32Array", bool: "Uint8Array" };

function bytesOf(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

function typedFrom(type: string, b64: string): ArrayBufferView {
  if (!(TYPED as readonly string[]).includes(type)) throw new Error(`gradlab grading: unknown typed array ${JSON.stringify(type).slice(0, 40)}`);
  const bytes = Buffer.from(b64, "base64");
  const C = (globalThis as any)[type] as { new(b: ArrayBuffer, o: number, n: number): ArrayBufferView; BYTES_PER_ELEMENT: number };
  if (bytes.length % C.BYTES_PER_ELEMENT !== 0) throw new Error(`gradlab grading: a ${type} of ${bytes.length} bytes`);
  const ab = new ArrayBuffer(bytes.length);
  new Uint8Array(ab).set(bytes);
  return new C(ab, 0, bytes.length / C.BYTES_PER_ELEMENT);
}

export interface EncodeHooks {
  /** A tensor's parts, or null when x is not a tensor. */
  tensor(x: object): { dtype: string; shape: number[]; data: ArrayBufferView } | null;
  /** A reference for anything that is not data; may throw when none may cross. */
  ref(x: object, fn: boolean): string;
  /** The reference a value already stands for (the judge's proxies), checked before anything else. */
  known?(x: object): string | undefined;
}

export function encode(x: unknown, hooks: EncodeHooks, depth = 0): Wire {
  if (depth > MAX_DEPTH) throw new Error("gradlab grading: a value nested more than 32 deep");
  switch (typeof x) {
    case "undefined": return { t: "u" };
    case "boolean": return { t: "b", v: x };
    case "string": return { t: "s", v: x };
    case "number": return { t: "n", v: Number.isFinite(x) && !Object.is(x, -0) ? x : String(Object.is(x, -0) ? "-0" : x) };
    case "bigint": return { t: "big", v: x.toString() };
    case "function": return { t: "R", ref: hooks.known?.(x) ?? hooks.ref(x, true), fn: true };
    case "symbol": return { t: "s", v: String(x) };
  }
  if (x === null) return { t: "z" };
  const o = x as object;
  const known = hooks.known?.(o);
  if (known) return { t: "R", ref: known, fn: false };
  const t = hooks.tensor(o);
  if (t) return { t: "T", dtype: t.dtype, shape: t.shape.slice(), b64: bytesOf(t.data) };
  if (ArrayBuffer.isView(o) && !(o instanceof DataView)) return { t: "TA", type: o.constructor.name, b64: bytesOf(o) };
  if (Array.isArray(o)) return { t: "A", v: o.map((v) => encode(v, hooks, depth + 1)) };
  const proto = Object.getPrototypeOf(o);
  if (proto === Object.prototype || proto === null) return { t: "O", v: Object.keys(o).map((k) => [k, encode((o as any)[k], hooks, depth + 1)]) };
  return { t: "R", ref: hooks.ref(o, false), fn: false };
}

export interface DecodeHooks {
  tensor(dtype: "float32" | "float64" | "int32" | "bool", shape: number[], data: ArrayBufferView): unknown;
  ref(ref: string, fn: boolean): unknown;
}

/** Builds this side's values from a message: every object is new, made by this realm's constructors. */
export function decode(w: unknown, hooks: DecodeHooks, depth = 0): unknown {
  if (depth > MAX_DEPTH) throw new Error("gradlab grading: a value nested more than 32 deep");
  const m = w as Record<string, unknown>;
  if (!m || typeof m !== "object") throw new Error("gradlab grading: a malformed value");
  switch (m.t) {
    case "u": return undefined;
    case "z": return null;
    case "b": return m.v === true;
    case "s": return String(m.v);
    case "n": return typeof m.v === "number" ? m.v : m.v === "-0" ? -0 : Number(String(m.v));
    case "big": return BigInt(String(m.v).replace(/[^-0-9]/g, "") || "0");
    case "T": {
      const dtype = String(m.dtype);
      if (!DTYPE_ARRAY[dtype]) throw new Error(`gradlab grading: a tensor of unknown dtype ${dtype.slice(0, 20)}`);
      const shape = Array.isArray(m.shape) ? m.shape.map(Number) : [];
      if (!shape.every((n) => Number.isInteger(n) && n >= 0)) throw new Error("gradlab grading: a tensor with a malformed shape");
      const data = typedFrom(DTYPE_ARRAY[dtype], String(m.b64));
      const n = shape.reduce((a, b) => a * b, 1);
      if (n !== (data as unknown as { length: number }).length) throw new Error(`gradlab grading: a tensor of shape [${shape}] with ${(data as unknown as { length: number }).length} values`);
      return hooks.tensor(dtype as "float32", shape, data);
    }
    case "TA": return typedFrom(String(m.type), String(m.b64));
    case "A": return Array.isArray(m.v) ? m.v.map((v) => decode(v, hooks, depth + 1)) : [];
    case "O": {
      const out: Record<string, unknown> = {};
      if (Array.isArray(m.v)) for (const e of m.v) if (Array.isArray(e)) Object.defineProperty(out, String(e[0]), { value: decode(e[1], hooks, depth + 1), enumerable: true, writable: true, configurable: true });
      return out;
    }
    case "R": return hooks.ref(String(m.ref), m.fn === true);
    default: throw new Error("gradlab grading: a malformed value");
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Writes all of text to fd, waiting while a non-blocking pipe is full. */
export function writeAllSync(fd: number, text: string): void {
  const buf = Buffer.from(text, "utf8");
  for (let off = 0; off < buf.length;) {
    try {
      off += fs.writeSync(fd, buf, off, buf.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      sleep(1);
    }
  }
}

/**
 * Splits a stream of bytes into lines. Each line's pieces are kept as they came and joined
 * once, at its newline, so a message of any size costs time in proportion to its length
 * (joining at every chunk made a 16 MiB tensor take seconds). A line longer than `max`
 * bytes is refused as soon as it is that long, before its newline comes.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  constructor(private readonly max = MAX_MESSAGE) {}

  /** The lines that data completes (without their newlines); keeps data (do not reuse its memory). */
  push(data: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
      this.keep(data.subarray(start, nl));
      lines.push(this.parts.length === 1 ? this.parts[0].toString("utf8") : Buffer.concat(this.parts, this.size).toString("utf8"));
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    if (start < data.length) this.keep(data.subarray(start));
    return lines;
  }

  private keep(piece: Buffer): void {
    this.size += piece.length;
    if (this.size > this.max) {
      this.parts = [];
      this.size = 0;
      throw new Error(`gradlab grading: a message larger than ${Math.round(this.max / 1048576)} MiB`);
    }
    this.parts.push(piece);
  }
}

/** Reads JSON lines from fd synchronously (blocking the caller, as a call into the other side must). */
export class LineReader {
  private readonly splitter = new LineSplitter();
  private readonly lines: string[] = [];
  private readonly chunk = Buffer.alloc(1 << 20);
  constructor(private readonly fd: number) {}

  /** The next message, or null at end of input. */
  next(): any {
    for (;;) {
      while (this.lines.length) {
        const line = this.lines.shift()!;
        if (line.trim()) return JSON.parse(line);
      }
      let n: number;
      try {
        n = fs.readSync(this.fd, this.chunk, 0, this.chunk.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN" || code === "EINTR") { sleep(1); continue; }
        if (code === "EOF") return null;
        throw e;
      }
      if (n === 0) return null;
      // A copy of what was read: the splitter keeps it until its line ends, and the chunk is read into again.
      this.lines.push(...this.splitter.push(Buffer.from(this.chunk.subarray(0, n))));
    }
  }
}
