// gradlab's side of the Fashion-MNIST training benchmark: the models of issue 3's table,
// trained with fit() exactly as a notebook would.
import { PerformanceObserver } from "node:perf_hooks";
import { nn, optim, data, fit, evaluate, manualSeed, memory, type Tensor } from "../core";
import { peakResidentMiB } from "./util";

export type ModelName = "mlp" | "cnn";
export interface TrainResult {
  seconds: number[]; samplesPerSec: number; testAcc: number; trainLoss: number;
  /** Peak resident set of the process, MiB, read after the training epochs (before the test set). */
  peakRssMiB?: number;
  /** The share of the epochs' time spent in garbage collection (V8's 'gc' performance entries). */
  gcShare?: number;
  /** The caching allocator's peak allocated bytes, MiB. */
  allocPeakMiB?: number;
}

export function makeModel(name: ModelName): nn.Module {
  if (name === "mlp") {
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU(), new nn.Linear(128, 10));
  }
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(64 * 7 * 7, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );
}

export interface Split { x: Tensor; y: Tensor }
export function loadFashion(limit?: number): { train: Split; test: Split } {
  const tr = data.fashionMnist({ split: "train", limit });
  const te = data.fashionMnist({ split: "test" });
  return { train: { x: tr.x, y: tr.y }, test: { x: te.x, y: te.y } };
}

/** Trains `epochs` epochs (Adam 1e-3, batch 64, shuffled), timing each epoch; then test accuracy. */
export async function trainGradlab(name: ModelName, epochs: number, limit?: number): Promise<TrainResult> {
  manualSeed(0);
  const { train, test } = loadFashion(limit);
  const model = makeModel(name);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const seconds: number[] = [];
  let trainLoss = NaN;
  const gcs: { start: number; ms: number }[] = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration }); });
  obs.observe({ entryTypes: ["gc"] });
  const windows: [number, number][] = [];
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    const h = await fit(model, [train.x, train.y], { epochs: 1, batchSize: 64, shuffle: true, optimizer });
    const t1 = performance.now();
    seconds.push((t1 - t0) / 1000);
    windows.push([t0, t1]);
    trainLoss = h.history.loss.at(-1)!;
  }
  const peakRssMiB = peakResidentMiB();
  await new Promise((r) => setTimeout(r, 20)); // the last gc entries arrive on a later turn
  obs.disconnect();
  const inEpochs = gcs.filter((g) => windows.some(([a, b]) => g.start >= a && g.start <= b)).reduce((s, g) => s + g.ms, 0);
  const gcShare = inEpochs / windows.reduce((s, [a, b]) => s + b - a, 0);
  model.eval();
  const testAcc = evaluate(model, [test.x, test.y], { metrics: ["accuracy"] }).accuracy;
  return { seconds, samplesPerSec: train.x.shape[0] / Math.min(...seconds), testAcc, trainLoss, peakRssMiB, gcShare, allocPeakMiB: memory().peakBytes / 2 ** 20 };
}

if (require.main === module) {
  const [name = "mlp", epochs = "1", limit] = process.argv.slice(2);
  trainGradlab(name as ModelName, Number(epochs), limit ? Number(limit) : undefined).then((r) => console.log(JSON.stringify(r)));
}
