// The cost of live plotting during one Fashion-MNIST epoch, and the size of the saved
// notebook after it. The transport does what the kernel does with each bundle
// (serialise it as a Jupyter message would) and keeps the last state per display id,
// as the notebook does with update_display_data.
//   node dist/bench/liveplot.js [--epochs 1] [--repeats 2]
import { performance } from "perf_hooks";
import { nn, fit, manualSeed, viz, data, optim } from "../core";
import { setDisplayTransport, type DisplayTransport } from "../core/viz/internal";
import type { MimeBundle } from "../core/viz/schema";

const arg = (name: string, def: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };

class KernelLikeTransport implements DisplayTransport {
  outputs = new Map<string, MimeBundle>();
  sends = 0; bytes = 0; ms = 0;
  private send(bundle: MimeBundle, id: string) {
    const t = performance.now();
    this.bytes += JSON.stringify({ data: bundle, metadata: {}, transient: { display_id: id } }).length;
    this.outputs.set(id, bundle);
    this.sends++;
    this.ms += performance.now() - t;
  }
  display(b: MimeBundle, id: string) { this.send(b, id); }
  update(b: MimeBundle, id: string) { this.send(b, id); }
}

/**
 * Adds up the time the plot costs: inside its callbacks, plus the bundles it builds and
 * sends from its trailing timer between batches (outside any callback).
 */
function timed(cb: viz.LossPlot): { cb: any; ms: () => number } {
  let ms = 0, depth = 0;
  const wrap = (f: Function, self: unknown) => (...a: unknown[]) => {
    const t = performance.now();
    depth++;
    try { return f.apply(self, a); } finally { depth--; if (depth === 0) ms += performance.now() - t; }
  };
  cb.bundle = wrap(cb.bundle, cb) as typeof cb.bundle;
  return { cb: { onTrainBegin: wrap(cb.onTrainBegin, cb), onBatchEnd: wrap(cb.onBatchEnd, cb), onEpochEnd: wrap(cb.onEpochEnd, cb), onTrainEnd: wrap(cb.onTrainEnd, cb) }, ms: () => ms };
}

async function run(withPlot: boolean, epochs: number, train: data.LabelledData, test: data.LabelledData) {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const transport = new KernelLikeTransport();
  setDisplayTransport(withPlot ? transport : null);
  const plot = viz.lossPlot({ title: "Fashion-MNIST MLP" });
  const t = timed(plot);
  const t0 = performance.now();
  await fit(model, [train.x, train.y], { epochs, batchSize: 64, optimizer: new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
    metrics: ["accuracy"], validationData: [test.x, test.y], callbacks: withPlot ? [t.cb] : [] });
  const total = performance.now() - t0;
  setDisplayTransport(null);
  return { total, inPlot: t.ms(), transport, plot };
}

async function main() {
  const epochs = arg("epochs", 1), repeats = arg("repeats", 2);
  const train = data.fashionMnist({ split: "train", shape: "flat" });
  const test = data.fashionMnist({ split: "test", shape: "flat" });
  console.log(`Fashion-MNIST MLP 784-128-10, batch 64, ${epochs} epoch(s), ${train.x.shape[0]} samples, repeats ${repeats}`);
  const base: number[] = [], live: number[] = [];
  let last: Awaited<ReturnType<typeof run>> | null = null;
  for (let r = 0; r < repeats; r++) {
    // Alternate which goes first, so warm-up and drift fall on both.
    if (r % 2) { last = await run(true, epochs, train, test); live.push(last.total); }
    base.push((await run(false, epochs, train, test)).total);
    if (!(r % 2)) { last = await run(true, epochs, train, test); live.push(last.total); }
  }
  const med = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const { inPlot, transport, plot } = last!;
  // update() alone, as a hand-written loop calls it, with no transport.
  const p = viz.lossPlot();
  const n = 1_000_000, t0 = performance.now();
  for (let s = 0; s < n; s++) p.update(s, { loss: 1 / (s + 1) });
  const perUpdateNs = ((performance.now() - t0) * 1e6) / n;
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", execution_count: 1, metadata: {}, source: "fit(...)",
    outputs: [...transport.outputs.values()].map((d) => ({ output_type: "display_data", data: d, metadata: {} })) }] };
  const nbBytes = JSON.stringify(nb, null, 1).length;
  const rows = [
    ["epoch time without plot (median)", `${(med(base) / 1000).toFixed(2)} s`],
    ["epoch time with live plot (median)", `${(med(live) / 1000).toFixed(2)} s`],
    ["difference", `${(((med(live) - med(base)) / med(base)) * 100).toFixed(2)} % (noise included)`],
    ["time spent by the plot (callbacks + timer sends)", `${inPlot.toFixed(1)} ms = ${((inPlot / live[live.length - 1]) * 100).toFixed(3)} % of the run`],
    ["  of which transport (serialise)", `${transport.ms.toFixed(1)} ms`],
    ["bundles sent", `${transport.sends} (${(transport.bytes / 1024).toFixed(0)} kB serialised in all)`],
    ["update() with no transport", `${perUpdateNs.toFixed(0)} ns per call`],
    ["saved notebook (final state once)", `${(nbBytes / 1024).toFixed(1)} kB; ${transport.outputs.size} output`],
    ["final payload points", plot.payload().series.map((s) => `${s.name} ${s.steps.length}`).join(", ")],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(50)} ${v}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
