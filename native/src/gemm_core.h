// The matrix product kernels call (gemm.cc), without Node-API: included by the
// per-instruction-set units (isa.h) as well as by common code.
#pragma once
#include <cstdint>

namespace gradlab {

// C = alpha * op(A) op(B) + beta * C, row-major with leading dimensions.
// OpenBLAS or gradlab's own tile, whichever is faster for the shape; parallel on the
// thread pool when threaded and large enough.
void gemmCore(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
              const float* B, int64_t ldb, float beta, float* C, int64_t ldc, bool threaded = true);
void gemmCore(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
              const double* B, int64_t ldb, double beta, double* C, int64_t ldc, bool threaded = true);

// Single-threaded gemm for use inside a parallel region, e.g. per chunk of a batch of
// images: BLAS when built with it, else portable.
void gemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void gemmSerial(bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
                const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

}  // namespace gradlab
