import { Tensor } from "../tensor";
import { kernels } from "../backend";
import type { FloatBuffer } from "../backend/kernels";
import { zerosLike } from "../ops/creation";
import { Optimizer, checkNumber, type Params } from "./optimizer";
import { ValueError } from "../errors";
import type { DType } from "../dtype";
import { allocOut, handleOf } from "../storage";

export interface SGDOptions {
  lr: number;
  /** μ: the course tries 0.5, 0.9 and 0.99. */
  momentum?: number;
  dampening?: number;
  /** L2 penalty added to the gradient (λ·w). */
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent, with momentum and Nesterov's variant, as PyTorch:
 *
 *   g ← ∇f(θ) + λθ
 *   b ← g (first step), else μ·b + (1 − τ)·g      (with momentum μ, dampening τ)
 *   g ← g + μ·b (Nesterov) or b
 *   θ ← θ − lr·g
 */
export class SGD extends Optimizer<Required<SGDOptions>> {
  constructor(params: Params<SGDOptions>, opts: SGDOptions) {
    super(params as any, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
  }

  protected validate(o: Required<SGDOptions>): void {
    checkNumber("SGD", "lr", o.lr);
    checkNumber("SGD", "momentum", o.momentum);
    checkNumber("SGD", "dampening", o.dampening);
    checkNumber("SGD", "weightDecay", o.weightDecay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening 0");
  }

  protected update(p: Tensor, grad: Tensor, s: Record<string, any>, o: Required<SGDOptions>): void {
    const first = o.momentum !== 0 && !s.momentumBuffer;
    if (first) s.momentumBuffer = zerosLike(p);
    const buf: FloatBuffer = s.momentumBuffer ? handleOf(s.momentumBuffer) as FloatBuffer : emptyHandle(p.dtype);
    kernels().sgdStep(handleOf(p) as FloatBuffer, handleOf(grad) as FloatBuffer, buf, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov, first);
  }
}

/** An empty buffer of the backend's, for a kernel's optional state that is not used. */
export function emptyHandle(dtype: DType): FloatBuffer {
  return allocOut(dtype, 0) as FloatBuffer;
}
