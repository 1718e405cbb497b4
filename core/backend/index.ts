// Backends: where tensors live and who runs the kernels. The contract is small enough
// to read at a glance: allocate, copy in, copy out, free, and the named kernels of
// `kernels.ts`. Tensors hold their memory as a Storage (core/storage.ts) of the backend
// that allocated it. Both CPU backends store tensors in typed arrays ("host" memory), so
// a tensor made under one backend is valid under the other and switching costs nothing;
// a backend with other memory gets a tensor's storage moved to it when an op needs it.
import type { Buffer, Kernels } from "./kernels";
import { jsKernels } from "./js";
import { loadAddon } from "./addon";
import { allocBuffer, allocUninitialized, freeStorage, type DType } from "../dtype";
import { describeValue } from "../errors";
import { isDeterministic, setDeterministicFlag, deterministicView, DeterminismError } from "./deterministic";
import { deterministicConv } from "./det_conv";
import { nativeDeterministicKernels } from "./det_native";

export interface BackendInfo {
  name: string;
  /** Why this backend is the active one, in a sentence. */
  reason: string;
  blas: string;
  threads: number;
  /**
   * The native addon's instruction-set path ("avx512", "avx2", "baseline"; GRADLAB_ISA
   * forces a lower one), or "none" on the TypeScript backend. OpenBLAS picks its own
   * kernels whatever the path: `blas` names them.
   */
  isa: string;
}

export interface Backend {
  readonly name: string;
  readonly kernels: Kernels;
  /**
   * The kernels that give the same bits whatever the thread count or hardware, run in
   * deterministic mode; a kernel missing here raises in that mode.
   */
  readonly deterministicKernels?: Partial<Kernels>;
  /**
   * "host" when a handle is a typed array in this process's memory, read and written in
   * place; any other name means handles are opaque and values cross by copyIn/copyOut.
   */
  readonly memory: string;
  /** A handle of size elements of dtype, zeroed unless uninitialized (op and shape name the request in errors). */
  alloc(dtype: DType, size: number, opts?: AllocOptions): Buffer;
  /** Writes host values into the handle (src as long as it, or shorter: the start). */
  copyIn(dst: Buffer, src: ArrayLike<number>): void;
  /** The handle's values as a new host typed array. */
  copyOut(src: Buffer): Buffer;
  /** Gives the handle's memory back now; false when it is left to the garbage collector. */
  free(buf: Buffer): boolean;
  describe(): { blas: string; threads: number; isa: string };
}

export interface AllocOptions {
  uninitialized?: boolean;
  op?: string;
  shape?: readonly number[];
}

/**
 * Storage common to the CPU backends: typed arrays, large ones from the native caching
 * allocator (core/dtype.ts), given back early by free() or else by the garbage collector.
 */
const cpuStorage = {
  memory: "host",
  alloc: (dtype: DType, size: number, o?: AllocOptions) =>
    o?.uninitialized ? allocUninitialized(dtype, size, o.op, o.shape) : allocBuffer(dtype, size, o?.op, o?.shape),
  copyIn: (dst: Buffer, src: ArrayLike<number>) => dst.set(src),
  copyOut: (src: Buffer) => src.slice(),
  free: (buf: Buffer) => freeStorage(buf),
};

export const jsBackend: Backend = {
  name: "js",
  kernels: jsKernels,
  // The reference, with convolutions on its GEMM (as the native backend's deterministic ones).
  deterministicKernels: { ...jsKernels, ...deterministicConv(jsKernels.gemm) },
  ...cpuStorage,
  describe: () => ({ blas: "none (TypeScript loops)", threads: 1, isa: "none" }),
};

/**
 * How much work each kernel call does, for the small-work shortcut below: a call into
 * C++ costs a few microseconds, so tiny tensors run faster on the TypeScript kernels.
 */
const WORK: Partial<Record<keyof Kernels, (...args: any[]) => number>> = {
  unary: (_op, x) => x.length,
  unaryBackward: (_op, x) => x.length,
  binary: (_op, _a, _as, _b, _bs, out) => out.length,
  where: (_c, _cs, _a, _as, _b, _bs, out) => out.length,
  reduce: (_op, x) => x.length,
  softmax: (x) => x.length,
  softmaxBackward: (y) => y.length,
  gemm: (_ta, _tb, M, N, K, _a, _b, _c, batch) => (M * N * K * batch) / 4,
  stridedCopy: (_s, _o, _st, _sh, dst) => dst.length,
  stridedScatter: (_d, _o, _st, _sh, src) => src.length,
  indexSelect: (_x, _o, _n, _i, _idx, out) => out.length,
  indexAdd: (_d, _o, _n, _i, _idx, src) => src.length,
  gather: (_x, _xs, _d, _idx, _is, out) => out.length,
  scatterAdd: (_d, _ds, _dim, _idx, _is, src) => src.length,
  cast: (src) => src.length,
  fill: (dst) => dst.length,
  nonzero: (mask) => mask.length,
  countNonFinite: (x) => x.length,
  // The dense gradient's size: below the threshold its reduce would run in TypeScript, in
  // another order than the one the addon's kernel reproduces.
  conv2dMaxPool2x2BackwardWeight: (_x, _dy, _am, _dw, _s, p) => p.batch * p.outChannels * p.outHeight * p.outWidth,
  conv2dMaxPool2x2Backward: (_x, _w, _dy, _am, _dx, _dw, _s, p) => p.batch * p.outChannels * p.outHeight * p.outWidth,
  sgdStep: (p) => p.length,
  adamStep: (p) => p.length,
};

/** Calls below this much work take the TypeScript kernel (0 sends everything to C++). */
let smallWork = Number(process.env.GRADLAB_SMALL_WORK ?? 1024);

/** Sets the small-work threshold of the native backend; returns the previous one. Tests set 0 to exercise C++ only. */
export function setSmallWorkThreshold(n: number): number {
  const prev = smallWork;
  smallWork = n;
  return prev;
}

function makeNativeBackend(): Backend | null {
  const { addon } = loadAddon();
  if (!addon) return null;
  const k = {} as Record<string, unknown>;
  const route = (name: keyof Kernels, exported: string) => {
    const js = jsKernels[name] as (...a: unknown[]) => unknown;
    const fn = (addon as unknown as Record<string, unknown>)[exported];
    // An addon built from older sources lacks this kernel: the reference runs it.
    if (typeof fn !== "function") return js;
    const native = (fn as (...a: unknown[]) => unknown).bind(addon);
    const work = WORK[name];
    return work ? (...args: unknown[]) => (work(...args) < smallWork ? js(...args) : native(...args)) : native;
  };
  for (const name of Object.keys(jsKernels) as (keyof Kernels)[]) k[name] = route(name, name);
  const kernels = k as unknown as Kernels;
  return {
    name: "native",
    kernels,
    deterministicKernels: nativeDeterministicKernels(kernels, jsKernels, route("gemm", "gemmDeterministic") as Kernels["gemm"],
      addon.im2col && addon.col2imAdd ? { im2col: addon.im2col.bind(addon), col2imAdd: addon.col2imAdd.bind(addon) } : undefined),
    ...cpuStorage,
    describe: () => {
      const i = addon.info();
      return { blas: i.blas, threads: i.threads, isa: i.isa ?? "unknown (an addon built before the paths)" };
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

/** Each backend's kernels as deterministic mode runs them (made on first use). */
const deterministicViews = new Map<Backend, Kernels>();

/** The active backend's kernels; ops call these. In deterministic mode, its deterministic ones. */
export function kernels(): Kernels {
  if (!isDeterministic()) return active.kernels;
  let view = deterministicViews.get(active);
  if (!view) {
    view = deterministicView(active.name, active.deterministicKernels ?? {}, active.kernels);
    deterministicViews.set(active, view);
  }
  return view;
}

/**
 * Turns deterministic mode on or off (GRADLAB_DETERMINISTIC=1 turns it on at load); returns
 * the previous setting. In the mode every op gives the same bits whatever the thread count,
 * the backend ("js" or "native"), the small-work threshold and the addon's instruction-set
 * path, at some cost in speed (bench/deterministic.ts); an op a backend cannot run so raises
 * a DeterminismError.
 */
export function setDeterministic(on: boolean): boolean {
  if (typeof on !== "boolean") throw new TypeError(`setDeterministic: expected true or false, got ${describeValue(on)}`);
  return setDeterministicFlag(on);
}

export { isDeterministic, DeterminismError };

/**
 * Adds a backend that lives outside core under a new name (setBackend makes it active);
 * returns a function that removes it again.
 */
export function registerBackend(b: Backend): () => void {
  if (registry.has(b.name)) throw new Error(`registerBackend: there is already a backend named "${b.name}"`);
  registry.set(b.name, b);
  return () => {
    if (active === b) active = native ?? jsBackend;
    registry.delete(b.name);
    deterministicViews.delete(b);
  };
}

export function activeBackend(): Backend {
  return active;
}

/** Which backend is active and why, with its BLAS and thread count. */
export function backend(): BackendInfo {
  const d = active.describe();
  return { name: active.name, reason, blas: d.blas, threads: d.threads, isa: d.isa };
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
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${describeValue(n)}`);
  loadAddon().addon?.setNumThreads(n);
}
