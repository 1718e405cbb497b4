// Data types, their storage, and how mixed dtypes combine (PyTorch's promotion rules,
// restricted to the dtypes gradlab has).
import type { Buffer } from "./backend/kernels";
import { DTypeError } from "./errors";

export type DType = "float32" | "float64" | "int32" | "bool";
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
const CTORS: Record<DType, Ctor> = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array };

export function arrayCtor(dtype: DType): Ctor {
  return CTORS[dtype];
}

export function allocBuffer(dtype: DType, size: number): Buffer {
  return new CTORS[dtype](size);
}

/** Above this many bytes, skipping the zero-fill of a new buffer is worth a call into Node. */
const UNINIT_MIN_BYTES = 64 << 10;

/**
 * Storage whose contents are not cleared first, for the outputs of kernels that write
 * every element (elementwise ops, matrix products, convolution, pooling, and their
 * gradients): a 4 MB result costs a memset less.
 * Never for anything a kernel accumulates into.
 */
export function allocUninitialized(dtype: DType, size: number): Buffer {
  const Ctor = CTORS[dtype];
  const bytes = size * Ctor.BYTES_PER_ELEMENT;
  if (bytes < UNINIT_MIN_BYTES) return new Ctor(size);
  const raw = globalThis.Buffer.allocUnsafeSlow(bytes);
  const out = new Ctor(raw.buffer, raw.byteOffset, size);
  if (fillUninitialized) out.fill(dtype === "float32" || dtype === "float64" ? NaN : dtype === "int32" ? 0x5a5a5a5a : 0x5a);
  return out;
}

// As PyTorch's fill_uninitialized_memory: NaN (or 0x5a bytes) in every such buffer, so that a
// kernel that leaves an element unwritten shows it. For tests and for hunting such bugs.
let fillUninitialized = process.env.GRADLAB_FILL_UNINITIALIZED === "1";

/** Fills storage that is not cleared with NaN (or 0x5a bytes for integers) from now on; returns the previous setting. */
export function setFillUninitialized(on: boolean): boolean {
  const prev = fillUninitialized;
  fillUninitialized = on;
  return prev;
}

export function dtypeOf(buf: Buffer): DType {
  if (buf instanceof Float32Array) return "float32";
  if (buf instanceof Float64Array) return "float64";
  if (buf instanceof Int32Array) return "int32";
  return "bool";
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function checkDType(dtype: unknown, op: string): DType {
  if (typeof dtype !== "string" || !(DTYPES as readonly string[]).includes(dtype)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(dtype)} (expected one of ${DTYPES.join(", ")})`);
  }
  return dtype as DType;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The dtype two tensors combine to, as PyTorch promotes: bool < int32 < float32 < float64. */
export function promote(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype of a tensor combined with a JS number: a fractional number makes an int tensor float32. */
export function promoteScalar(t: DType, value: number): DType {
  if (t === "bool") return Number.isInteger(value) ? "int32" : "float32";
  if (t === "int32" && !Number.isInteger(value)) return "float32";
  return t;
}

/** Floating dtype an op computes in when given this dtype (ints and bools become float32). */
export function floatOf(dtype: DType): "float32" | "float64" {
  return dtype === "float64" ? "float64" : "float32";
}
