// Keeps a long session's footprint near what it holds. Measured over 2,000 cells: V8's
// heap grew to four times its live size (TypeScript builds a new program for every cell,
// so cells allocate fast and V8 raises its limit to match), and glibc kept the freed
// memory in its arenas; the process grew from 230 to over 600 MB while holding under
// 100 MB of live objects. Now the heap limit follows the live size more closely, malloc's
// free memory goes back after each cell, an idle kernel compacts its heap once, and a
// kernel kept busy (Run All over a long notebook) compacts when its resident size has
// grown GROWTH_MB past where it began: that bounds the size while cells run back to back,
// for a pause of a few hundred ms every few hundred cells. TypeScript's two per-cell
// factories are kept out of V8's optimising compiler (keepInterpreted, below): compiling
// them took 100 MB of malloc'd memory at a step, which was most of the peak.
import * as v8 from "node:v8";
import { loadAddon } from "../core/backend/addon";
import { releaseCache } from "../core/dtype";

/** V8's heap may grow to 1.25x what survived its last full collection (default: up to 4x). */
const HEAP_GROWING_PERCENT = 25;
/** A kernel idle this long compacts its heap (a few hundred ms, which nobody waits for). */
const IDLE_MS = 2000;
/** Resident growth past the first cell's that makes a busy kernel compact its heap. */
const GROWTH_MB = 80;
const MB = 1024 * 1024;

let flagsSet = false;

/**
 * Sets the V8 flags the kernel runs under. Called before TypeScript's compiler is compiled
 * (kernel/typescript.ts): V8's code cache is checked against the flags, so the cache is
 * written and read under the same ones.
 */
export function applyHeapFlags(): void {
  if (flagsSet) return;
  flagsSet = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/**
 * Keeps these functions out of V8's optimising compiler. TypeScript's createProgram and
 * createTypeChecker run once per cell, each a factory of thousands of closures; after
 * ~180 cells V8 compiles them in the background, 2 s of CPU each and about 100 MB of
 * compiler memory that malloc then holds (resident size +50 MB at a step, measured),
 * for code that gains nothing: what runs is their inner functions, optimised as usual.
 */
export function keepInterpreted(fns: readonly unknown[]): void {
  v8.setFlagsFromString("--allow-natives-syntax");
  try {
    const never = new Function("f", "%NeverOptimizeFunction(f)") as (f: unknown) => void;
    for (const f of fns) if (typeof f === "function") never(f);
  } catch {
    // A V8 without this intrinsic: only the memory saving is lost.
  } finally {
    // Back as it was: V8's code cache is checked against the flags (kernel/typescript.ts).
    v8.setFlagsFromString("--no-allow-natives-syntax");
  }
}

export class MemoryKeeper {
  private idle: NodeJS.Timeout | null = null;
  private readonly trim = (loadAddon().addon as { trimMemory?: (reduceHeap: boolean) => void } | null)?.trimMemory;
  /** Resident size after the first cell, and the size that triggers a compaction. */
  private base = 0;
  private ceiling = Infinity;
  /** Compactions made while busy (for the memory test's report). */
  compactions = 0;

  constructor() {
    applyHeapFlags();
  }

  cellStarts(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }

  cellEnded(): void {
    if (!this.trim) return; // no addon (TypeScript backend): V8's own heuristics alone
    this.trim(false);
    const rss = process.memoryUsage.rss();
    if (this.base === 0) {
      this.base = rss;
      this.ceiling = rss + GROWTH_MB * MB;
    } else if (rss > this.ceiling) {
      this.trim(true);
      this.compactions++;
      // What survives is live; should that itself grow, compact again only after another
      // half budget, so that a session that holds more pays no pause per cell.
      this.ceiling = Math.max(this.base + GROWTH_MB * MB, process.memoryUsage.rss() + (GROWTH_MB / 2) * MB);
    }
    this.cellStarts();
    this.idle = setTimeout(() => {
      // The caching allocator's unused blocks too (up to an eighth of RAM after training):
      // an idle kernel gives them back; the next cell's tensors come from malloc again.
      releaseCache();
      this.trim!(true);
    }, IDLE_MS);
    this.idle.unref(); // never what keeps `gradlab run` alive
  }
}
