import { Tensor } from "../tensor";
import { zerosLike } from "../ops/creation";
import { Optimizer, checkNumber, type Params } from "./optimizer";

export interface RMSpropOptions {
  lr?: number;
  /** Decay of the running average of squared gradients. */
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  /** Divide by an estimate of the gradient's variance instead of its second moment. */
  centered?: boolean;
}

/**
 * RMSProp (Hinton), as PyTorch:
 *
 *   g ← ∇f(θ) + λθ;   s ← α·s + (1 − α)·g²
 *   d ← √(s − ḡ²) + ε with ḡ ← α·ḡ + (1 − α)·g (centered), else √s + ε
 *   b ← μ·b + g/d, θ ← θ − lr·b  (momentum μ > 0), else θ ← θ − lr·g/d
 */
export class RMSprop extends Optimizer<Required<RMSpropOptions>> {
  constructor(params: Params<RMSpropOptions>, opts: RMSpropOptions = {}) {
    super(params as any, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, ...opts });
  }

  protected validate(o: Required<RMSpropOptions>): void {
    checkNumber("RMSprop", "lr", o.lr);
    checkNumber("RMSprop", "alpha", o.alpha, 0, 1);
    checkNumber("RMSprop", "eps", o.eps);
    checkNumber("RMSprop", "weightDecay", o.weightDecay);
    checkNumber("RMSprop", "momentum", o.momentum);
  }

  protected update(p: Tensor, grad: Tensor, s: Record<string, any>, o: Required<RMSpropOptions>): void {
    if (!s.squareAvg) {
      s.step = 0;
      s.squareAvg = zerosLike(p);
      if (o.momentum > 0) s.momentumBuffer = zerosLike(p);
      if (o.centered) s.gradAvg = zerosLike(p);
    }
    s.step += 1;
    const g = o.weightDecay !== 0 ? grad.add(p.mul(o.weightDecay)) : grad;
    s.squareAvg.mul_(o.alpha).add_(g.square().mul(1 - o.alpha));
    let avg: Tensor;
    if (o.centered) {
      s.gradAvg.mul_(o.alpha).add_(g.mul(1 - o.alpha));
      avg = s.squareAvg.sub(s.gradAvg.square()).sqrt().add(o.eps);
    } else {
      avg = s.squareAvg.sqrt().add(o.eps);
    }
    if (o.momentum > 0) {
      s.momentumBuffer.mul_(o.momentum).add_(g.div(avg));
      p.sub_(s.momentumBuffer.mul(o.lr));
    } else {
      p.sub_(g.div(avg).mul(o.lr));
    }
  }
}
