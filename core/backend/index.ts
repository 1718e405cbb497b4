// Backends: where tensors live and who runs the kernels. The contract is small enough
// to read at a glance: allocate, copy in, copy out, free, and the named kernels of
// `kernels.ts`. Both CPU backends store tensors in typed arrays, so a tensor made under
// one backend is valid under the other and switching costs nothing.
import type { Buffer, Kernels } from "./kernels";
import { jsKernels } from "./js";
import { loadAddon } from "./addon";
import { allocBuffer, type DType } from "../dtype";

export interface BackendInfo {
  name: string;
  /** Why this backend is the active one, in a sentence. */
  reason: string;
  blas: string;
  threads: number;
}

export interface Backend {
  readonly name: string;
  readonly kernels: Kernels;
  alloc(dtype: DType, size: number): Buffer;
  copyIn(dst: Buffer, src: ArrayLike<number>): void;
  copyOut(src: Buffer): Buffer;
  free(buf: Buffer): void;
  describe(): { blas: string; threads: number };
}

/** Storage common to the CPU backends: plain typed arrays, freed by the garbage collector. */
const cpuStorage = {
  alloc: (dtype: DType, size: number) => allocBuffer(dtype, size),
  copyIn: (dst: Buffer, src: ArrayLike<number>) => dst.set(src),
  copyOut: (src: Buffer) => src.slice(),
  free: (_buf: Buffer) => undefined,
};

export const jsBackend: Backend = {
  name: "js",
  kernels: jsKernels,
  ...cpuStorage,
  describe: () => ({ blas: "none (TypeScript loops)", threads: 1 }),
};

function makeNativeBackend(): Backend | null {
  const { addon } = loadAddon();
  if (!addon) return null;
  return {
    name: "native",
    kernels: addon,
    ...cpuStorage,
    describe: () => {
      const i = addon.info();
      return { blas: i.blas, threads: i.threads };
    },
  };
}

const registry = new Map<string, Backend>([["js", jsBackend]]);
const native = makeNativeBackend();
if (native) registry.set("native", native);

let active: Backend;
let reason: string;

function chooseAtLoad(): void {
  const wanted = process.env.GRADLAB_BACKEND;
  if (wanted && registry.has(wanted)) {
    active = registry.get(wanted)!;
    reason = `chosen by GRADLAB_BACKEND=${wanted}`;
    return;
  }
  if (native) {
    active = native;
    reason = "the native addon loaded";
    if (wanted) reason += ` (GRADLAB_BACKEND=${wanted} is not a backend here)`;
    return;
  }
  active = jsBackend;
  const why = loadAddon().failures.join("; ");
  reason = `the native addon could not be loaded (${why})`;
  // Said once, loudly: everything still works, only slower.
  process.stderr.write(`gradlab: running on the TypeScript backend because ${reason}. ` +
    "Run `npm run build` in the gradlab package to build it.\n");
}
chooseAtLoad();

/** The active backend's kernels; ops call these. */
export function kernels(): Kernels {
  return active.kernels;
}

export function activeBackend(): Backend {
  return active;
}

/** Which backend is active and why, with its BLAS and thread count. */
export function backend(): BackendInfo {
  const d = active.describe();
  return { name: active.name, reason, blas: d.blas, threads: d.threads };
}

/** The names of the backends available in this process ("js" always; "native" when the addon loaded). */
export function availableBackends(): string[] {
  return [...registry.keys()];
}

/** Switches the active backend. Tensors stay valid: both CPU backends share storage. */
export function setBackend(name: string): BackendInfo {
  const b = registry.get(name);
  if (!b) {
    const extra = name === "native" ? ` (${loadAddon().failures.join("; ")})` : "";
    throw new Error(`setBackend: no backend named "${name}" here; available: ${availableBackends().join(", ")}${extra}`);
  }
  active = b;
  reason = "chosen by setBackend()";
  return backend();
}

/** Sets the number of threads the native backend (and its BLAS) may use. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  loadAddon().addon?.setNumThreads(n);
}
