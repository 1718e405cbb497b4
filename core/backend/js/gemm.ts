// Matrix multiply of the TypeScript backend: an i-k-j loop (unit stride in the inner
// loop), products in the tensors' precision (as BLAS forms them: 1e38·1e38 is Inf in
// float32), sums in double, then rounded into C. Simple and exact enough to be the
// reference the native GEMM is checked against.
import type { FloatBuffer } from "../kernels";

export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: FloatBuffer, B: FloatBuffer, C: FloatBuffer,
  batch: number, strideA: number, strideB: number, strideC: number, accumulate: boolean): void {
  const row = new Float64Array(N);
  const f32 = C instanceof Float32Array;
  for (let bt = 0; bt < batch; bt++) {
    const oa = bt * strideA;
    const ob = bt * strideB;
    const oc = bt * strideC;
    for (let i = 0; i < M; i++) {
      row.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = transA ? A[oa + k * M + i] : A[oa + i * K + k];
        // (separate loops for each case, so that each inner loop stays monomorphic and fast)
        if (transB) {
          if (f32) for (let j = 0; j < N; j++) row[j] += Math.fround(aik * B[ob + j * K + k]);
          else for (let j = 0; j < N; j++) row[j] += aik * B[ob + j * K + k];
        } else {
          const bk = ob + k * N;
          if (f32) for (let j = 0; j < N; j++) row[j] += Math.fround(aik * B[bk + j]);
          else for (let j = 0; j < N; j++) row[j] += aik * B[bk + j];
        }
      }
      const ci = oc + i * N;
      if (accumulate) for (let j = 0; j < N; j++) C[ci + j] += row[j];
      else for (let j = 0; j < N; j++) C[ci + j] = row[j];
    }
  }
}
