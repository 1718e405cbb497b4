// Batch normalisation and dropout layers: the ones train() and eval() change.
import { Tensor } from "../tensor";
import { Module, Parameter } from "./module";
import { batchNorm } from "../ops/normalization";
import { dropout } from "../ops/normalization";
import { zeros, ones } from "../ops/creation";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";
import type { DType } from "../dtype";

export interface BatchNormLayerOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics; null for a cumulative average. */
  momentum?: number | null;
  /** Learn γ (weight) and β (bias); default true. */
  affine?: boolean;
  trackRunningStats?: boolean;
  dtype?: DType;
}

abstract class BatchNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean!: Tensor | null;
  runningVar!: Tensor | null;
  numBatchesTracked!: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(readonly numFeatures: number, opts: BatchNormLayerOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new ValueError(`${new.target.name}: numFeatures must be a positive integer, got ${describeValue(numFeatures)}`);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    const dtype = opts.dtype ?? "float32";
    const affine = opts.affine ?? true;
    // γ = 1 and β = 0: the layer starts as a plain standardisation.
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    const track = opts.trackRunningStats ?? true;
    this.registerBuffer("runningMean", track ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer("runningVar", track ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer("numBatchesTracked", track ? zeros([], { dtype: "int32" }) : null);
  }

  protected abstract checkInput(x: Tensor): void;

  forward(x: Tensor): Tensor {
    this.checkInput(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`${this.typeName()}: expected ${this.numFeatures} channels (dimension 1), got input ${fmtShape(x.shape)}`);
    }
    let momentum = this.momentum ?? 0;
    const useBatch = this.training || !this.runningMean;
    if (this.training && this.numBatchesTracked) {
      const tracked = this.numBatchesTracked.item() + 1;
      this.numBatchesTracked.fill_(tracked);
      if (this.momentum === null) momentum = 1 / tracked;
    }
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias,
      { training: useBatch, momentum, eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

/**
 * Batch normalisation of (N, C) or (N, C, L) inputs, per feature C (COURSE.md topic 9).
 * In training: batch statistics (population variance), running averages updated;
 * in evaluation: the running averages. γ starts at 1, β at 0.
 */
export class BatchNorm1d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(`BatchNorm1d: expected input of shape (N, C) or (N, C, L), got ${fmtShape(x.shape)}`);
  }
}

/** Batch normalisation of (N, C, H, W) inputs, per channel, over the batch and the spatial dims. */
export class BatchNorm2d extends BatchNorm {
  protected checkInput(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(`BatchNorm2d: expected input of shape (N, C, H, W), got ${fmtShape(x.shape)}`);
  }
}

/**
 * Inverted dropout. p is the probability to DROP an element (PyTorch's meaning); the
 * course's slides write p for the probability to KEEP one, so their keep-p = 0.8 is
 * new nn.Dropout(0.2) here. Identity in evaluation mode.
 */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new ValueError(`Dropout: p (the probability to drop) must be in [0, 1], got ${describeValue(p)}`);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
