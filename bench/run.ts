// The side-by-side benchmark: gradlab (native) vs PyTorch CPU (2 threads) vs
// TensorFlow.js (wasm) in one run, printed as tables with ratios.
//
//   node dist/bench/run.js [ops] [train] [--quick] [--rounds N] [--epochs N] [--limit N] [--no-tfjs] [--torch-default-malloc]
//
// `ops` times matmul, elementwise/reduction ops, conv2d and pooling (issue table 1);
// `train` trains the Fashion-MNIST MLP and CNN for one epoch each (issue table 2).
// With neither, both run. Ratios are gradlab's time over the other's: below 1 is faster.
import { backend } from "../core";
import { loadAddon } from "../core/backend/addon";
import { hasTorch, pageFaultMicros, printTable, ratio, runNode, runPython, torchIsaEnv, torchMallocEnv } from "./util";
import { timeGradlab, matmulSizes } from "./ops_gradlab";
import type { ModelName, TrainResult } from "./train_gradlab";
import { StatusLine } from "../kernel/status_line";

const argv = process.argv.slice(2);
const flag = (f: string) => argv.includes(f);
const option = (f: string) => (argv.includes(f) ? Number(argv[argv.indexOf(f) + 1]) : undefined);
const quick = flag("--quick");
const withTfjs = !flag("--no-tfjs");
const torch = hasTorch();
// PyTorch with glibc keeping the memory it frees (util.ts, torchMallocEnv says why), unless asked.
const keepMalloc = !flag("--torch-default-malloc");
// Which case runs now: redrawn in place on a terminal, a line per step in a log.
const status = new StatusLine();
const step = (what: string) => (status.tty ? status.show(`running: ${what}`) : status.log(`running: ${what}`));

// Rounds of each table; see ops() for why they alternate the sides.
const rounds = Math.max(1, option("--rounds") ?? (quick ? 1 : 2));

// Each case's lower timing of two rounds (a case only one round has keeps its one).
function bestOf(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? Math.min(out[k], v) : v;
  return out;
}

async function ops(): Promise<void> {
  // Rounds alternate the sides, and each case keeps its best round's median: a stretch of
  // the shared machine running slow then slows both sides, not one side's whole table
  // (a run here once had every gradlab case 1.5-2x its usual time, PyTorch's not).
  console.log(`\n## Ops (median ms per call, best of ${rounds} round${rounds > 1 ? "s" : ""} alternating the sides; ${quick ? "quick" : "full"} sizes)\n`);
  let g: Record<string, number> = {}, t: Record<string, number> = {};
  for (let r = 1; r <= rounds; r++) {
    const of = rounds > 1 ? ` (round ${r} of ${rounds})` : "";
    step(`ops, gradlab${of}`);
    g = bestOf(g, timeGradlab(quick, (name) => status.show(`running: ops, gradlab${of}: ${name}`)));
    if (torch) step(`ops, PyTorch${of}`);
    if (torch) t = bestOf(t, runPython("ops_torch.py", quick ? ["--quick"] : [], { keepMalloc }) as Record<string, number>);
  }
  if (withTfjs) step("ops, TensorFlow.js");
  // tfjs is loaded only now, after gradlab's side has been timed.
  const { timeTfjs, missing } = await import("./ops_tfjs");
  const w = withTfjs ? await timeTfjs(quick) : {};
  status.clear();
  const rows: (string | number)[][] = [["case", "gradlab ms", "torch ms", "tfjs-wasm ms", "gradlab/torch", "gradlab/tfjs"]];
  for (const name of Object.keys(g)) rows.push([name, g[name], t[name] ?? NaN, w[name] ?? NaN, ratio(g[name], t[name]), ratio(g[name], w[name])]);
  printTable(rows);
  for (const m of missing) console.log(`tfjs-wasm cannot run ${m}`);
  // The ceiling both products run under: this path's multiply-add peak, measured now on
  // as many threads (PyTorch runs on the same instruction set where the path is forced).
  const peak = loadAddon().addon?.peakGflops?.() ?? NaN;
  const share = (gflops: number) => (Number.isFinite(gflops) && Number.isFinite(peak) ? `${((100 * gflops) / peak).toFixed(0)} %` : "—");
  console.log(`\nsgemm GFLOP/s (this path's float32 multiply-add peak, measured on ${backend().threads} threads: ${peak.toFixed(1)} GFLOP/s):`);
  const gf = (ms: number | undefined, n: number) => (ms ? (2 * n ** 3) / ms / 1e6 : NaN);
  printTable([["n", "gradlab", "torch", "tfjs-wasm", "gradlab/torch (throughput)", "gradlab of peak", "torch of peak"],
    ...matmulSizes(quick).map((n) => [String(n), gf(g[`matmul ${n}`], n), gf(t[`matmul ${n}`], n), gf(w[`matmul ${n}`], n),
      ratio(gf(g[`matmul ${n}`], n), gf(t[`matmul ${n}`], n)), share(gf(g[`matmul ${n}`], n)), share(gf(t[`matmul ${n}`], n))])]);
  const over = matmulSizes(quick).some((n) => Math.max(gf(g[`matmul ${n}`], n), gf(t[`matmul ${n}`], n)) > peak);
  if (over) console.log("(over 100 %: the products ran OpenBLAS's own kernels, chosen by it or OPENBLAS_CORETYPE, wider than this path's vectors)");
}

async function train(): Promise<void> {
  const epochs = option("--epochs") ?? 1;
  const limit = option("--limit") ?? (quick ? 6400 : undefined);
  const each = rounds > 1 ? `, best of ${rounds} rounds alternating the sides` : "";
  console.log(`\n## Fashion-MNIST training: Adam 1e-3, batch 64, ${epochs} epoch(s) on ${limit ?? 60000} samples; seconds = fastest epoch${each}\n`);
  const rows: (string | number)[][] = [["model", "side", "s/epoch", "samples/s", "test acc", "time vs torch", "peak RSS MiB", "GC share"]];
  // A side's figures from the round with its fastest epoch.
  const faster = (a: TrainResult | undefined, b: TrainResult) => (a && Math.min(...a.seconds) <= Math.min(...b.seconds) ? a : b);
  for (const model of ["mlp", "cnn"] as ModelName[]) {
    // Each side trains in a process of its own.
    const args = [model, String(epochs), ...(limit ? [String(limit)] : [])];
    let mine: TrainResult | undefined, theirs: TrainResult | undefined;
    for (let r = 1; r <= rounds; r++) {
      const of = rounds > 1 ? ` (round ${r} of ${rounds})` : "";
      step(`train ${model}, gradlab${of}`);
      mine = faster(mine, runNode("train_gradlab", args) as TrainResult);
      if (torch) step(`train ${model}, PyTorch${of}`);
      if (torch) theirs = faster(theirs, runPython("torch_train.py", args, { keepMalloc }) as TrainResult);
    }
    const results: [string, TrainResult | null][] = [["gradlab", mine!]];
    if (theirs) results.push(["torch", theirs]);
    // tfjs-wasm has no Conv2DBackpropFilter kernel, so it cannot train the CNN at all.
    if (withTfjs && model === "cnn") console.log("tfjs-wasm: cannot train the CNN (no Conv2DBackpropFilter kernel in the wasm backend)");
    if (withTfjs && model === "mlp") {
      step(`train ${model}, TensorFlow.js`);
      results.push(["tfjs-wasm", runNode("train_tfjs", args) as TrainResult]);
    }
    const torchSec = results.find(([s]) => s === "torch")?.[1]?.seconds;
    for (const [side, r] of results) {
      const sec = Math.min(...r!.seconds);
      rows.push([model, side, sec, r!.samplesPerSec, r!.testAcc.toFixed(4), torchSec ? ratio(sec, Math.min(...torchSec)) : "—",
        r!.peakRssMiB !== undefined ? r!.peakRssMiB.toFixed(0) : "—", r!.gcShare !== undefined ? `${(100 * r!.gcShare).toFixed(1)} %` : "—"]);
    }
  }
  status.clear();
  printTable(rows);
}

async function main(): Promise<void> {
  const b = backend();
  const same = Object.entries(torchIsaEnv()).map(([k, v]) => `${k}=${v}`).join(" ");
  const malloc = Object.entries(torchMallocEnv(keepMalloc)).map(([k, v]) => `${k}=${v}`).join(" ");
  const torchSide = torch
    ? `python3-torch, 2 threads${same ? ` (${same}: the same instruction set)` : ""}` +
      (keepMalloc ? `; glibc keeps the memory it frees (${malloc || "already set"}; --torch-default-malloc: glibc's defaults)` : "; glibc's malloc defaults")
    : "not installed (npm run bench installs python3-torch as root)";
  console.log(`gradlab backend: ${b.name} (${b.blas}, ${b.threads} threads, ${b.isa} path: GRADLAB_ISA picks another); PyTorch: ${torchSide}`);
  console.log(`this machine: a page fault (first touch of a fresh 4 KB page) costs ${pageFaultMicros().toFixed(2)} µs`);
  const which = argv.filter((a) => !a.startsWith("--") && Number.isNaN(Number(a)));
  if (which.length === 0 || which.includes("ops")) await ops();
  if (which.length === 0 || which.includes("train")) await train();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
