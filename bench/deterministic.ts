// The cost of deterministic mode: one Fashion-MNIST epoch of the benchmark's MLP and CNN
// (train_gradlab.ts: Adam 1e-3, batch 64, shuffled), normal and deterministic runs
// alternating in one process, the best of each; the ratio is deterministic over normal.
//   node dist/bench/deterministic.js [--limit 6400] [--repeats 2] [--backend native|js]
import { performance } from "perf_hooks";
import { optim, fit, manualSeed, setBackend, setDeterministic, backend } from "../core";
import { makeModel, loadFashion, type ModelName, type Split } from "./train_gradlab";
import { printTable, ratio } from "./util";

const arg = (name: string, def: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };

async function epochSeconds(name: ModelName, train: Split, deterministic: boolean): Promise<number> {
  setDeterministic(deterministic);
  manualSeed(0);
  const model = makeModel(name);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const t0 = performance.now();
  await fit(model, [train.x, train.y], { epochs: 1, batchSize: 64, shuffle: true, optimizer, verbose: 0 });
  const s = (performance.now() - t0) / 1000;
  setDeterministic(false);
  return s;
}

async function main(): Promise<void> {
  const limit = Number(arg("limit", "6400")), repeats = Number(arg("repeats", "2"));
  setBackend(arg("backend", "native"));
  const b = backend();
  const { train } = loadFashion(limit);
  console.log(`deterministic mode against normal: one epoch of ${train.x.shape[0]} Fashion-MNIST images, batch 64, best of ${repeats}; ` +
    `${b.name} backend, ${b.threads} thread(s), path ${b.isa}, ${b.blas}`);
  const rows: (string | number)[][] = [["model", "normal s", "deterministic s", "deterministic/normal"]];
  for (const name of ["mlp", "cnn"] as ModelName[]) {
    const normal: number[] = [], det: number[] = [];
    await epochSeconds(name, train, false); // warm-up: JIT, allocator, thread pool
    for (let r = 0; r < repeats; r++) {
      // Alternate which goes first, so that drift on a shared machine falls on both.
      if (r % 2) det.push(await epochSeconds(name, train, true));
      normal.push(await epochSeconds(name, train, false));
      if (!(r % 2)) det.push(await epochSeconds(name, train, true));
    }
    const n = Math.min(...normal), d = Math.min(...det);
    rows.push([name, n, d, ratio(d, n)]);
  }
  printTable(rows);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
