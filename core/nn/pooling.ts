// Pooling layers: no parameters, output (W − F)/S + 1 (COURSE.md example 21).
import { Tensor } from "../tensor";
import { Module } from "./module";
import { maxPool2d, avgPool2d, sumPool2d, type Pool2dOptions, type AvgPool2dOptions } from "../ops/pooling";
import type { Pair } from "../ops/window";

abstract class Pool2d<O extends Pool2dOptions> extends Module {
  readonly opts: O;
  constructor(kernelSize: Pair, opts: Omit<O, "kernelSize"> = {} as Omit<O, "kernelSize">) {
    super();
    this.opts = { ...opts, kernelSize } as O;
  }
  override extraRepr(): string {
    const o = this.opts;
    return `kernelSize=${JSON.stringify(o.kernelSize)}, stride=${JSON.stringify(o.stride ?? o.kernelSize)}, padding=${JSON.stringify(o.padding ?? 0)}`;
  }
}

/** Max over each window. Shape: (N, C, H, W) → (N, C, OH, OW). Stride defaults to the window. */
export class MaxPool2d extends Pool2d<Pool2dOptions> {
  forward(x: Tensor): Tensor { return maxPool2d(x, this.opts); }
}

/** Mean over each window. */
export class AvgPool2d extends Pool2d<AvgPool2dOptions> {
  forward(x: Tensor): Tensor { return avgPool2d(x, this.opts); }
}

/** Sum over each window (the course's sum pooling). */
export class SumPool2d extends Pool2d<Pool2dOptions> {
  forward(x: Tensor): Tensor { return sumPool2d(x, this.opts); }
}
