// Fully connected layers: Linear (PyTorch), Dense (Keras: Linear with an activation
// and a name), Identity and Flatten.
import { Tensor } from "../tensor";
import { Module, Parameter } from "./module";
import { empty } from "./util";
import { linear } from "../ops/linalg";
import { flatten } from "../ops/movement";
import * as A from "../ops/activation";
import { kaimingUniform_, uniform_ } from "../init";
import { ValueError, describeValue } from "../errors";
import type { DType } from "../dtype";

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

/**
 * y = x·Wᵀ + b.
 *
 * Shape: input (*, inFeatures) → output (*, outFeatures).
 * Attributes: weight (outFeatures, inFeatures) and bias (outFeatures), both initialised
 * U(−1/√inFeatures, 1/√inFeatures), as PyTorch does (kaiming_uniform_ with a = √5).
 *
 *   const fc = new nn.Linear(784, 10);  fc.forward(randn([64, 784])).shape  // [64, 10]
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    for (const [n, v] of [["inFeatures", inFeatures], ["outFeatures", outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`Linear: ${n} must be a positive integer, got ${describeValue(v)}`);
    }
    this.weight = new Parameter(empty([outFeatures, inFeatures], opts.dtype, ["Linear", "weight"]));
    this.bias = opts.bias === false ? null : new Parameter(empty([outFeatures], opts.dtype, ["Linear", "bias"]));
    this.resetParameters();
  }

  /** PyTorch's scheme: kaiming_uniform_(a=√5) on the weight, i.e. U(±1/√fan_in), and the same bound for the bias. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = 1 / Math.sqrt(this.inFeatures);
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

export type ActivationName = "linear" | "relu" | "sigmoid" | "tanh" | "softmax" | "leakyRelu" | "elu" | "selu" | "softplus" | "softsign" | "gelu";

const ACTIVATIONS: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu: A.relu,
  sigmoid: A.sigmoid,
  tanh: A.tanh,
  softmax: (x) => A.softmax(x, -1),
  leakyRelu: (x) => A.leakyRelu(x),
  elu: (x) => A.elu(x),
  selu: A.selu,
  softplus: (x) => A.softplus(x),
  softsign: A.softsign,
  gelu: A.gelu,
};

/**
 * Keras' Dense: a Linear layer followed by an activation, with a name for summaries.
 *
 *   new nn.Dense(3, 5, { activation: "sigmoid", name: "hidden" })
 */
export class Dense extends Linear {
  readonly activation: ActivationName;

  constructor(inFeatures: number, units: number, opts: LinearOptions & { activation?: ActivationName; name?: string } = {}) {
    super(inFeatures, units, opts);
    this.activation = opts.activation ?? "linear";
    if (!ACTIVATIONS[this.activation]) {
      throw new ValueError(`Dense: unknown activation ${JSON.stringify(opts.activation)} (one of ${Object.keys(ACTIVATIONS).join(", ")})`);
    }
    this.name = opts.name;
  }

  override forward(x: Tensor): Tensor {
    return ACTIVATIONS[this.activation](super.forward(x));
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, activation=${this.activation}`;
  }
}

/** Passes its input through unchanged (a placeholder, e.g. a shortcut that needs no projection). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Flattens dims startDim..endDim (default: all but the batch). Shape: (N, *) → (N, ∏*). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
