// Loss functions, as torch.nn.functional spells them, plus the course's summed hinge
// (svmLoss) and the weight penalties. Built from primitives, so autograd is free.
import { Tensor } from "../tensor";
import { isFloat } from "../dtype";
import { ShapeError, DTypeError, ValueError, fmtShape, describeValue } from "../errors";
import { logSoftmax } from "./activation";
import { where } from "./elementwise";

export type Reduction = "mean" | "sum" | "none";

function reduce(loss: Tensor, reduction: Reduction | undefined, op: string): Tensor {
  switch (reduction ?? "mean") {
    case "mean": return loss.mean();
    case "sum": return loss.sum();
    case "none": return loss;
    default: throw new ValueError(`${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`);
  }
}

function requireFloatInput(x: Tensor, op: string): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: the input must be a tensor`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: the input must be floating-point scores, got ${x.dtype}`);
}

/** Checks class-index targets: int32, shape (N) or (N, d1, ...) matching input without C, values in [0, C). */
function checkClassTarget(input: Tensor, target: Tensor, op: string, ignoreIndex?: number): void {
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: the target must be a tensor of class indices`);
  if (target.dtype !== "int32") {
    throw new DTypeError(`${op}: the target must hold class indices as int32, got ${target.dtype}` +
      (isFloat(target.dtype) ? " (convert with .int(), or pass probabilities of the input's shape)" : ""));
  }
  const expected = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (target.ndim !== expected.length || target.shape.some((d, i) => d !== expected[i])) {
    throw new ShapeError(`${op}: the target has shape ${fmtShape(target.shape)} but the input ${fmtShape(input.shape)} needs ${fmtShape(expected)} (one class index per sample)`);
  }
  const C = input.ndim === 1 ? input.shape[0] : input.shape[1];
  const t = target.dataSync() as Int32Array;
  for (let i = 0; i < t.length; i++) {
    if ((t[i] < 0 || t[i] >= C) && t[i] !== ignoreIndex) {
      throw new ValueError(`${op}: target ${t[i]} (sample ${i}) is out of range for ${C} classes (expected 0..${C - 1})`);
    }
  }
}

export interface NllOptions {
  /** A weight per class (C), as in PyTorch: the mean divides by the summed weights of the targets. */
  weight?: Tensor;
  /** Samples with this target are skipped (PyTorch's default, -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Negative log-likelihood of log-probabilities (N, C) for int32 class targets (N). */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  const op = "nllLoss";
  requireFloatInput(logProbs, op);
  const ignore = opts.ignoreIndex ?? -100;
  checkClassTarget(logProbs, target, op, ignore);
  // Work on (N, C) rows: move any extra dims (N, C, d...) into the batch.
  let lp = logProbs.ndim === 1 ? logProbs.unsqueeze(0) : logProbs;
  let t = target.ndim === 0 ? target.reshape([1]) : target;
  if (lp.ndim > 2) {
    const C = lp.shape[1];
    lp = lp.reshape([lp.shape[0], C, -1]).permute(0, 2, 1).reshape([-1, C]);
    t = t.reshape([-1]);
  }
  const keep = t.ne(ignore);
  const safeT = where(keep, t, 0);
  let picked = lp.gather(1, safeT.unsqueeze(1)).squeeze(1).neg();
  let w: Tensor = keep.to(lp.dtype);
  if (opts.weight) {
    if (opts.weight.ndim !== 1 || opts.weight.shape[0] !== lp.shape[1]) {
      throw new ShapeError(`${op}: weight must have one value per class (${lp.shape[1]}), got shape ${fmtShape(opts.weight.shape)}`);
    }
    w = w.mul(opts.weight.indexSelect(0, safeT));
  }
  picked = picked.mul(w);
  const reduction = opts.reduction ?? "mean";
  if (reduction === "mean") return picked.sum().div(w.sum());
  if (reduction === "none") return picked.reshape(target.shape);
  return reduce(picked, reduction, op);
}

export interface CrossEntropyOptions extends NllOptions {
  /** Mixes the one-hot target with the uniform distribution (0 = none). */
  labelSmoothing?: number;
}

/**
 * Softmax cross-entropy of raw scores (N, C): −log softmax(x)[target], averaged. Targets
 * are int32 class indices (N), or probabilities of the input's shape. The natural log is
 * used, as everywhere in PyTorch (the course's 0.89 for the cat image is log10).
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropy";
  requireFloatInput(input, op);
  if (input.ndim === 0) throw new ShapeError(`${op}: expected scores of shape (N, C) or (C), got a scalar`);
  const dim = input.ndim === 1 ? 0 : 1;
  const logp = logSoftmax(input, dim);
  const ls = opts.labelSmoothing ?? 0;
  if (!(ls >= 0 && ls <= 1)) throw new ValueError(`${op}: labelSmoothing must be in [0, 1], got ${describeValue(ls)}`);
  if (target instanceof Tensor && isFloat(target.dtype)) {
    if (target.ndim === input.ndim - 1) {
      throw new DTypeError(`${op}: the target must hold class indices as int32, got ${target.dtype} (convert with .int(); ` +
        `probabilities would need the input's shape ${fmtShape(input.shape)})`);
    }
    if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
      throw new ShapeError(`${op}: probability targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`);
    }
    const C = input.shape[dim];
    const t = ls > 0 ? target.mul(1 - ls).add(ls / C) : target;
    let per = t.mul(logp);
    if (opts.weight) per = per.mul(opts.weight.reshape([C, ...new Array(input.ndim - dim - 1).fill(1)]));
    return reduce(per.sum(dim).neg(), opts.reduction, op);
  }
  const nll = nllLoss(logp, target, opts);
  if (ls === 0) return nll;
  // Label smoothing: (1 − ε)·NLL + ε·mean over classes of −log p (PyTorch's formula).
  const C = input.shape[dim];
  let smooth = logp.neg();
  if (opts.weight) smooth = smooth.mul(opts.weight.reshape([C, ...new Array(input.ndim - dim - 1).fill(1)]));
  let smoothLoss = smooth.sum(dim).div(C);
  const reduction = opts.reduction ?? "mean";
  if (reduction === "mean") {
    const keep = target.ne(opts.ignoreIndex ?? -100);
    smoothLoss = where(keep, smoothLoss, 0).sum().div(keep.sum());
  } else smoothLoss = reduce(smoothLoss, reduction, op);
  return nll.mul(1 - ls).add(smoothLoss.mul(ls));
}

function checkSameShape(input: Tensor, target: Tensor, op: string): void {
  requireFloatInput(input, op);
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: the target must be a tensor`);
  if (target.ndim !== input.ndim || target.shape.some((d, i) => d !== input.shape[i])) {
    throw new ShapeError(`${op}: the input ${fmtShape(input.shape)} and the target ${fmtShape(target.shape)} must have the same shape`);
  }
}

/** Mean squared error. */
export function mseLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "mseLoss");
  return reduce(input.sub(target).square(), opts.reduction, "mseLoss");
}

/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "l1Loss");
  return reduce(input.sub(target).abs(), opts.reduction, "l1Loss");
}

/** −[y log p + (1 − y) log(1 − p)] for probabilities p; logs are clamped at −100 as in PyTorch. */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: { weight?: Tensor; reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "binaryCrossEntropy");
  const d = input.dataSync();
  for (let i = 0; i < d.length; i++) {
    if (!(d[i] >= 0 && d[i] <= 1)) {
      throw new ValueError(`binaryCrossEntropy: the input must be probabilities in [0, 1], but element ${i} is ${d[i]} ` +
        "(apply sigmoid first, or use bceWithLogits on the raw scores)");
    }
  }
  const logP = input.log().clamp(-100);
  const log1mP = input.rsub(1).log().clamp(-100);
  let loss = target.mul(logP).add(target.rsub(1).mul(log1mP)).neg();
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, opts.reduction, "binaryCrossEntropy");
}

/** Binary cross-entropy of raw scores, computed stably: max(x, 0) − x·y + log(1 + e^−|x|). */
export function bceWithLogits(input: Tensor, target: Tensor, opts: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {}): Tensor {
  checkSameShape(input, target, "bceWithLogits");
  // log(1 + e^−|x|) + max(−x, 0) = −log σ(x); with posWeight p: (1 − y)·x + (1 + (p − 1)·y)·(−log σ(x)).
  const negLogSig = input.abs().neg().exp().log1p().add(input.neg().relu());
  let loss: Tensor;
  if (opts.posWeight) {
    const lw = opts.posWeight.sub(1).mul(target).add(1);
    loss = target.rsub(1).mul(input).add(lw.mul(negLogSig));
  } else {
    loss = target.rsub(1).mul(input).add(negLogSig);
  }
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, opts.reduction, "bceWithLogits");
}

/** The hinge terms max(0, margin − s_y + s_j) for j ≠ y, as (N, C) with zeros at the targets. */
function hingeTerms(scores: Tensor, target: Tensor, margin: number, op: string): Tensor {
  requireFloatInput(scores, op);
  if (scores.ndim !== 2) throw new ShapeError(`${op}: expected scores of shape (N, C), got ${fmtShape(scores.shape)}`);
  checkClassTarget(scores, target, op);
  const correct = scores.gather(1, target.unsqueeze(1));
  const terms = scores.sub(correct).add(margin).relu();
  const notTarget = target.unsqueeze(1).ne(rangeRow(scores.shape[1]));
  return where(notTarget, terms, 0);
}

function rangeRow(n: number): Tensor {
  return new Tensor(Int32Array.from({ length: n }, (_, i) => i), [1, n], "int32");
}

/**
 * The course's multiclass SVM loss: Σ_{j≠y} max(0, s_j − s_y + margin) per sample, averaged
 * over the batch (COURSE.md example 10: 2.9, 0 and 12.9, mean 5.27).
 */
export function svmLoss(scores: Tensor, target: Tensor, opts: { margin?: number; reduction?: Reduction } = {}): Tensor {
  return reduce(hingeTerms(scores, target, opts.margin ?? 1, "svmLoss").sum(1), opts.reduction, "svmLoss");
}

/** PyTorch's multi_margin_loss: the same hinge (to the power p, 1 or 2), divided by the number of classes. */
export function multiMarginLoss(scores: Tensor, target: Tensor, opts: { p?: 1 | 2; margin?: number; weight?: Tensor; reduction?: Reduction } = {}): Tensor {
  const p = opts.p ?? 1;
  if (p !== 1 && p !== 2) throw new ValueError(`multiMarginLoss: p must be 1 or 2, got ${describeValue(p)}`);
  let terms = hingeTerms(scores, target, opts.margin ?? 1, "multiMarginLoss");
  if (p === 2) terms = terms.square();
  if (opts.weight) terms = terms.mul(opts.weight.indexSelect(0, target).unsqueeze(1));
  return reduce(terms.sum(1).div(scores.shape[1]), opts.reduction, "multiMarginLoss");
}

function paramList(params: Tensor | Tensor[] | Iterable<Tensor>, op: string): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  if (list.length === 0) throw new ValueError(`${op}: expected at least one tensor`);
  return list;
}

/** L1 penalty Σ|w| over the given tensors (e.g. model.parameters()). */
export function l1(params: Tensor | Iterable<Tensor>): Tensor {
  return paramList(params, "l1").map((p) => p.abs().sum()).reduce((a, b) => a.add(b));
}

/** L2 penalty Σw² over the given tensors (the course's R(W) = Σ W²). */
export function l2(params: Tensor | Iterable<Tensor>): Tensor {
  return paramList(params, "l2").map((p) => p.square().sum()).reduce((a, b) => a.add(b));
}

/** Elastic net: l1·Σ|w| + l2·Σw² (the course writes Σ β·W² + |W|, i.e. l1 = 1, l2 = β). */
export function elasticNet(params: Tensor | Iterable<Tensor>, opts: { l1?: number; l2?: number } = {}): Tensor {
  return l1(params).mul(opts.l1 ?? 1).add(l2(params).mul(opts.l2 ?? 1));
}
