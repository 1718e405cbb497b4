// Data preprocessing (COURSE.md topic 7): zero-centring, standardising, the mean image
// (per pixel, as AlexNet) and the per-channel mean (as VGG), PCA and whitening.
// Statistics are computed on training data and then applied to any data.
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { symmetricEigen } from "../linalg/eigen";
import { ShapeError, ValueError, fmtShape, describeValue } from "../errors";
import { isFloat } from "../dtype";

function checkData(x: Tensor, op: string, minDims = 2): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: expected a tensor of samples`);
  if (x.ndim < minDims) throw new ShapeError(`${op}: expected samples along dim 0, shape (N, ...), got ${fmtShape(x.shape)}`);
  if (x.shape[0] < 2) throw new ValueError(`${op}: needs at least 2 samples, got ${describeValue(x.shape[0])}`);
  return isFloat(x.dtype) ? x : x.float();
}

/** The mean image: the average over samples of every pixel/feature (AlexNet's preprocessing). */
export function meanImage(x: Tensor): Tensor {
  return noGrad(() => checkData(x, "meanImage").mean(0));
}

/** The mean of each channel over samples and pixels of (N, C, H, W) data (VGG's preprocessing), shape (C). */
export function channelMean(x: Tensor): Tensor {
  if (x.ndim !== 4) throw new ShapeError(`channelMean: expected images (N, C, H, W), got ${fmtShape(x.shape)}`);
  return noGrad(() => checkData(x, "channelMean").mean([0, 2, 3]));
}

/** Fitted per-feature standardisation: (x − mean) / std, with the training statistics. */
export class Standardizer {
  constructor(readonly mean: Tensor, readonly std: Tensor, readonly eps = 1e-8) {}

  /** Learns the mean and standard deviation of every feature over dim 0 (or over the given dims). */
  static fit(x: Tensor, dims: number | number[] = 0): Standardizer {
    const xf = checkData(x, "Standardizer.fit");
    return noGrad(() => new Standardizer(xf.mean(dims, true), xf.std(dims, { keepdim: true, correction: 0 })));
  }

  transform(x: Tensor): Tensor {
    return noGrad(() => (isFloat(x.dtype) ? x : x.float()).sub(this.mean).div(this.std.add(this.eps)));
  }

  inverse(x: Tensor): Tensor {
    return noGrad(() => x.mul(this.std.add(this.eps)).add(this.mean));
  }
}

/** Standardises x with its own statistics (fit and transform in one). */
export function standardize(x: Tensor, dims: number | number[] = 0): Tensor {
  return Standardizer.fit(x, dims).transform(x);
}

/**
 * PCA of data (N, D): the mean, the principal directions (rows of `components`, largest
 * variance first) and the variance along each. transform() projects centred data onto
 * the first k components; whiten() also divides by √(variance + eps).
 */
export class PCA {
  private constructor(readonly mean: Tensor, readonly components: Tensor, readonly explainedVariance: Tensor, readonly eps: number) {}

  /** Fits on x (N, D) — or (N, ...) flattened — keeping k components (all by default). */
  static fit(x: Tensor, opts: { k?: number; eps?: number } = {}): PCA {
    const xf = checkData(x, "PCA.fit").reshape([x.shape[0], -1]);
    const [N, D] = xf.shape;
    const k = opts.k ?? D;
    if (!Number.isInteger(k) || k < 1 || k > D) throw new ValueError(`PCA.fit: k must be an integer from 1 to ${D}, got ${describeValue(k)}`);
    return noGrad(() => {
      const x64 = xf.double();
      const mean = x64.mean(0);
      const centred = x64.sub(mean);
      const cov = centred.T.matmul(centred).div(N - 1);
      const { values, vectors } = symmetricEigen(cov.dataSync() as Float64Array, D);
      // Largest first.
      const comps = new Float64Array(k * D);
      const vars = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        const col = D - 1 - c;
        vars[c] = Math.max(values[col], 0);
        // Fix the sign so the largest entry is positive: the same data gives the same components.
        let big = 0;
        for (let r = 0; r < D; r++) if (Math.abs(vectors[r * D + col]) > Math.abs(big)) big = vectors[r * D + col];
        const s = big < 0 ? -1 : 1;
        for (let r = 0; r < D; r++) comps[c * D + r] = s * vectors[r * D + col];
      }
      const dtype = xf.dtype;
      return new PCA(mean.to(dtype), new Tensor(comps, [k, D], "float64").to(dtype), new Tensor(vars, [k], "float64").to(dtype), opts.eps ?? 1e-5);
    });
  }

  /** Fraction of the total variance each kept component explains. */
  explainedVarianceRatio(total?: number): Tensor {
    const t = total ?? this.explainedVariance.sum().item();
    return this.explainedVariance.div(t);
  }

  /** Centred data projected on the components: (N, D) → (N, k) (decorrelated). */
  transform(x: Tensor): Tensor {
    return noGrad(() => x.reshape([x.shape[0], -1]).to(this.mean.dtype).sub(this.mean).matmul(this.components.T));
  }

  /** PCA-whitened data: decorrelated, each component scaled to unit variance. */
  whiten(x: Tensor): Tensor {
    return noGrad(() => this.transform(x).div(this.explainedVariance.add(this.eps).sqrt()));
  }

  /** Back from component coordinates to the data space (the mean added back). */
  inverseTransform(z: Tensor): Tensor {
    return noGrad(() => z.matmul(this.components).add(this.mean));
  }
}
