// One module per activation of COURSE.md topic 6, each delegating to F.
import { Tensor } from "../tensor";
import { Module, Parameter } from "./module";
import * as A from "../ops/activation";
import { full } from "../ops/creation";
import { ValueError, describeValue } from "../errors";

export class ReLU extends Module { forward(x: Tensor): Tensor { return A.relu(x); } }
export class Sigmoid extends Module { forward(x: Tensor): Tensor { return A.sigmoid(x); } }
export class Tanh extends Module { forward(x: Tensor): Tensor { return A.tanh(x); } }
export class SELU extends Module { forward(x: Tensor): Tensor { return A.selu(x); } }
export class Softsign extends Module { forward(x: Tensor): Tensor { return A.softsign(x); } }
export class GELU extends Module { forward(x: Tensor): Tensor { return A.gelu(x); } }
export class SiLU extends Module { forward(x: Tensor): Tensor { return A.silu(x); } }
/** arctan as an activation, range (−π/2, π/2). */
export class Arctan extends Module { forward(x: Tensor): Tensor { return A.arctan(x); } }
/** e^x as an activation (the course's "exponential"). */
export class Exponential extends Module { forward(x: Tensor): Tensor { return A.exponential(x); } }

/** max(0, x) + negativeSlope·min(0, x); the course uses 0.01 (default) and 0.1. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) { super(); }
  forward(x: Tensor): Tensor { return A.leakyRelu(x, this.negativeSlope); }
  override extraRepr(): string { return `negativeSlope=${this.negativeSlope}`; }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) { super(); }
  forward(x: Tensor): Tensor { return A.elu(x, this.alpha); }
  override extraRepr(): string { return `alpha=${this.alpha}`; }
}

export class Softplus extends Module {
  constructor(readonly beta = 1, readonly threshold = 20) { super(); }
  forward(x: Tensor): Tensor { return A.softplus(x, { beta: this.beta, threshold: this.threshold }); }
  override extraRepr(): string { return `beta=${this.beta}, threshold=${this.threshold}`; }
}

export class Hardtanh extends Module {
  constructor(readonly minVal = -1, readonly maxVal = 1) { super(); }
  forward(x: Tensor): Tensor { return A.hardtanh(x, this.minVal, this.maxVal); }
  override extraRepr(): string { return `minVal=${this.minVal}, maxVal=${this.maxVal}`; }
}

/** The binary step (Heaviside): 1 for x > 0, 0 for x < 0, `value` at 0. Not differentiable: its gradient is 0. */
export class Heaviside extends Module {
  constructor(readonly value = 0) { super(); }
  forward(x: Tensor): Tensor { return A.heaviside(x, this.value); }
  override extraRepr(): string { return `value=${this.value}`; }
}

/**
 * Parametric ReLU with a learnable slope for negative inputs: one shared (numParameters 1)
 * or one per channel, initialised to 0.25 as in PyTorch.
 */
export class PReLU extends Module {
  weight: Parameter;
  constructor(numParameters = 1, init = 0.25) {
    super();
    if (!Number.isInteger(numParameters) || numParameters < 1) throw new ValueError(`PReLU: numParameters must be a positive integer, got ${describeValue(numParameters)}`);
    this.weight = new Parameter(full([numParameters], init));
  }
  forward(x: Tensor): Tensor { return A.prelu(x, this.weight); }
  override extraRepr(): string { return `numParameters=${this.weight.numel}`; }
}

/** Maxout: the max over groups of `pieces` consecutive features (dim 1). Shape: (N, C·pieces, ...) → (N, C, ...). */
export class Maxout extends Module {
  constructor(readonly pieces: number) {
    super();
    if (!Number.isInteger(pieces) || pieces < 1) throw new ValueError(`Maxout: pieces must be a positive integer, got ${describeValue(pieces)}`);
  }
  forward(x: Tensor): Tensor { return A.maxout(x, this.pieces, 1); }
  override extraRepr(): string { return `pieces=${this.pieces}`; }
}

export class Softmax extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return A.softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class LogSoftmax extends Module {
  constructor(readonly dim = -1) { super(); }
  forward(x: Tensor): Tensor { return A.logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
