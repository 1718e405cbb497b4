import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { FloatBuffer } from "../backend/kernels";
import { zerosLike } from "../ops/creation";
import { Optimizer, checkNumber, type Params } from "./optimizer";
import { emptyHandle } from "./sgd";
import { handleOf } from "../storage";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/**
 * Adam (Kingma & Ba), with bias correction, as PyTorch:
 *
 *   g ← ∇f(θ) + λθ                 (AdamW instead shrinks θ ← θ(1 − lr·λ))
 *   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
 */
export class Adam extends Optimizer<Required<AdamOptions>> {
  protected readonly decoupled: boolean = false;

  constructor(params: Params<AdamOptions>, opts: AdamOptions = {}) {
    super(params as any, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, ...opts });
  }

  protected validate(o: Required<AdamOptions>): void {
    const name = this.constructor.name;
    checkNumber(name, "lr", o.lr);
    checkNumber(name, "eps", o.eps);
    checkNumber(name, "betas[0]", o.betas[0], 0, 0.999999999);
    checkNumber(name, "betas[1]", o.betas[1], 0, 0.999999999);
    checkNumber(name, "weightDecay", o.weightDecay);
  }

  protected update(p: Tensor, grad: Tensor, s: Record<string, any>, o: Required<AdamOptions>): void {
    if (!s.expAvg) {
      s.step = 0;
      s.expAvg = zerosLike(p);
      s.expAvgSq = zerosLike(p);
      if (o.amsgrad) s.maxExpAvgSq = zerosLike(p);
    }
    s.step += 1;
    kernels().adamStep(handleOf(p) as FloatBuffer, handleOf(grad) as FloatBuffer, handleOf(s.expAvg) as FloatBuffer, handleOf(s.expAvgSq) as FloatBuffer,
      s.maxExpAvgSq ? handleOf(s.maxExpAvgSq) as FloatBuffer : emptyHandle(p.dtype),
      s.step, o.lr, o.betas[0], o.betas[1], o.eps, o.weightDecay, this.decoupled, o.amsgrad);
  }
}

/** Adam with decoupled weight decay (Loshchilov & Hutter); PyTorch's default weightDecay 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Params<AdamOptions>, opts: AdamOptions = {}) {
    super(params, { weightDecay: 0.01, ...opts });
  }
}
