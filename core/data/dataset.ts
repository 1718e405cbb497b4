// Datasets and batching: TensorDataset, a seeded DataLoader, splits and k-fold.
import { Tensor } from "../tensor";
import { randperm, fromBuffer } from "../ops/creation";
import { defaultGenerator, type Generator } from "../random";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";

/** Tensors that share their first dimension, indexed together: (x, y) pairs, usually. */
export class TensorDataset {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError("TensorDataset: give at least one tensor");
    const n = tensors[0].shape[0];
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ValueError(`TensorDataset: argument ${i} is not a tensor`);
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new ShapeError(`TensorDataset: every tensor needs the same first dimension; tensor 0 has ${n} samples but tensor ${i} has shape ${fmtShape(t.shape)}`);
      }
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  /** The samples at the given indices, one tensor per member, batched along dim 0. */
  take(indices: Tensor | number[]): Tensor[] {
    return this.tensors.map((t) => t.indexSelect(0, indices));
  }
  /** The subset at the given indices (a copy). */
  subset(indices: Tensor | number[]): TensorDataset {
    return new TensorDataset(...this.take(indices));
  }
}

export interface DataLoaderOptions {
  batchSize?: number;
  /** Reshuffle every epoch, from gradlab's seeded generator (or the one given). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  generator?: Generator;
}

/**
 * Batches a TensorDataset: `for (const [x, y] of loader) ...`. With shuffle, each
 * iteration (epoch) draws a new permutation; the same seed gives the same batches.
 */
export class DataLoader implements Iterable<Tensor[]> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator;

  constructor(readonly dataset: TensorDataset, opts: DataLoaderOptions = {}) {
    if (!(dataset instanceof TensorDataset)) throw new ValueError("DataLoader: expected a TensorDataset (new data.TensorDataset(x, y))");
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${describeValue(opts.batchSize)}`);
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.generator = opts.generator ?? defaultGenerator;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const n = this.dataset.length;
    const order = this.shuffle ? (randperm(n, { generator: this.generator }).dataSync() as Int32Array) : null;
    for (let b = 0; b < this.length; b++) {
      const start = b * this.batchSize;
      const end = Math.min(start + this.batchSize, n);
      if (!order) {
        // In order: a contiguous slice along dim 0.
        yield this.dataset.tensors.map((t) => t.slice(0, start, end));
      } else {
        yield this.dataset.take(fromBuffer(order.slice(start, end), [end - start]));
      }
    }
  }
}

/** Splits a dataset into parts of the given sizes (or fractions summing to 1), after a seeded shuffle. */
export function randomSplit(dataset: TensorDataset, sizes: number[], generator: Generator = defaultGenerator): TensorDataset[] {
  const n = dataset.length;
  let counts = sizes;
  if (sizes.every((s) => s > 0 && s < 1) && Math.abs(sizes.reduce((a, b) => a + b, 0) - 1) < 1e-9) {
    counts = sizes.map((f) => Math.floor(f * n));
    counts[0] += n - counts.reduce((a, b) => a + b, 0);
  }
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || counts.reduce((a, b) => a + b, 0) !== n) {
    throw new ValueError(`randomSplit: sizes ${JSON.stringify(sizes)} must be counts adding up to ${n} or fractions adding up to 1`);
  }
  const perm = randperm(n, { generator }).dataSync() as Int32Array;
  let at = 0;
  return counts.map((c) => {
    const idx = fromBuffer(perm.slice(at, at + c), [c]);
    at += c;
    return dataset.subset(idx);
  });
}

/** The k (train, validation) pairs of k-fold cross-validation, folds chosen after a seeded shuffle. */
export function kFold(dataset: TensorDataset, k: number, opts: { shuffle?: boolean; generator?: Generator } = {}): { train: TensorDataset; val: TensorDataset }[] {
  const n = dataset.length;
  if (!Number.isInteger(k) || k < 2 || k > n) throw new ValueError(`kFold: k must be an integer from 2 to the number of samples (${n}), got ${describeValue(k)}`);
  const order = (opts.shuffle ?? true) ? Array.from(randperm(n, { generator: opts.generator }).dataSync()) : Array.from({ length: n }, (_, i) => i);
  const folds: number[][] = Array.from({ length: k }, () => []);
  // The first n mod k folds get one extra sample (as scikit-learn's KFold).
  let at = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    folds[f] = order.slice(at, at + size);
    at += size;
  }
  return folds.map((val, f) => ({
    train: dataset.subset(folds.filter((_, g) => g !== f).flat()),
    val: dataset.subset(val),
  }));
}
