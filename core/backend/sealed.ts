// The sealed backend: another backend's kernels behind memory that JavaScript cannot
// index, as a GPU's would be. A handle is an opaque object (its element count is all it
// shows); kernels open it, and refuse any typed array an op passes them directly, since
// such memory did not come from the backend. Values cross only by copyIn and copyOut.
// Running the core suite on it (test/core/sealed_backend.test.ts) shows that every op,
// gradient, layer and optimiser goes through the backend contract: the proof a device
// backend can plug in without rewriting ops.
import type { Backend } from "./index";
import type { Buffer, Kernels } from "./kernels";

/** An opaque handle: the memory inside is reachable only through this module. */
class SealedBuffer {
  readonly #array: Buffer;
  readonly length: number;
  constructor(array: Buffer) {
    this.#array = array;
    this.length = array.length;
  }
  static open(h: SealedBuffer): Buffer {
    return h.#array;
  }
}

const seal = (a: Buffer): Buffer => new SealedBuffer(a) as unknown as Buffer;

function open(h: unknown, what: string): Buffer {
  if (h instanceof SealedBuffer) return SealedBuffer.open(h);
  throw new TypeError(`sealed backend: ${what} was given ${ArrayBuffer.isView(h) ? `a host ${(h as object).constructor.name}` : String(h)}, ` +
    "not a handle this backend allocated: an op reached memory without going through the backend");
}

/** Each kernel with its handles opened; a typed array passed in directly is refused. */
function sealKernels<K extends Partial<Kernels>>(inner: K): K {
  const out = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(inner)) {
    if (typeof fn !== "function") continue;
    out[name] = (...args: unknown[]) => {
      const opened = args.map((a, i) => (a instanceof SealedBuffer || ArrayBuffer.isView(a) ? open(a, `${name} (argument ${i})`) : a));
      const r = (fn as (...a: unknown[]) => unknown)(...opened);
      // nonzero allocates its result: it becomes the backend's memory too.
      return ArrayBuffer.isView(r) ? seal(r as Buffer) : r;
    };
  }
  return out as K;
}

/** A backend named "sealed" running `inner`'s kernels on memory only copyIn and copyOut reach. */
export function makeSealedBackend(inner: Backend): Backend {
  return {
    name: "sealed",
    memory: "sealed",
    kernels: sealKernels(inner.kernels),
    deterministicKernels: inner.deterministicKernels ? sealKernels(inner.deterministicKernels) : undefined,
    alloc: (dtype, size, opts) => seal(inner.alloc(dtype, size, opts)),
    copyIn: (dst, src) => open(dst, "copyIn").set(src),
    copyOut: (src) => open(src, "copyOut").slice(),
    free: (buf) => inner.free(open(buf, "free")),
    describe: () => inner.describe(),
  };
}
