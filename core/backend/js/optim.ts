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

export function adamStep(param: FloatBuffer, grad: FloatBuffer, expAvg: FloatBuffer, expAvgSq: FloatBuffer, maxExpAvgSq: FloatBuffer,
  step: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, amsgrad: boolean): void {
  const n = param.length;
  const stepSize = lr / (1 - Math.pow(beta1, step));
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  for (let i = 0; i < n; i++) {
    let p = param[i];
    let g = grad[i];
    if (decoupled) p *= shrink;
    else if (weightDecay !== 0) g += weightDecay * p;
    const m = beta1 * expAvg[i] + (1 - beta1) * g;
    let v = beta2 * expAvgSq[i] + (1 - beta2) * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    if (amsgrad) {
      v = Math.max(maxExpAvgSq[i], v);
      maxExpAvgSq[i] = v;
    }
    param[i] = p - (stepSize * m) / (Math.sqrt(v) / bc2Sqrt + eps);
  }
}
