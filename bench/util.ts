// Shared helpers for the side-by-side benchmarks: timing, the Python (PyTorch) side,
// and the table every benchmark prints.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** Median wall time in ms of `fn` over `reps` runs after `warmup` runs; repeats until `minMs` total. */
export function timeMs(fn: () => void, { warmup = 2, reps = 5, minMs = 200 } = {}): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  let total = 0;
  while (times.length < reps || total < minMs) {
    const t0 = process.hrtime.bigint();
    fn();
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    times.push(dt);
    total += dt;
    if (times.length > 10_000) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * PyTorch's settings for the instruction set GRADLAB_ISA forces gradlab onto, so that a
 * run of the avx2 (or baseline) path on an AVX-512 machine compares like with like, as on
 * a CPU without AVX-512: its own vector kernels (ATEN_CPU_CAPABILITY) and oneDNN's
 * convolutions (ONEDNN_MAX_CPU_ISA). Matrix products go to OpenBLAS on both sides, whose
 * kernels follow OPENBLAS_CORETYPE. Settings already in the environment are kept.
 */
export function torchIsaEnv(isa = process.env.GRADLAB_ISA): Record<string, string> {
  const table: Record<string, Record<string, string>> = {
    avx2: { ATEN_CPU_CAPABILITY: "avx2", ONEDNN_MAX_CPU_ISA: "AVX2" },
    baseline: { ATEN_CPU_CAPABILITY: "default", ONEDNN_MAX_CPU_ISA: "SSE41" },
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(table[isa ?? ""] ?? {})) if (!process.env[k]) env[k] = v;
  return env;
}

/**
 * This process's peak resident set in MiB: VmHWM, the high-water mark of its own memory
 * since exec. (getrusage's maxrss carries the parent's size over fork and exec, so a
 * child spawned by the bench after its in-process op timings reported the parent's
 * 528 MiB whatever its own peak.)
 */
export function peakResidentMiB(): number {
  const status = fs.existsSync("/proc/self/status") ? fs.readFileSync("/proc/self/status", "utf8") : "";
  const kb = /^VmHWM:\s*(\d+) kB$/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : process.resourceUsage().maxRSS / 1024;
}

/**
 * glibc's settings for the PyTorch process that keep the memory it frees (no trimming of
 * the heap's top, no mmap per large block), as PyTorch's performance guides get with
 * jemalloc or tcmalloc. PyTorch's CPU tensors come from malloc, and with glibc's defaults a
 * freed result of a few MB goes back to the kernel and the next one faults every page in
 * again: on a machine whose page faults are slow (11 µs each on this project's VMs, against
 * a fraction of a µs on bare metal) a 64×1×28×28 → 32 convolution then took 21 ms a call
 * instead of 0.31, and a CNN epoch of 20,000 samples 19.3 s instead of 11.3. With these the PyTorch figures
 * measure its kernels, not the machine's page faults. `keep = false` (bench --torch-default-malloc)
 * leaves glibc's defaults. Settings already in the environment are kept.
 */
export function torchMallocEnv(keep = true): Record<string, string> {
  if (!keep) return {};
  const table = { MALLOC_TRIM_THRESHOLD_: "4294967296", MALLOC_MMAP_THRESHOLD_: "4294967296" };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(table)) if (!process.env[k]) env[k] = v;
  return env;
}

/**
 * What one page fault costs this process, µs: the first touch of each 4 KB page of fresh
 * memory (median of a few 32 MB buffers). A few tenths of a µs on bare metal; far more under
 * some hypervisors, where it decides how much an allocator that gives memory back costs.
 */
export function pageFaultMicros(): number {
  const bytes = 32 << 20, page = 4096, times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const a = new Uint8Array(bytes); // calloc'd: fresh pages, mapped but not yet touched
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < bytes; i += page) a[i] = 1;
    times.push(Number(process.hrtime.bigint() - t0) / 1e3 / (bytes / page));
  }
  return times.sort((x, y) => x - y)[2];
}

/** Runs a benchmark script of the PyTorch side (Debian's python3-torch), returning its JSON. */
export function runPython(script: string, args: string[], { keepMalloc = true } = {}): unknown {
  const file = path.join(__dirname, "..", "..", "bench", script);
  const env = { ...process.env, ...torchIsaEnv(), ...torchMallocEnv(keepMalloc) };
  const r = spawnSync("/usr/bin/python3", [file, ...args], { encoding: "utf8", maxBuffer: 64 << 20, env });
  if (r.status !== 0) throw new Error(`${script} failed (is python3-torch installed? npm run bench installs it as root):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/**
 * Runs one of these scripts (compiled, beside this file) in a fresh Node process, as the
 * PyTorch side runs in its own, returning its JSON: one side's heap and threads must not
 * slow another (tfjs's modules in the same process made gradlab's CNN epoch 37 % slower,
 * its garbage collections marking a much larger heap).
 */
export function runNode(script: string, args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(__dirname, `${script}.js`), ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

export function hasTorch(): boolean {
  return spawnSync("/usr/bin/python3", ["-c", "import torch"], { encoding: "utf8" }).status === 0;
}

/** Prints rows as an aligned text table (first row = header). */
export function printTable(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)));
  const widths = cells[0].map((_, j) => Math.max(...cells.map((r) => (r[j] ?? "").length)));
  for (const [i, r] of cells.entries()) {
    console.log(r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return "—";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

/** "0.83×" style ratio of a to b (how many times b's time a takes). */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "—";
}
