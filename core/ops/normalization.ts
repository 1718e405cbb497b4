// Batch normalisation and dropout: the two layers that behave differently in training
// and in evaluation.
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";
import { rand, requireTensor, optionsArg } from "./creation";
import { requireFloat } from "./elementwise";
import type { Generator } from "../random";

export interface BatchNormOptions {
  /** Normalise with this batch's statistics and update the running ones (true), or use the running ones (false). */
  training?: boolean;
  /** Weight of the new batch in the running averages (PyTorch's 0.1). */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation of x (N, C) or (N, C, ...) per channel C, over the batch and any
 * trailing dims: y = γ·(x − μ)/√(σ² + ε) + β. In training μ and σ² are the batch's
 * (σ² the population variance) and the running averages move towards them (with the
 * unbiased σ², as PyTorch); in evaluation the running averages are used.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight?: Tensor | null, bias?: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  requireFloat(x, "batchNorm");
  if (x.ndim < 2) throw new ShapeError(`batchNorm: expected input of shape (N, C) or (N, C, ...), got ${fmtShape(x.shape)}`);
  const C = x.shape[1];
  for (const [name, t] of [["runningMean", runningMean], ["runningVar", runningVar], ["weight", weight], ["bias", bias]] as const) {
    if (t !== null && t !== undefined) requireTensor(t, "batchNorm", `${name} (a tensor or null)`);
    if (t && (t.ndim !== 1 || t.shape[0] !== C)) {
      throw new ShapeError(`batchNorm: ${name} must have one value per channel (${C}), got shape ${fmtShape(t.shape)}`);
    }
  }
  const training = opts.training ?? true;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  if (!(momentum >= 0 && momentum <= 1)) throw new ValueError(`batchNorm: momentum must be in [0, 1], got ${describeValue(momentum)}`);
  const dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const bshape = [1, C, ...new Array(x.ndim - 2).fill(1)];
  let mean: Tensor;
  let variance: Tensor;
  if (training) {
    const count = x.numel / C;
    if (count <= 1) throw new ValueError(`batchNorm: training needs more than one value per channel to estimate a variance, got input ${fmtShape(x.shape)}`);
    mean = x.mean(dims, true);
    const centred = x.sub(mean);
    variance = centred.square().mean(dims, true);
    if (runningMean && runningVar) {
      noGrad(() => {
        runningMean.mul_(1 - momentum).add_(mean.reshape([C]).mul(momentum));
        runningVar.mul_(1 - momentum).add_(variance.reshape([C]).mul(momentum * count / (count - 1)));
      });
    }
    const y = centred.mul(variance.add(eps).rsqrt());
    return affine(y, weight, bias, bshape);
  }
  if (!runningMean || !runningVar) throw new ValueError("batchNorm: evaluation mode needs the running mean and variance");
  mean = runningMean.reshape(bshape);
  variance = runningVar.reshape(bshape);
  return affine(x.sub(mean).mul(variance.add(eps).rsqrt()), weight, bias, bshape);
}

function affine(y: Tensor, weight: Tensor | null | undefined, bias: Tensor | null | undefined, bshape: number[]): Tensor {
  let out = y;
  if (weight) out = out.mul(weight.reshape(bshape));
  if (bias) out = out.add(bias.reshape(bshape));
  return out;
}

export interface DropoutOptions {
  /**
   * The probability of DROPPING each element, as in PyTorch. The course's slides use p for
   * the probability of KEEPING one: their p = 0.5 is this p = 0.5, their keep-p = 0.8 is p = 0.2.
   */
  p?: number;
  training?: boolean;
  generator?: Generator;
}

/**
 * Inverted dropout: in training each element is zeroed with probability p and the
 * survivors are scaled by 1/(1 − p), so nothing changes at test time (identity).
 */
export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  requireTensor(x, "dropout");
  const opts = optionsArg<DropoutOptions>(options, "dropout");
  const p = opts.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new ValueError(`dropout: p (the probability to drop) must be in [0, 1], got ${describeValue(p)}`);
  if (!(opts.training ?? true) || p === 0) return x;
  requireFloat(x, "dropout");
  if (p === 1) return x.mul(0);
  const keep = rand(x.shape, { dtype: x.dtype, generator: opts.generator }).ge(p);
  return x.mul(keep.to(x.dtype).mul(1 / (1 - p)));
}
