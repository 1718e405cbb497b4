// Callbacks for fit(), in Keras' manner: hooks at the start and end of training, each
// epoch and each batch. A callback ends training by calling ctx.stop(kind, message).
import type { History, Logs, StopKind } from "./history";
import type { Module } from "../nn/module";
import type { Optimizer } from "../optim/optimizer";
import { ReduceLROnPlateau, type LRScheduler } from "../optim/lr_scheduler";
import { Tensor } from "../tensor";
import { ValueError } from "../errors";

export interface TrainContext {
  model: Module;
  optimizer: Optimizer<any>;
  history: History;
  epochs: number;
  batchesPerEpoch: number;
  /** Ends training after the current batch, recording why. */
  stop(kind: StopKind, message: string): void;
}

export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  /** logs.loss is this batch's loss. */
  onBatchEnd?(epoch: number, batch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  /** logs has the epoch's mean loss and metrics, and the validation ones (valLoss, ...). */
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
  /** True for a callback that shows progress itself: fit() then draws no progress line of its own. */
  readonly showsProgress?: boolean;
}

export interface EarlyStoppingOptions {
  monitor?: string;
  /** Epochs without improvement to wait before stopping. */
  patience?: number;
  minDelta?: number;
  mode?: "min" | "max";
  /** Put back the weights of the best epoch when stopping (and at the end). */
  restoreBestWeights?: boolean;
}

/** Stops when the monitored value (valLoss by default) has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  private best = NaN;
  private wait = 0;
  private bestState: Record<string, Tensor> | null = null;
  readonly o: Required<EarlyStoppingOptions>;

  constructor(opts: EarlyStoppingOptions = {}) {
    const monitor = opts.monitor ?? "valLoss";
    this.o = { monitor, patience: 0, minDelta: 0, mode: /acc/i.test(monitor) ? "max" : "min", restoreBestWeights: false, ...opts };
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.wait = 0;
    this.bestState = null;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const v = logs[this.o.monitor];
    if (v === undefined) throw new ValueError(`EarlyStopping: "${this.o.monitor}" is not logged; available: ${Object.keys(logs).join(", ")}`);
    const better = Number.isNaN(this.best) || (this.o.mode === "min" ? v < this.best - this.o.minDelta : v > this.best + this.o.minDelta);
    if (better) {
      this.best = v;
      this.wait = 0;
      if (this.o.restoreBestWeights) this.bestState = Object.fromEntries(Object.entries(ctx.model.stateDict()).map(([k, t]) => [k, t.clone()]));
      return;
    }
    this.wait++;
    if (this.wait > this.o.patience) {
      if (this.bestState) ctx.model.loadStateDict(this.bestState);
      ctx.stop("earlyStopping", `early stopping at epoch ${epoch}: ${this.o.monitor} has not improved on ${this.best.toPrecision(4)} for ${this.wait} epochs` +
        (this.bestState ? " (best weights restored)" : ""));
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    // Training that ran out of epochs (or was stopped another way) after the best epoch
    // ends with the best weights too, as the option promises.
    if (this.bestState && this.wait > 0) ctx.model.loadStateDict(this.bestState);
  }
}

/** Steps a learning-rate schedule after each epoch (ReduceLROnPlateau gets the monitored value). */
export class LRSchedulerCallback implements Callback {
  constructor(readonly scheduler: LRScheduler | ReduceLROnPlateau, readonly monitor = "valLoss") {}
  onEpochEnd(_epoch: number, logs: Logs): void {
    if (this.scheduler instanceof ReduceLROnPlateau) {
      const v = logs[this.monitor] ?? logs.loss;
      this.scheduler.step(v);
    } else {
      this.scheduler.step();
    }
  }
}

/** Prints one line per epoch (and, optionally, every n batches). */
export class ProgressLogger implements Callback {
  readonly showsProgress = true;
  private started = 0;
  constructor(readonly opts: { everyBatches?: number; print?: (line: string) => void } = {}) {}
  private print(line: string): void {
    (this.opts.print ?? console.log)(line);
  }
  onEpochBegin(): void {
    this.started = Date.now();
  }
  onBatchEnd(epoch: number, batch: number, logs: Logs, ctx: TrainContext): void {
    const every = this.opts.everyBatches;
    if (every && (batch + 1) % every === 0) this.print(`epoch ${epoch} batch ${batch + 1}/${ctx.batchesPerEpoch} loss ${logs.loss.toFixed(4)}`);
  }
  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const parts = Object.entries(logs).map(([k, v]) => `${k} ${Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(2) : v.toFixed(4)}`);
    this.print(`epoch ${epoch}/${ctx.epochs} (${((Date.now() - this.started) / 1000).toFixed(1)} s): ${parts.join(", ")}`);
  }
}
