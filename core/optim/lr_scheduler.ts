// Learning-rate schedules (COURSE.md topic 11): step decay, exponential α0·e^(−kt) (as
// α0·γᵗ), 1/t decay α0/(1 + kt), and reduce-on-plateau. Call step() once per epoch.
import type { Optimizer } from "./optimizer";
import { checkNumber } from "./optimizer";
import { ValueError, describeValue } from "../errors";

export abstract class LRScheduler {
  /** Epochs stepped so far. */
  lastEpoch = 0;
  readonly baseLrs: number[];

  constructor(readonly optimizer: Optimizer<any>) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.options.lr);
  }

  /** The learning rate of each group at epoch t. */
  protected abstract lrAt(base: number, t: number): number;

  step(): void {
    this.lastEpoch++;
    this.optimizer.paramGroups.forEach((g, i) => { g.options.lr = this.lrAt(this.baseLrs[i], this.lastEpoch); });
  }

  /** The current learning rates, one per group. */
  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr);
  }
}

/** α = α0·γ^⌊t/stepSize⌋: multiply by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  constructor(optimizer: Optimizer<any>, readonly stepSize: number, readonly gamma = 0.1) {
    super(optimizer);
    checkNumber("StepLR", "stepSize", stepSize, 1);
    checkNumber("StepLR", "gamma", gamma);
  }
  protected lrAt(base: number, t: number): number {
    return base * Math.pow(this.gamma, Math.floor(t / this.stepSize));
  }
}

/** α = α0·γᵗ, which is the course's α0·e^(−kt) with γ = e^(−k). */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: Optimizer<any>, readonly gamma: number) {
    super(optimizer);
    checkNumber("ExponentialLR", "gamma", gamma);
  }
  protected lrAt(base: number, t: number): number {
    return base * Math.pow(this.gamma, t);
  }
}

/** The course's 1/t decay: α = α0/(1 + k·t). */
export class InverseTimeLR extends LRScheduler {
  constructor(optimizer: Optimizer<any>, readonly k: number) {
    super(optimizer);
    checkNumber("InverseTimeLR", "k", k);
  }
  protected lrAt(base: number, t: number): number {
    return base / (1 + this.k * t);
  }
}

export interface PlateauOptions {
  /** "min" for a loss, "max" for an accuracy. */
  mode?: "min" | "max";
  factor?: number;
  /** Epochs without improvement before the rate drops. */
  patience?: number;
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

/** Multiplies the learning rate by factor when a metric stops improving for patience epochs (as PyTorch). */
export class ReduceLROnPlateau {
  private best: number;
  private badEpochs = 0;
  private cooldownLeft = 0;
  lastEpoch = 0;
  readonly o: Required<PlateauOptions>;

  constructor(readonly optimizer: Optimizer<any>, opts: PlateauOptions = {}) {
    this.o = { mode: "min", factor: 0.1, patience: 10, threshold: 1e-4, thresholdMode: "rel", cooldown: 0, minLr: 0, eps: 1e-8, ...opts };
    if (this.o.factor >= 1) throw new ValueError(`ReduceLROnPlateau: factor must be below 1, got ${describeValue(this.o.factor)}`);
    if (this.o.mode !== "min" && this.o.mode !== "max") throw new ValueError(`ReduceLROnPlateau: mode must be "min" or "max", got ${describeValue(this.o.mode)}`);
    this.best = this.o.mode === "min" ? Infinity : -Infinity;
  }

  private isBetter(v: number): boolean {
    const { mode, threshold, thresholdMode } = this.o;
    if (mode === "min") return thresholdMode === "rel" ? v < this.best * (1 - threshold) : v < this.best - threshold;
    return thresholdMode === "rel" ? v > this.best * (1 + threshold) : v > this.best + threshold;
  }

  /** Reports this epoch's metric (e.g. the validation loss). */
  step(metric: number): void {
    if (typeof metric !== "number" || Number.isNaN(metric)) throw new ValueError(`ReduceLROnPlateau.step: the metric must be a number, got ${describeValue(metric)}`);
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.badEpochs = 0;
    } else {
      this.badEpochs++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEpochs = 0;
    }
    if (this.badEpochs > this.o.patience) {
      for (const g of this.optimizer.paramGroups) {
        const next = Math.max(g.options.lr * this.o.factor, this.o.minLr);
        if (g.options.lr - next > this.o.eps) g.options.lr = next;
      }
      this.cooldownLeft = this.o.cooldown;
      this.badEpochs = 0;
    }
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr);
  }
}
