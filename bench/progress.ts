// The cost of fit()'s progress line during one Fashion-MNIST MLP epoch, in the notebook
// (a display updated by its id; the transport serialises each bundle as the kernel's
// message would) and on a terminal-like stream; against verbose 0.
//   node dist/bench/progress.js [--epochs 1] [--repeats 3]
import { performance } from "perf_hooks";
import { nn, fit, manualSeed, data, optim } from "../core";
import { setDisplayTransport, type DisplayTransport } from "../core/viz/internal";
import type { MimeBundle } from "../core/viz/schema";
import { Progress } from "../core/train/progress";

const arg = (name: string, def: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };

class KernelLikeTransport implements DisplayTransport {
  sends = 0; bytes = 0; ms = 0; last = "";
  private send(bundle: MimeBundle, id: string) {
    const t = performance.now();
    this.bytes += JSON.stringify({ data: bundle, metadata: {}, transient: { display_id: id } }).length;
    this.last = String(bundle["text/plain"]);
    this.sends++;
    this.ms += performance.now() - t;
  }
  display(b: MimeBundle, id: string) { this.send(b, id); }
  update(b: MimeBundle, id: string) { this.send(b, id); }
}

async function epoch(verbose: 0 | 1, epochs: number, train: data.LabelledData, test: data.LabelledData, transport: KernelLikeTransport) {
  manualSeed(0);
  const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
  setDisplayTransport(transport);
  const t0 = performance.now();
  await fit(model, [train.x, train.y], { epochs, batchSize: 64, optimizer: new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
    metrics: ["accuracy"], validationData: [test.x, test.y], verbose });
  const ms = performance.now() - t0;
  setDisplayTransport(null);
  return ms;
}

/** The progress calls of one epoch alone (batches × update, one end), with running numbers as fit computes them. */
function directCost(batches: number, epochMs: number): { ms: number; draws: number } {
  const transport = new KernelLikeTransport();
  setDisplayTransport(transport);
  const p = new Progress({ verbose: 1 });
  // Spread the calls over the epoch's real duration, so the throttle sees real time.
  const perBatch = epochMs / batches;
  let spent = 0;
  p.begin("epoch 1/1", batches);
  let loss = 0;
  for (let b = 1; b <= batches; b++) {
    const until = performance.now() + perBatch;
    loss += 1 / b;
    const t = performance.now();
    p.update(b, () => ({ loss: loss / b, accuracy: 0.5 }));
    spent += performance.now() - t;
    while (performance.now() < until) { /* the batch's work */ }
  }
  const t = performance.now();
  p.end(batches, { loss, accuracy: 0.5, valLoss: 0.4, valAccuracy: 0.8 });
  spent += performance.now() - t;
  setDisplayTransport(null);
  return { ms: spent, draws: p.draws };
}

async function main() {
  const epochs = arg("epochs", 1), repeats = arg("repeats", 3);
  const train = data.fashionMnist({ split: "train", shape: "flat", verbose: 0 });
  const test = data.fashionMnist({ split: "test", shape: "flat", verbose: 0 });
  const batches = Math.ceil(train.x.shape[0] / 64) * epochs;
  console.log(`Fashion-MNIST MLP 784-128-10, batch 64, ${epochs} epoch(s) of ${batches / epochs} batches, repeats ${repeats}`);
  const quiet: number[] = [], shown: number[] = [];
  let transport = new KernelLikeTransport();
  for (let r = 0; r < repeats; r++) {
    // Alternate which goes first, so warm-up and drift fall on both.
    if (r % 2) { transport = new KernelLikeTransport(); shown.push(await epoch(1, epochs, train, test, transport)); }
    quiet.push(await epoch(0, epochs, train, test, new KernelLikeTransport()));
    if (!(r % 2)) { transport = new KernelLikeTransport(); shown.push(await epoch(1, epochs, train, test, transport)); }
  }
  const med = (v: number[]) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const direct = directCost(batches, med(quiet));
  const rows = [
    ["epoch time, verbose 0 (median)", `${(med(quiet) / 1000).toFixed(2)} s`],
    ["epoch time, verbose 1 in a notebook (median)", `${(med(shown) / 1000).toFixed(2)} s`],
    ["difference", `${(((med(shown) - med(quiet)) / med(quiet)) * 100).toFixed(2)} % (noise included)`],
    ["progress calls alone over an epoch's time", `${direct.ms.toFixed(2)} ms = ${((direct.ms / med(quiet)) * 100).toFixed(3)} % of the epoch (${direct.draws} redraws)`],
    ["displays sent by fit (display + updates)", `${transport.sends} (${(transport.bytes / 1024).toFixed(1)} kB serialised; ${transport.ms.toFixed(1)} ms)`],
    ["final text", transport.last.split("\n").at(-1) ?? ""],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(48)} ${v}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
