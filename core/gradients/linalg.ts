// Gradients of the matrix products: matmul and linear share one GEMM gradient.
import type { Tensor } from "../tensor";
import type { Gradient } from "../autograd";
import { isGradEnabled, wantsGrad } from "../autograd";
import { gemm, matmul } from "../ops/linalg";
import { sumTo } from "../ops/reduce";

/**
 * A product C = A·op(B) as the GEMM kernel ran it (op(B) = Bᵀ when transB), batch
 * matrices at a time; aBatched / bBatched say whether A and B step with the batch (else
 * one matrix is shared). dAShape / dBShape: the shapes the two gradient products are
 * written in, summed down to the operands' shapes where those broadcast.
 */
export interface GemmSaved {
  A: Tensor; B: Tensor; transB: boolean;
  M: number; N: number; K: number; batch: number; aBatched: boolean; bBatched: boolean;
  dAShape: number[]; dBShape: number[];
}

/** The GEMM gradient, the one place it is written: dA = g·op(B)ᵀ and d(op(B)) = Aᵀ·g, as GEMMs with transposes as flags. */
function gemmGradient(g: Tensor, s: GemmSaved, wantA: boolean, wantB: boolean): [Tensor | null, Tensor | null] {
  const dA = wantA ? gemm(g, s.B, false, !s.transB, s.M, s.K, s.N, s.batch, true, s.bBatched, s.dAShape) : null;
  let dB: Tensor | null = null;
  if (wantB) {
    dB = s.transB ? gemm(g, s.A, true, false, s.N, s.K, s.M, s.batch, true, s.aBatched, s.dBShape)
      : gemm(s.A, g, true, false, s.K, s.N, s.M, s.batch, s.aBatched, true, s.dBShape);
  }
  return [dA, dB];
}

export const linalgGradients = {
  /** matmul (a, b); `folded`: a batch of rows times one matrix, run as a single GEMM of M = rows. */
  matmul: ((g, { inputs: [a, b], saved }) => {
    if (isGradEnabled()) {
      // Recording during backward (createGraph): the same products as differentiable matmuls.
      if (saved.folded) {
        return [
          wantsGrad(a) ? matmul(g, b.transpose(0, 1)) : null,
          wantsGrad(b) ? matmul(a.reshape([saved.M, saved.K]).transpose(0, 1), g.reshape([saved.M, saved.N])) : null,
        ];
      }
      return [
        wantsGrad(a) ? sumTo(matmul(g, b.transpose(-2, -1)), a.shape) : null,
        wantsGrad(b) ? sumTo(matmul(a.transpose(-2, -1), g), b.shape) : null,
      ];
    }
    const [da, db] = gemmGradient(g, saved, wantsGrad(a), wantsGrad(b));
    return [da && sumTo(da, a.shape), db && sumTo(db, b.shape)];
  }) as Gradient<GemmSaved & { folded: boolean }>,

  /** linear (x, weight, bias?) = x·weightᵀ + bias over rows = x.numel / in rows. */
  linear: ((g, { inputs: [x, weight, bias], saved }) => {
    const rows = saved.M, O = saved.N, I = saved.K;
    if (isGradEnabled()) {
      // Recording during backward (createGraph): differentiable matmuls instead of raw GEMMs.
      const g2 = g.reshape([rows, O]);
      return [
        wantsGrad(x) ? matmul(g2, weight).reshape(x.shape) : null,
        wantsGrad(weight) ? matmul(g2.transpose(0, 1), x.reshape([rows, I])) : null,
        bias && wantsGrad(bias) ? g2.sum(0) : null,
      ];
    }
    const [dx, dw] = gemmGradient(g, saved, wantsGrad(x), wantsGrad(weight));
    return [dx, dw, bias && wantsGrad(bias) ? g.reshape([rows, O]).sum(0) : null];
  }) as Gradient<GemmSaved>,
};
