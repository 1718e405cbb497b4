// Convolution layers.
import { Tensor } from "../tensor";
import { Module, Parameter } from "./module";
import { empty } from "./util";
import { conv2d, type Conv2dOptions } from "../ops/conv";
import { pair, type Pair } from "../ops/window";
import { kaimingUniform_, uniform_, fans } from "../init";
import { ValueError, describeValue } from "../errors";
import type { DType } from "../dtype";

export interface Conv2dLayerOptions extends Conv2dOptions {
  bias?: boolean;
  dtype?: DType;
}

/**
 * 2-D convolution over (N, C, H, W) inputs.
 *
 * Shape: input (N, inChannels, H, W) → output (N, outChannels, OH, OW) with
 * OH = (H + 2·padding − dilation·(k − 1) − 1)/stride + 1 (an error if it is not whole;
 * see convOutputSize).
 * Attributes: weight (outChannels, inChannels/groups, kH, kW) and bias (outChannels),
 * initialised U(±1/√fan_in) with fan_in = inChannels/groups·kH·kW, as PyTorch does.
 * Parameters: outChannels·(inChannels/groups·kH·kW + 1) — COURSE.md example 20:
 * ten 5×5 filters on 3 channels have 76 each, 760 in all.
 */
export class Conv2d extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: [number, number];

  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, readonly opts: Conv2dLayerOptions = {}) {
    super();
    const groups = opts.groups ?? 1;
    for (const [n, v] of [["inChannels", inChannels], ["outChannels", outChannels], ["groups", groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ValueError(`Conv2d: ${n} must be a positive integer, got ${describeValue(v)}`);
    }
    if (inChannels % groups || outChannels % groups) {
      throw new ValueError(`Conv2d: groups (${groups}) must divide inChannels (${inChannels}) and outChannels (${outChannels})`);
    }
    this.kernelSize = pair(kernelSize, 1, "kernelSize", "Conv2d", 1);
    this.weight = new Parameter(empty([outChannels, inChannels / groups, ...this.kernelSize], opts.dtype, ["Conv2d", "weight"]));
    this.bias = opts.bias === false ? null : new Parameter(empty([outChannels], opts.dtype, ["Conv2d", "bias"]));
    this.resetParameters();
  }

  /** PyTorch's scheme: kaiming_uniform_(a=√5), i.e. U(±1/√fan_in), for the weight and the bias bound. */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = 1 / Math.sqrt(fans(this.weight).fanIn);
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.opts);
  }

  override extraRepr(): string {
    const o = this.opts;
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}]`;
    if (o.stride !== undefined) s += `, stride=${JSON.stringify(o.stride)}`;
    if (o.padding !== undefined) s += `, padding=${JSON.stringify(o.padding)}`;
    if (o.dilation !== undefined) s += `, dilation=${JSON.stringify(o.dilation)}`;
    if (o.groups !== undefined && o.groups !== 1) s += `, groups=${o.groups}`;
    if (!this.bias) s += ", bias=false";
    return s;
  }
}
