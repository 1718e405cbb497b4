// Nearest neighbours (COURSE.md topic 1): memorise the training set; predict the
// majority label among the k closest training images under L1 or L2 distance.
// Distances are computed for a whole batch of test points at once (vectorised).
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { cat } from "../ops/movement";
import { ShapeError, ValueError, DTypeError, fmtShape, describeValue } from "../errors";

export type Distance = "l1" | "l2";

/** All pairwise distances between rows of a (M, D) and b (N, D): (M, N). */
export function pairwiseDistances(a: Tensor, b: Tensor, metric: Distance = "l2"): Tensor {
  const A = a.reshape([a.shape[0], -1]).float();
  const B = b.reshape([b.shape[0], -1]).float();
  if (A.shape[1] !== B.shape[1]) throw new ShapeError(`pairwiseDistances: samples of ${A.shape[1]} and ${B.shape[1]} features cannot be compared`);
  return noGrad(() => {
    if (metric === "l2") {
      // |a − b|² = |a|² − 2a·b + |b|², one GEMM for the whole batch (clamped: rounding can go below 0).
      const aa = A.square().sum(1, true);
      const bb = B.square().sum(1).unsqueeze(0);
      return aa.add(bb).sub(A.matmul(B.T).mul(2)).clamp(0).sqrt();
    }
    if (metric === "l1") {
      // Σ|a − b| has no GEMM form; broadcast in chunks of rows to bound memory.
      const rows: Tensor[] = [];
      const chunk = Math.max(1, Math.floor(4e6 / (B.shape[0] * B.shape[1])));
      for (let i = 0; i < A.shape[0]; i += chunk) {
        const part = A.slice(0, i, i + chunk).unsqueeze(1);
        rows.push(part.sub(B.unsqueeze(0)).abs().sum(2));
      }
      return rows.length === 1 ? rows[0] : cat(rows, 0);
    }
    throw new ValueError(`pairwiseDistances: metric must be "l1" or "l2", got ${JSON.stringify(metric)}`);
  });
}

/** k-nearest-neighbour classifier. */
export class KNearestNeighbors {
  private xTrain: Tensor | null = null;
  private yTrain: Int32Array | null = null;
  private numClasses = 0;

  constructor(readonly k = 1, readonly metric: Distance = "l2") {
    if (!Number.isInteger(k) || k < 1) throw new ValueError(`KNearestNeighbors: k must be a positive integer, got ${describeValue(k)}`);
  }

  /** "Training" is memorising: O(1). */
  fit(x: Tensor, y: Tensor): this {
    if (y.dtype !== "int32" || y.ndim !== 1 || y.shape[0] !== x.shape[0]) {
      throw new ShapeError(`KNearestNeighbors.fit: expected int32 labels (${x.shape[0]}), got ${y.dtype} ${fmtShape(y.shape)}`);
    }
    if (this.k > x.shape[0]) throw new ValueError(`KNearestNeighbors.fit: k = ${this.k} exceeds the ${x.shape[0]} training samples`);
    this.xTrain = x.reshape([x.shape[0], -1]).float();
    this.yTrain = y.dataSync() as Int32Array;
    this.numClasses = Math.max(...this.yTrain) + 1;
    return this;
  }

  /** Predicts labels for x (the slow part: O(N_train) per test sample). Ties go to the nearest neighbour's label. */
  predict(x: Tensor, opts: { batchSize?: number } = {}): Tensor {
    if (!this.xTrain || !this.yTrain) throw new ValueError("KNearestNeighbors.predict: call fit first");
    if (x.dtype === "bool") throw new DTypeError("KNearestNeighbors.predict: expected numeric samples");
    const out = new Int32Array(x.shape[0]);
    const bs = opts.batchSize ?? 500;
    const N = this.xTrain.shape[0];
    for (let s = 0; s < x.shape[0]; s += bs) {
      const d = pairwiseDistances(x.slice(0, s, s + bs), this.xTrain, this.metric).dataSync();
      const rows = d.length / N;
      for (let r = 0; r < rows; r++) {
        const row = d.subarray(r * N, (r + 1) * N);
        const nearest = kSmallest(row, this.k);
        const votes = new Array<number>(this.numClasses).fill(0);
        for (const i of nearest) votes[this.yTrain[i]]++;
        const top = Math.max(...votes);
        // Among tied classes, the one whose member is nearest wins.
        out[s + r] = this.yTrain[nearest.find((i) => votes[this.yTrain![i]] === top)!];
      }
    }
    return new Tensor(out, [x.shape[0]], "int32");
  }
}

/** Indices of the k smallest values, nearest first. */
function kSmallest(row: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < row.length; i++) {
    if (best.length < k || row[i] < row[best[best.length - 1]]) {
      let j = best.length < k ? best.length : best.length - 1;
      if (best.length < k) best.push(i);
      while (j > 0 && row[best[j - 1]] > row[i]) { best[j] = best[j - 1]; j--; }
      best[j] = i;
    }
  }
  return best;
}
