// Loss modules, each delegating to its function in F.
import { Tensor } from "../tensor";
import { Module } from "./module";
import * as L from "../ops/loss";

abstract class Loss<O> extends Module {
  constructor(readonly opts: O = {} as O) { super(); }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

export class CrossEntropyLoss extends Loss<L.CrossEntropyOptions> {
  forward(input: Tensor, target: Tensor): Tensor { return L.crossEntropy(input, target, this.opts); }
}
export class NLLLoss extends Loss<L.NllOptions> {
  forward(input: Tensor, target: Tensor): Tensor { return L.nllLoss(input, target, this.opts); }
}
export class MSELoss extends Loss<{ reduction?: L.Reduction }> {
  forward(input: Tensor, target: Tensor): Tensor { return L.mseLoss(input, target, this.opts); }
}
export class L1Loss extends Loss<{ reduction?: L.Reduction }> {
  forward(input: Tensor, target: Tensor): Tensor { return L.l1Loss(input, target, this.opts); }
}
export class BCELoss extends Loss<{ weight?: Tensor; reduction?: L.Reduction }> {
  forward(input: Tensor, target: Tensor): Tensor { return L.binaryCrossEntropy(input, target, this.opts); }
}
export class BCEWithLogitsLoss extends Loss<{ weight?: Tensor; posWeight?: Tensor; reduction?: L.Reduction }> {
  forward(input: Tensor, target: Tensor): Tensor { return L.bceWithLogits(input, target, this.opts); }
}
export class MultiMarginLoss extends Loss<{ p?: 1 | 2; margin?: number; weight?: Tensor; reduction?: L.Reduction }> {
  forward(input: Tensor, target: Tensor): Tensor { return L.multiMarginLoss(input, target, this.opts); }
}
/** The course's multiclass SVM loss (summed hinge, averaged over the batch). */
export class SVMLoss extends Loss<{ margin?: number; reduction?: L.Reduction }> {
  forward(input: Tensor, target: Tensor): Tensor { return L.svmLoss(input, target, this.opts); }
}
