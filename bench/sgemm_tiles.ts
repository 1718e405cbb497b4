// Who should multiply float32 matrices on each instruction-set path: gradlab's own tile
// (GRADLAB_SGEMM=gradlab) or OpenBLAS's kernels (GRADLAB_SGEMM=openblas), square products,
// on 1 thread and on the pool. Each (path, choice) runs in a process of its own, the
// processes alternating over a few rounds; the best round counts (the machine is shared).
//
//   node dist/bench/sgemm_tiles.js [rounds]      (OPENBLAS_CORETYPE=Haswell: OpenBLAS's AVX2 kernels)
//
// Fraction of peak: the path's float32 multiply-add peak on as many threads, measured in
// the same process (native/src/peak_flops.cc), not reckoned from a clock and a count of
// units: a hypervisor's clock figure, or 512-bit instructions run as two halves, would
// make that wrong.
import { spawnSync } from "node:child_process";
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
console.log(JSON.stringify({ blas: a.info().blas, gflops: out, peak: a.peakGflops() }));
`;

function main(): void {
  const load = loadAddon();
  if (!load.addon) throw new Error(`the addon is not built: ${load.failures.join("; ")}`);
  const rounds = Number(process.argv[2] ?? 3);
  const paths = ["baseline", "avx2", "avx512"].slice(0, ["baseline", "avx2", "avx512"].indexOf(load.addon.info().cpuIsa) + 1);
  console.log(`sgemm GFLOP/s, best of ${rounds} rounds; OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? "(unset)"}`);
  const best = new Map<string, Record<number, number>>();
  const peaks = new Map<string, number>();
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
          const res = JSON.parse(c.stdout) as { blas: string; gflops: Record<number, number>; peak: number };
          blas.set(key, res.blas);
          peaks.set(`${isa} ${threads}`, Math.max(peaks.get(`${isa} ${threads}`) ?? 0, res.peak));
          const prev = best.get(key) ?? {};
          for (const n of SIZES) prev[n] = Math.max(prev[n] ?? 0, res.gflops[n]);
          best.set(key, prev);
        }
  const rows: (string | number)[][] = [["path", "threads", "who", ...SIZES.map(String), "peak (measured)", "best / peak"]];
  for (const [key, g] of best) {
    const [isa, , threads] = key.split(" ");
    const peak = peaks.get(`${isa} ${threads}`)!;
    rows.push([isa, threads, blas.get(key)!.replace(/^openblas \S+ /, ""), ...SIZES.map((n) => g[n].toFixed(0)), peak.toFixed(0),
      (Math.max(...SIZES.map((n) => g[n])) / peak).toFixed(2)]);
  }
  printTable(rows);
}

main();
