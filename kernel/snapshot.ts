// The kernel's V8 startup snapshot. Most of a kernel's start went to TypeScript: compiling
// its compiler, then parsing and binding the 2.8 MB of declaration files (the standard
// library, Node's types, gradlab's) that every cell is checked against. A snapshot holds
// all of that ready in the heap; Node maps it in at start.
//
// The kernelspec starts scripts/kernel.sh, which execs Node with the snapshot when one
// exists for these exact files and without it otherwise. The first kernel that starts
// without one writes it in the background (niced, once; a few seconds), and
// `gradlab install` writes it at once. GRADLAB_SNAPSHOT=0 turns both off. The snapshot
// also keeps the preload cell as converted, which the kernel then runs without
// converting it again.
// What is in it: kernel/snapshot_entry.ts.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { KernelSnapshot, PreloadConversion, SnapshotSpec } from "./snapshot_types";
import { typescriptFile, typeRoot } from "./typescript";

const ROOT = path.join(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "scripts", "kernel.sh");

/** The four files a snapshot is written for, as kernel.sh takes them after its mode. */
function files(): string[] {
  return [process.execPath, path.join(__dirname, "cli.js"), typescriptFile, path.join(__dirname, "snapshot_entry.js")];
}

/** The kernelspec's argv: the kernel through its launcher. */
export function kernelArgv(): string[] {
  return ["/bin/sh", LAUNCHER, ...files(), "{connection_file}"];
}

/** The snapshot this process started from, if it did. */
export function runningSnapshot(): KernelSnapshot | undefined {
  const s = (globalThis as { __gradlabSnapshot?: KernelSnapshot }).__gradlabSnapshot;
  return s && s.typescriptFile === typescriptFile ? s : undefined;
}

/** Where the snapshot for this installation lives (it may not exist yet). */
export function snapshotPath(): string {
  const r = spawnSync("/bin/sh", [LAUNCHER, "--path", ...files()], { encoding: "utf8" });
  return r.stdout.trim();
}

function spec(preload: PreloadConversion): SnapshotSpec {
  return { typescript: typescriptFile, typeRoot, preload };
}

/** Writes the snapshot now; returns its path, or why it could not. */
export function buildSnapshot(preload: PreloadConversion): { path: string } | { error: string } {
  const r = spawnSync("/bin/sh", [LAUNCHER, "--build", ...files()], { encoding: "utf8", env: { ...process.env, GRADLAB_SNAPSHOT_SPEC: JSON.stringify(spec(preload)) } });
  const where = snapshotPath();
  if (r.status === 0 && fs.existsSync(where)) return { path: where };
  const why = (r.stderr ?? "").split("\n").filter((l) => l && !/Warning: It's not yet fully verified|may still work|Node.js issue tracker|--trace-warnings|stackTraceLimit/.test(l)).join("\n");
  return { error: why || r.error?.message || `kernel.sh --build exited with ${r.status}` };
}

/**
 * Whether the snapshot this kernel started from was written for other declaration files or
 * another preload: gradlab rebuilt without the four files kernel.sh names changing. It
 * still works (what differs is parsed and converted afresh), only slower.
 */
function stale(s: KernelSnapshot, preload: PreloadConversion): boolean {
  if (s.preloaded.source !== preload.source) return true;
  return s.files.some((f) => {
    try {
      return fs.statSync(f).mtimeMs >= s.builtAt;
    } catch {
      return true;
    }
  });
}

/**
 * Writes the snapshot in the background if this kernel started without one and none
 * exists, or started from a stale one: niced and detached, so the user's first cells do
 * not wait for it.
 */
export function buildSnapshotLater(preload: PreloadConversion): void {
  if (process.env.GRADLAB_SNAPSHOT === "0") return;
  const running = runningSnapshot();
  if (running && !stale(running, preload)) return;
  const where = snapshotPath();
  if (!where || (!running && fs.existsSync(where)) || fs.existsSync(`${where}.failed`)) return;
  try {
    const child = spawn("nice", ["-n", "10", "/bin/sh", LAUNCHER, "--build", ...files()], {
      detached: true,
      stdio: "ignore",
      env: { ...process.env, GRADLAB_SNAPSHOT_SPEC: JSON.stringify(spec(preload)) },
    });
    child.on("error", () => undefined); // no nice, no sh: kernels start as before
    child.unref();
  } catch { /* as above */ }
}
