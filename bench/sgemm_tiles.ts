// Who should multiply float32 matrices on each instruction-set path: gradlab's own tile
// (GRADLAB_SGEMM=gradlab) or OpenBLAS's kernels (GRADLAB_SGEMM=openblas), square products,
// on 1 thread and on the pool. Each (path, choice) runs in a process of its own, the
// processes alternating over a few rounds; the best round counts (the machine is shared).
//
//   node dist/bench/sgemm_tiles.js [rounds]      (OPENBLAS_CORETYPE=Haswell: OpenBLAS's AVX2 kernels)
//
// Fraction of peak: flops per cycle of the path's FMA units (2 FMA pipes: 16 single-precision
// flops per cycle per pipe for 256-bit vectors, 32 for 512-bit ones where the core has
// full-width units) times the clock /proc/cpuinfo reports, times the threads.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { loadAddon } from "../core/backend/addon";
import { printTable } from "./util";

const SIZES = [256, 512, 1024, 2048];

const CHILD = `
const a = require(process.argv[1]);
const threads = Number(process.argv[2]);
a.setNumThreads(threads);
const out = {};
for (const n of ${JSON.stringify(SIZES)}) {
  const A = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const B = Float32Array.from({ length: n * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const C = new Float32Array(n * n);
  const reps = Math.max(2, Math.round(1e9 / (2 * n ** 3)));
  a.gemm(false, false, n, n, n, A, B, C, 1, 0, 0, 0, false);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) a.gemm(false, false, n, n, n, A, B, C, 1, 0, 0, 0, false);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9 / reps);
  }
  out[n] = (2 * n ** 3) / best / 1e9;
}
console.log(JSON.stringify({ blas: a.info().blas, gflops: out }));
`;

function main(): void {
  const load = loadAddon();
  if (!load.addon) throw new Error(`the addon is not built: ${load.failures.join("; ")}`);
  const rounds = Number(process.argv[2] ?? 3);
  const paths = ["baseline", "avx2", "avx512"].slice(0, ["baseline", "avx2", "avx512"].indexOf(load.addon.info().cpuIsa) + 1);
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : "")?.[1] ?? NaN);
  const flopsPerCycle: Record<string, number> = { baseline: 16, avx2: 32, avx512: 64 };
  console.log(`sgemm GFLOP/s, best of ${rounds} rounds; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? "(unset)"}; clock ${mhz} MHz`);
  const best = new Map<string, Record<number, number>>();
  const blas = new Map<string, string>();
  for (let r = 0; r < rounds; r++)
    for (const isa of paths)
      for (const choice of ["openblas", "gradlab"])
        for (const threads of [1, 2]) {
          const key = `${isa} ${choice} ${threads}`;
          const c = spawnSync(process.execPath, ["-e", CHILD, load.path!, String(threads)], {
            encoding: "utf8", env: { ...process.env, GRADLAB_ISA: isa, GRADLAB_SGEMM: choice },
          });
          if (c.status !== 0) throw new Error(c.stderr);
          const res = JSON.parse(c.stdout) as { blas: string; gflops: Record<number, number> };
          blas.set(key, res.blas);
          const prev = best.get(key) ?? {};
          for (const n of SIZES) prev[n] = Math.max(prev[n] ?? 0, res.gflops[n]);
          best.set(key, prev);
        }
  const rows: (string | number)[][] = [["path", "threads", "who", ...SIZES.map(String), "peak", "best / peak"]];
  for (const [key, g] of best) {
    const [isa, , threads] = key.split(" ");
    const peak = (flopsPerCycle[isa] * mhz * Number(threads)) / 1000;
    rows.push([isa, threads, blas.get(key)!.replace(/^openblas \S+ /, ""), ...SIZES.map((n) => g[n].toFixed(0)), peak.toFixed(0),
      (Math.max(...SIZES.map((n) => g[n])) / peak).toFixed(2)]);
  }
  printTable(rows);
}

main();
