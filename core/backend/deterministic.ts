// Deterministic mode, as PyTorch's use_deterministic_algorithms: every kernel gives the
// same bits whatever the thread count, the backend (TypeScript or native), the small-work
// threshold and the addon's instruction-set path. Each kernel has one operation sequence
// per element, the TypeScript reference's; the native backend runs only the C++ kernels
// that follow it exactly (det_native.ts) and the reference for the rest. A kernel a
// backend cannot run that way raises instead of giving other bits.
import type { Kernels } from "./kernels";

/** GRADLAB_DETERMINISTIC=1 (or true, yes, on) at load turns the mode on. */
export function deterministicFromEnv(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());
}

let deterministic = deterministicFromEnv(process.env.GRADLAB_DETERMINISTIC);

/** Whether deterministic mode is on (set by setDeterministic, or GRADLAB_DETERMINISTIC=1 at load). */
export function isDeterministic(): boolean {
  return deterministic;
}

/** Sets the mode's flag; returns the previous one. setDeterministic (index.ts) checks the backend first. */
export function setDeterministicFlag(on: boolean): boolean {
  const prev = deterministic;
  deterministic = on;
  return prev;
}

/** What an op raises in deterministic mode when the result could differ from run to run or machine to machine. */
export class DeterminismError extends Error {
  override name = "DeterminismError";
}

/**
 * The kernels a backend runs in deterministic mode: its deterministic ones, and for each it
 * lacks a kernel that raises, naming the kernel, the backend and the ways out.
 */
export function deterministicView(backendName: string, det: Partial<Kernels>, all: Kernels): Kernels {
  const view = {} as Record<string, unknown>;
  for (const name of Object.keys(all) as (keyof Kernels)[]) {
    view[name] = det[name] ?? (() => {
      throw new DeterminismError(`deterministic mode: the ${backendName} backend has no deterministic ${name} kernel ` +
        `(its result could change with the thread count or the hardware); run it on the "js" or "native" backend ` +
        `(setBackend), or turn the mode off with setDeterministic(false)`);
    });
  }
  return view as unknown as Kernels;
}
