// Tensor storage: a block of memory that belongs to a backend, shared by a tensor and its
// views (reshape, detach, a Parameter). Ops never index a tensor's memory: they pass its
// handle (`handleOf`) to the backend's kernels and ask the backend for their outputs
// (`allocOut`). Values reach JavaScript only through `readHost` (a zero-copy view where
// the memory is host memory, a copy otherwise) and `writeHost`.
import type { Buffer } from "./backend/kernels";
import { activeBackend, type Backend } from "./backend";
import type { DType } from "./dtype";

export class Storage {
  /**
   * backend: whose memory this is; handle: what its kernels take (a typed array on the CPU
   * backends, an opaque object elsewhere); length: elements. A storage moves to another
   * backend's memory when an op needs it there (`handleOf`), and all its views move with it.
   */
  constructor(public backend: Backend, public handle: Buffer, readonly length: number) {
    if (made !== null) made.push(this);
  }
}

/** While `trackNew` runs a function: every storage made in it, in order. */
let made: Storage[] | null = null;

/**
 * Runs fn and returns what it returned with every storage made meanwhile, so a caller
 * that knows fn's intermediates cannot escape it (a gradient's temporaries) can give
 * their memory back at once.
 */
export function trackNew<T>(fn: () => T): { result: T; made: Storage[] } {
  const outer = made;
  const mine: Storage[] = [];
  made = mine;
  try {
    return { result: fn(), made: mine };
  } finally {
    made = outer;
    if (outer !== null) outer.push(...mine);
  }
}

/** A storage holding host values: zero-copy where the active backend's memory is host memory. */
export function hostStorage(values: Buffer): Storage {
  const b = activeBackend();
  if (b.memory === "host") return new Storage(b, values, values.length);
  const handle = b.alloc(dtypeOfHost(values), values.length, { uninitialized: true });
  b.copyIn(handle, values);
  return new Storage(b, handle, values.length);
}

/** A new handle on the active backend, zeroed. */
export function allocZeroed(dtype: DType, size: number, op?: string, shape?: readonly number[]): Buffer {
  return activeBackend().alloc(dtype, size, { op, shape });
}

/** A new handle on the active backend for a kernel that writes every element (not cleared first). */
export function allocOut(dtype: DType, size: number, op?: string, shape?: readonly number[]): Buffer {
  return activeBackend().alloc(dtype, size, { uninitialized: true, op, shape });
}

/**
 * The handle an op passes to the active backend's kernels. Storage in another kind of
 * memory (made under another backend) moves here first, as a whole, with all its views.
 */
export function handleOf(t: { readonly storage: Storage }): Buffer {
  const s = t.storage;
  const b = activeBackend();
  if (s.backend === b || s.backend.memory === b.memory) return s.handle;
  const values = s.backend.copyOut(s.handle);
  const handle = b.alloc(dtypeOfHost(values), s.length, { uninitialized: true });
  b.copyIn(handle, values);
  s.backend.free(s.handle);
  s.backend = b;
  s.handle = handle;
  return handle;
}

/** The values, for JavaScript to read: the memory itself where it is host memory, else a copy. */
export function readHost(s: Storage): Buffer {
  return s.backend.memory === "host" ? s.handle : s.backend.copyOut(s.handle);
}

/** Writes host values into the storage, from its start (nothing to do when they are its own memory, from readHost). */
export function writeHost(s: Storage, values: ArrayLike<number>): void {
  if (values === s.handle) return;
  s.backend.copyIn(s.handle, values);
}

/** Gives the storage's memory back to its backend now (the caller knows nothing reads it again). */
export function releaseStorage(s: Storage): boolean {
  return s.backend.free(s.handle);
}

function dtypeOfHost(b: Buffer): DType {
  if (b instanceof Float32Array) return "float32";
  if (b instanceof Float64Array) return "float64";
  if (b instanceof Int32Array) return "int32";
  return "bool";
}
