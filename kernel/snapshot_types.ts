// The shapes kernel/snapshot_entry.ts (a script, which cannot export) shares with the kernel.
import type * as TS from "typescript";

/** The kernel's preload cell and what the converter made of it (the same for every kernel of an installation). */
export interface PreloadConversion {
  source: string;
  output: string;
  declOutput: string;
}

export interface SnapshotSpec {
  /** TypeScript's compiler, as tslab's converter loads it. */
  typescript: string;
  /** The folder of @types packages the converter resolves `types: ["node"]` in. */
  typeRoot: string;
  /** The kernel's preload cell, converted: its imports bring in gradlab's declaration files. */
  preload: PreloadConversion;
}

/** What a kernel started from the snapshot finds as globalThis.__gradlabSnapshot. */
export interface KernelSnapshot {
  ts: typeof TS;
  /** The file the compiler was read from: a snapshot of another copy is not used. */
  typescriptFile: string;
  /** Declaration files served from the snapshot and files parsed afresh, since start. */
  reused: number;
  parsed: number;
  /** When the build started, and the declaration files it read: one changed since makes it stale. */
  builtAt: number;
  files: string[];
  /** The preload, converted once: a kernel runs it without converting it again. */
  preloaded: PreloadConversion;
  /** Gives back the kept parse of a file when its text and parse options are the same. */
  reuse(fileName: string, text: string, options: unknown): TS.SourceFile | undefined;
}

