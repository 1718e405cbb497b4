// Finds and loads the native addon. Every candidate that failed is reported, so that
// "why is gradlab on the TypeScript backend?" always has an answer.
import * as fs from "fs";
import * as path from "path";
import type { Kernels } from "./kernels";
import type { ColumnKernels } from "./det_conv";
import { opcodeMismatch, type OpcodeTables } from "./opcodes";

/** What the addon exports beyond the kernels: build facts and thread control. */
export interface NativeAddon extends Kernels {
  /**
   * Build facts. `isa`: the instruction-set path whose vector kernels run ("baseline",
   * "avx2", "avx512"), the CPU's best (`cpuIsa`) unless GRADLAB_ISA chose a lower one;
   * `simd` says the same in words.
   */
  info(): { blas: string; threads: number; version: string; simd: string; isa: string; cpuIsa: string };
  setNumThreads(n: number): void;
  /** The chosen path's float32 multiply-add peak on all threads, measured in ~50 ms (GFLOP/s; native/src/peak_flops.cc): what the benchmark states a product's fraction of. */
  peakGflops?(): number;
  /** gemm with the TypeScript reference's sequence for every element (native/src/det_gemm.h), for deterministic mode. */
  gemmDeterministic?: Kernels["gemm"];
  /** Deterministic mode's column loops of the convolutions (core/backend/det_conv.ts, native/src/conv.h). */
  im2col?: ColumnKernels["im2col"];
  col2imAdd?: ColumnKernels["col2imAdd"];
  /** The op-code tables the addon was compiled with (native/src/opcodes.h); the loader refuses one that differs from core/backend/opcodes.ts. */
  opcodeTables?(): OpcodeTables;
  /** The caching allocator (native/src/storage.h): a block of `bytes` as an ArrayBuffer, cleared when `zero`. */
  storageAlloc?(bytes: number, zero: boolean): ArrayBuffer;
  storageStats?(): { allocatedBytes: number; cachedBytes: number; peakBytes: number; cacheLimitBytes: number; liveBlocks: number; cachedBlocks: number; hits: number; misses: number; streamedWrites: number };
  /** For the tests: the garbage collections the thread pool has seen begin (native/src/gc_yield.cc), and how many run now. */
  collectorWatch?(): { seen: number; running: number };
  /** Frees every cached block; returns the bytes freed. */
  storageRelease?(): number;
  /** Gives one block back now, detaching its ArrayBuffer; false for a buffer it did not make. */
  storageFree?(buffer: ArrayBuffer): boolean;
  /** Sets the cap on cached bytes; returns the previous one. */
  storageSetCap?(bytes: number): number;
  storageResetPeak?(): void;
  /** For the tests: threads taking and giving back blocks at once; false if one was handed out twice. */
  storageStress?(threads: number, iterations: number): boolean;
}

export interface AddonLoad {
  addon: NativeAddon | null;
  /** Why loading failed, one line per candidate tried; empty when it loaded. */
  failures: string[];
  path: string | null;
}

/** The package root: the nearest folder above this file whose package.json is gradlab's. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, "utf8")).name === "gradlab") return dir;
      } catch { /* keep walking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, "../../..");
    dir = up;
  }
}

let cached: AddonLoad | null = null;

export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const root = packageRoot();
  const candidates = [
    process.env.GRADLAB_ADDON,
    path.join(root, "native/build/Release/gradlab.node"),
    path.join(root, "native/build/Debug/gradlab.node"),
  ].filter((p): p is string => !!p);
  const failures: string[] = [];
  for (const p of candidates) {
    if (!fs.existsSync(p)) {
      failures.push(`${p}: not built`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const addon = require(p) as NativeAddon;
      const mismatch = opcodeMismatch(addon.opcodeTables?.());
      if (mismatch) {
        failures.push(`${p}: ${mismatch}; rebuild it (npm run build)`);
        continue;
      }
      cached = { addon, failures: [], path: p };
      return cached;
    } catch (e) {
      failures.push(`${p}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  cached = { addon: null, failures, path: null };
  return cached;
}
