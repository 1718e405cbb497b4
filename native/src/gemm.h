// Matrix multiply: the exported batched gemm and the internal gemmCore used by conv.
#pragma once
#include <napi.h>

#include <cstdint>

namespace gradlab {

Napi::Value Gemm(const Napi::CallbackInfo& info);

// C = alpha * op(A) op(B) + beta * C, row-major with leading dimensions.
// Uses OpenBLAS when built with it (and threaded == true), else the portable kernel,
// parallel on the thread pool when threaded.
void gemmCore(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
              const float* B, int64_t ldb, float beta, float* C, int64_t ldc, bool threaded = true);
void gemmCore(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
              const double* B, int64_t ldb, double beta, double* C, int64_t ldc, bool threaded = true);

// Single-threaded gemm for use inside a parallel region, e.g. per chunk of a batch of
// images: BLAS when built with it (call it only inside a SerialBlasScope), else portable.
void gemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
                const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

// While one exists, BLAS runs single-threaded in each caller (OpenBLAS's own threads
// would otherwise oversubscribe the cores under gradlab's pool). Not reentrant-safe
// across JS threads calling BLAS at the same moment, which only costs speed.
struct SerialBlasScope {
  SerialBlasScope();
  ~SerialBlasScope();
  SerialBlasScope(const SerialBlasScope&) = delete;
  SerialBlasScope& operator=(const SerialBlasScope&) = delete;
};

// What BLAS the addon was built with: "openblas 0.3.21" or "portable".
const char* blasName();
// Who does float32 products: "openblas", or gradlab's own tile where it is faster.
const char* sgemmName();
void blasSetThreads(int n);

}  // namespace gradlab
