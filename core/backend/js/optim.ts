// Fused optimiser steps: one pass over each parameter instead of a dozen tensor ops.
import type { FloatBuffer } from "../kernels";

export function sgdStep(param: FloatBuffer, grad: FloatBuffer, buf: FloatBuffer, lr: number, momentum: number, dampening: number,
  weightDecay: number, nesterov: boolean, first: boolean): void {
  const n = param.length;
  for (let i = 0; i < n; i++) {
    let g = grad[i];
    if (weightDecay !== 0) g += weightDecay * param[i];
    if (momentum !== 0) {
      const b = first ? g : momentum * buf[i] + (1 - dampening) * g;
      buf[i] = b;
      g = nesterov ? g + momentum * b : b;
    }
    param[i] -= lr * g;
  }
}

/**
 * Adam as the addon computes it: float64 parameters in double arithmetic, float32 ones in
 * float32 arithmetic (each operation rounded with Math.fround, in the addon's order), as
 * PyTorch does — so that g² overflowing or underflowing float32 does the same thing here.
 */
export function adamStep(param: FloatBuffer, grad: FloatBuffer, expAvg: FloatBuffer, expAvgSq: FloatBuffer, maxExpAvgSq: FloatBuffer,
  step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, amsgrad: boolean): void {
  const n = param.length;
  const r = param instanceof Float32Array ? Math.fround : (v: number) => v;
  const stepSize = r(lr / (1 - Math.pow(beta1, step)));
  const invBc2 = r(1 / Math.sqrt(1 - Math.pow(beta2, step)));
  const shrink = r(decoupled ? 1 - lr * weightDecay : 1);
  const b1 = r(beta1), b2 = r(beta2), c1 = r(1 - beta1), c2 = r(1 - beta2), wd = r(weightDecay), e = r(eps);
  const decay = !decoupled && weightDecay !== 0;
  for (let i = 0; i < n; i++) {
    let p = param[i];
    let g = grad[i];
    if (decoupled) p = r(p * shrink);
    else if (decay) g = r(g + r(wd * p));
    const m = r(r(b1 * expAvg[i]) + r(c1 * g));
    let v = r(r(b2 * expAvgSq[i]) + r(r(c2 * g) * g));
    expAvg[i] = m;
    expAvgSq[i] = v;
    if (amsgrad) {
      const vm = maxExpAvgSq[i];
      v = vm > v || vm !== vm ? vm : v; // NaN propagates, as torch.maximum
      maxExpAvgSq[i] = v;
    }
    param[i] = r(p - r(r(stepSize * m) / r(r(r(Math.sqrt(v)) * invBc2) + e)));
  }
}
