// Classification metrics: accuracy, top-k, confusion matrix, per-class accuracy.
import { Tensor } from "../tensor";
import { ShapeError, DTypeError, fmtShape } from "../errors";

/** Predicted classes: argmax over dim 1 of scores (N, C), or the labels themselves if already int32 (N). */
function predictedClasses(pred: Tensor): Tensor {
  if (pred.dtype === "int32" && pred.ndim === 1) return pred;
  if (pred.ndim !== 2) throw new ShapeError(`metrics: expected scores of shape (N, C) or int32 predictions (N), got ${fmtShape(pred.shape)}`);
  return pred.argmax(1);
}

function checkLabels(pred: Tensor, target: Tensor, op: string): void {
  if (target.dtype !== "int32") throw new DTypeError(`${op}: the target must be int32 class labels, got ${target.dtype}`);
  if (target.ndim !== 1 || target.shape[0] !== pred.shape[0]) {
    throw new ShapeError(`${op}: ${pred.shape[0]} predictions but target has shape ${fmtShape(target.shape)}`);
  }
}

/** The fraction of samples whose highest score (or predicted label) is the target. */
export function accuracy(pred: Tensor, target: Tensor): number {
  checkLabels(pred, target, "accuracy");
  if (target.numel === 0) return NaN;
  return predictedClasses(pred).eq(target).sum().item() / target.numel;
}

/** The fraction of samples whose target is among the k highest scores. */
export function topKAccuracy(scores: Tensor, target: Tensor, k = 5): number {
  checkLabels(scores, target, "topKAccuracy");
  if (scores.ndim !== 2) throw new ShapeError(`topKAccuracy: expected scores (N, C), got ${fmtShape(scores.shape)}`);
  // The target is in the top k when fewer than k classes score strictly higher.
  const targetScore = scores.gather(1, target.unsqueeze(1));
  const higher = scores.gt(targetScore).sum(1);
  return higher.lt(k).sum().item() / target.numel;
}

/** counts[i][j] = how many samples of class i were predicted as j; int32 (C, C). */
export function confusionMatrix(pred: Tensor, target: Tensor, numClasses?: number): Tensor {
  checkLabels(pred, target, "confusionMatrix");
  const p = predictedClasses(pred).dataSync() as Int32Array;
  const t = target.dataSync() as Int32Array;
  let C = numClasses ?? (pred.ndim === 2 ? pred.shape[1] : 0);
  if (!C) for (let i = 0; i < t.length; i++) C = Math.max(C, t[i] + 1, p[i] + 1);
  const counts = new Int32Array(C * C);
  for (let i = 0; i < t.length; i++) counts[t[i] * C + p[i]]++;
  return new Tensor(counts, [C, C], "int32");
}

/** Accuracy within each true class (NaN for a class with no samples). */
export function perClassAccuracy(pred: Tensor, target: Tensor, numClasses?: number): number[] {
  const m = confusionMatrix(pred, target, numClasses);
  const C = m.shape[0];
  const d = m.dataSync() as Int32Array;
  return Array.from({ length: C }, (_, i) => {
    let row = 0;
    for (let j = 0; j < C; j++) row += d[i * C + j];
    return row ? d[i * C + i] / row : NaN;
  });
}
