import { Tensor } from "../tensor";
import { fullLike } from "../ops/creation";
import { Optimizer, checkNumber, type Params } from "./optimizer";

export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

/**
 * AdaGrad (Duchi et al.), as PyTorch: each weight's step shrinks with its accumulated
 * squared gradients.
 *
 *   g ← ∇f(θ) + λθ;   s ← s + g²;   θ ← θ − lr/(1 + (t − 1)·decay) · g / (√s + ε)
 */
export class Adagrad extends Optimizer<Required<AdagradOptions>> {
  constructor(params: Params<AdagradOptions>, opts: AdagradOptions = {}) {
    super(params as any, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, ...opts });
  }

  protected validate(o: Required<AdagradOptions>): void {
    checkNumber("Adagrad", "lr", o.lr);
    checkNumber("Adagrad", "lrDecay", o.lrDecay);
    checkNumber("Adagrad", "weightDecay", o.weightDecay);
    checkNumber("Adagrad", "initialAccumulatorValue", o.initialAccumulatorValue);
    checkNumber("Adagrad", "eps", o.eps);
  }

  protected update(p: Tensor, grad: Tensor, s: Record<string, any>, o: Required<AdagradOptions>): void {
    if (!s.sum) {
      s.step = 0;
      s.sum = fullLike(p, o.initialAccumulatorValue);
    }
    s.step += 1;
    const g = o.weightDecay !== 0 ? grad.add(p.mul(o.weightDecay)) : grad;
    const clr = o.lr / (1 + (s.step - 1) * o.lrDecay);
    s.sum.add_(g.square());
    p.sub_(g.div(s.sum.sqrt().add(o.eps)).mul(clr));
  }
}
