// fit, evaluate and predict: the training loop in Keras' manner for gradlab models.
// fit yields to the event loop between batches, so a notebook stays responsive and a
// stop request (requestStop(), an AbortSignal, the kernel's stop button) ends it after
// the current batch with the model intact and the history complete.
import { Tensor } from "../tensor";
import { noGrad, releaseGraph } from "../autograd";
import { kernels } from "../backend";
import { Module } from "../nn/module";
import { Optimizer } from "../optim/optimizer";
import { Adam } from "../optim/adam";
import { TensorDataset, DataLoader } from "../data/dataset";
import { cat } from "../ops/movement";
import * as L from "../ops/loss";
import { accuracy } from "./metrics";
import { History, type Logs, type StopKind } from "./history";
import type { Callback, TrainContext } from "./callbacks";
import { ValueError, describeValue } from "../errors";
import { Progress, checkVerbosity, type Verbosity } from "./progress";
import { handleOf, releaseStorage, trackNew } from "../storage";
import { managedStorage } from "../dtype";

export type LossFn = (output: Tensor, target: Tensor) => Tensor;
export type LossSpec = LossFn | Module | "crossEntropy" | "nll" | "mse" | "l1" | "bce" | "bceWithLogits" | "svm" | "multiMargin";
export type MetricFn = (output: Tensor, target: Tensor) => number;
export type MetricSpec = "accuracy" | { name: string; fn: MetricFn };
export type DataSpec = TensorDataset | DataLoader | [Tensor, Tensor];

const LOSSES: Record<string, LossFn> = {
  crossEntropy: (o, t) => L.crossEntropy(o, t),
  nll: (o, t) => L.nllLoss(o, t),
  mse: (o, t) => L.mseLoss(o, t),
  l1: (o, t) => L.l1Loss(o, t),
  bce: (o, t) => L.binaryCrossEntropy(o, t),
  bceWithLogits: (o, t) => L.bceWithLogits(o, t),
  svm: (o, t) => L.svmLoss(o, t),
  multiMargin: (o, t) => L.multiMarginLoss(o, t),
};

function lossFn(spec: LossSpec | undefined): LossFn {
  if (spec === undefined) return LOSSES.crossEntropy;
  if (typeof spec === "function") return spec;
  if (spec instanceof Module) return (o, t) => spec.forward(o, t);
  const f = LOSSES[spec];
  if (!f) throw new ValueError(`fit: unknown loss ${JSON.stringify(spec)} (one of ${Object.keys(LOSSES).join(", ")}, a function, or a loss module)`);
  return f;
}

function metricFns(specs: MetricSpec[] = []): { name: string; fn: MetricFn }[] {
  return specs.map((m) => {
    if (m === "accuracy") return { name: "accuracy", fn: accuracy };
    if (m && typeof m === "object" && typeof m.fn === "function") return m;
    throw new ValueError(`fit: unknown metric ${JSON.stringify(m)} (use "accuracy" or { name, fn })`);
  });
}

function asLoader(data: DataSpec, batchSize: number, shuffle: boolean, what: string): DataLoader {
  if (data instanceof DataLoader) return data;
  if (data instanceof TensorDataset) return new DataLoader(data, { batchSize, shuffle });
  if (Array.isArray(data) && data.length === 2 && data[0] instanceof Tensor && data[1] instanceof Tensor) {
    return new DataLoader(new TensorDataset(data[0], data[1]), { batchSize, shuffle });
  }
  throw new ValueError(`${what}: expected [x, y] tensors, a TensorDataset or a DataLoader`);
}

// Stop requests: requestStop() ends every fit running when it is called.
let stopGeneration = 0;
/** Asks every running fit() to end after its current batch (the notebook's stop button calls this). */
export function requestStop(): void {
  stopGeneration++;
}

let running = 0;
/** How many fit() calls are running now (the kernel waits for them to end on an interrupt). */
export function fitsRunning(): number {
  return running;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  /** Defaults to Adam with lr 1e-3 over model.parameters(). */
  optimizer?: Optimizer<any>;
  /** Defaults to cross-entropy. */
  loss?: LossSpec;
  metrics?: MetricSpec[];
  validationData?: DataSpec;
  callbacks?: Callback[];
  /** Ends training after the current batch when aborted. */
  signal?: AbortSignal;
  /** Stop when the loss becomes NaN or ±Inf, saying where and why (default true). */
  stopOnNonFinite?: boolean;
  /**
   * Progress, as Keras' verbose: 0 silent, 1 (default) a line per epoch updated in place
   * (batch n/N, bar, elapsed, ETA, running loss and metrics), 2 one line per epoch. The
   * default is 0 when a callback already shows progress (viz.lossPlot); GRADLAB_VERBOSE
   * sets it for a whole run.
   */
  verbose?: Verbosity;
}

/** Explains a non-finite loss in the user's terms. */
function diagnoseNonFinite(loss: number, epoch: number, batch: number, x: Tensor, optimizer: Optimizer<any>, model: Module): string {
  const what = Number.isNaN(loss) ? "NaN" : loss > 0 ? "inf" : "-inf";
  const where = `loss became ${what} at epoch ${epoch}, batch ${batch + 1}`;
  const badInputs = kernels().countNonFinite(handleOf(x));
  if (badInputs > 0) return `${where}: the input batch holds ${badInputs} NaN or infinite values (check the data and its preprocessing)`;
  const badWeights = model.parameters().filter((p) => kernels().countNonFinite(handleOf(p)) > 0).length;
  const lr = optimizer.lr;
  if (badWeights > 0 || lr >= 0.1) return `${where}: the learning rate ${lr} is probably too large (try 10× smaller)`;
  return `${where}: the learning rate ${lr} may be too large, or the loss takes the log of 0 (use crossEntropy on raw scores, not log of softmax)`;
}

/**
 * Trains model on data for some epochs and returns the History. Between batches it yields
 * to the event loop; a stop request, an aborted signal, a callback or a non-finite loss
 * end it after the current batch, and history.stopped says why.
 */
export async function fit(model: Module, data: DataSpec, opts: FitOptions = {}): Promise<History> {
  running++;
  try {
    return await fitLoop(model, data, opts);
  } finally {
    running--;
  }
}

async function fitLoop(model: Module, data: DataSpec, opts: FitOptions): Promise<History> {
  if (!(model instanceof Module)) throw new ValueError("fit: the model must be an nn.Module");
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ValueError(`fit: epochs must be a positive integer, got ${describeValue(opts.epochs)}`);
  const loader = asLoader(data, opts.batchSize ?? 32, opts.shuffle ?? true, "fit");
  const optimizer = opts.optimizer ?? new Adam(model.parameters(), { lr: 1e-3 });
  const loss = lossFn(opts.loss);
  const metrics = metricFns(opts.metrics);
  const callbacks = opts.callbacks ?? [];
  // A live loss plot already shows progress: the bar stays out of its way unless asked for.
  const showsProgress = callbacks.some((c) => (c as { showsProgress?: boolean }).showsProgress === true);
  const verbose = opts.verbose === undefined && showsProgress ? 0 : checkVerbosity(opts.verbose, "fit");
  const progress = new Progress({ verbose });
  const history = new History();
  const startGeneration = stopGeneration;
  let stopping: { kind: StopKind; message: string } | null = null;
  let current = { epoch: 0, batch: 0 };
  const ctx: TrainContext = {
    model, optimizer, history, epochs, batchesPerEpoch: loader.length,
    stop: (kind, message) => { stopping ??= { kind, message }; },
  };
  const checkRequests = () => {
    if (stopGeneration !== startGeneration) ctx.stop("requested", `training stopped by request at epoch ${current.epoch}, batch ${current.batch + 1}`);
    if (opts.signal?.aborted) ctx.stop("requested", `training aborted at epoch ${current.epoch}, batch ${current.batch + 1}`);
  };

  for (const c of callbacks) await c.onTrainBegin?.(ctx);
  try {
    for (let epoch = 1; epoch <= epochs && !stopping; epoch++) {
      model.train();
      for (const c of callbacks) await c.onEpochBegin?.(epoch, ctx);
      let seen = 0;
      let lossSum = 0;
      const metricSums = metrics.map(() => 0);
      let batch = 0;
      const runningLogs = (): Logs => {
        const r: Logs = { loss: lossSum / seen };
        metrics.forEach((m, i) => { r[m.name] = metricSums[i] / seen; });
        return r;
      };
      progress.begin(`epoch ${epoch}/${epochs}`, loader.length);
      for (const [x, y] of loader) {
        current = { epoch, batch };
        const n = x.shape[0];
        // The step gives its storage back itself (releaseGraph), so it runs as managed
        // storage: no young-generation collections asked for, which would find only the
        // step's live activations (dtype.ts, managedStorage).
        const value = managedStorage(() => {
          const out = model.forward(x);
          const l = loss(out, y);
          const v = l.item();
          if (!Number.isFinite(v) && (opts.stopOnNonFinite ?? true)) {
            // Stop before the update, so the weights stay those of the last finite step.
            ctx.stop("nonFinite", diagnoseNonFinite(v, epoch, batch, x, optimizer, model));
            return null;
          }
          optimizer.zeroGrad();
          l.backward();
          optimizer.step();
          metrics.forEach((m, i) => { metricSums[i] += noGrad(() => m.fn(out, y)) * n; });
          // The step's values (activations, the output, the loss) are done with: back to the
          // allocator now rather than at the next major collection. A module that keeps its
          // output past the step keeps an empty tensor: it must clone() it (README, Memory).
          releaseGraph(l, [x, y]);
          return v;
        });
        if (value === null) break;
        seen += n;
        lossSum += value * n;
        history.batchLoss.push(value);
        for (const c of callbacks) await c.onBatchEnd?.(epoch, batch, { loss: value }, ctx);
        batch++;
        progress.update(batch, runningLogs);
        await nextTick();
        checkRequests();
        if (stopping) break;
      }
      if (seen === 0) {
        progress.end(0, undefined, (stopping as { message: string } | null)?.message);
        break;
      }
      const logs: Logs = runningLogs();
      if (opts.validationData) {
        const v = evaluate(model, opts.validationData, { loss: opts.loss, metrics: opts.metrics, batchSize: opts.batchSize, verbose: 0 });
        for (const [k, val] of Object.entries(v)) logs[`val${k[0].toUpperCase()}${k.slice(1)}`] = val;
      }
      progress.end(batch, { ...logs }, (stopping as { message: string } | null)?.message);
      logs.lr = optimizer.lr;
      // An epoch cut short by a stop request is still recorded: the history is complete up to it.
      history.record(epoch, logs);
      for (const c of callbacks) await c.onEpochEnd?.(epoch, logs, ctx);
    }
  } catch (e) {
    progress.abandon();
    throw e;
  }
  if (stopping) {
    const s = stopping as { kind: StopKind; message: string };
    history.stopped = { ...s, epoch: current.epoch, batch: current.batch + 1 };
    if (s.kind === "nonFinite") process.stderr.write(`gradlab: ${s.message}\n`);
  }
  model.train();
  for (const c of callbacks) await c.onTrainEnd?.(ctx);
  return history;
}

/** Mean loss and metrics of model on data, in evaluation mode, without gradients. */
export function evaluate(model: Module, data: DataSpec, opts: { loss?: LossSpec; metrics?: MetricSpec[]; batchSize?: number; verbose?: Verbosity } = {}): Logs {
  const loader = asLoader(data, opts.batchSize ?? 256, false, "evaluate");
  const loss = lossFn(opts.loss);
  const metrics = metricFns(opts.metrics);
  // Evaluation that takes under a second shows nothing.
  const progress = new Progress({ verbose: checkVerbosity(opts.verbose, "evaluate"), delayMs: 1000 });
  progress.begin("evaluate", loader.length);
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let seen = 0;
      let lossSum = 0;
      let batches = 0;
      const sums = metrics.map(() => 0);
      const means = (): Logs => {
        const logs: Logs = { loss: lossSum / seen };
        metrics.forEach((m, i) => { logs[m.name] = sums[i] / seen; });
        return logs;
      };
      for (const [x, y] of loader) {
        const n = x.shape[0];
        // Everything a batch computes is done with once its loss and metrics are summed.
        const { made } = managedStorage(() => trackNew(() => {
          const out = model.forward(x);
          lossSum += loss(out, y).item() * n;
          metrics.forEach((m, i) => { sums[i] += m.fn(out, y) * n; });
        }));
        for (const s of made) releaseStorage(s);
        seen += n;
        batches++;
        progress.update(batches, () => means());
      }
      const logs = means();
      progress.end(batches, logs);
      return logs;
    });
  } catch (e) {
    progress.abandon();
    throw e;
  } finally {
    model.train(wasTraining);
  }
}

/** The model's outputs for x, in evaluation mode, computed in batches. */
export function predict(model: Module, x: Tensor, opts: { batchSize?: number } = {}): Tensor {
  const bs = opts.batchSize ?? 256;
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const outs: Tensor[] = [];
      for (let i = 0; i < x.shape[0]; i += bs) {
        // A batch's intermediate values go back at once; its output is kept for the result.
        const { result, made } = managedStorage(() => trackNew(() => model.forward(x.slice(0, i, i + bs))));
        for (const s of made) if (s !== result.storage) releaseStorage(s);
        outs.push(result);
      }
      if (outs.length === 1) return outs[0];
      const all = cat(outs, 0);
      for (const o of outs) releaseStorage(o.storage);
      return all;
    });
  } finally {
    model.train(wasTraining);
  }
}
