// Rows of the deterministic GEMM (det_gemm.h), compiled once per instruction-set path.
// Each element of C follows the TypeScript reference's operation sequence
// (core/backend/js/gemm.ts) exactly: products in the tensors' precision, summed in double
// in the order k = 0, 1, ..., K-1 from 0, then rounded into C (added to C first when
// accumulating). The vector units only spread that sequence across columns, which are
// independent, and -ffp-contract=off keeps every multiply and add separate: the bits are
// the same on every path, at every thread count, and in both languages.
#include "isa_unit.h"

#include <algorithm>
#include <cstdint>

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

// Four rows of C at a time share each row of B; 256 columns of double sums (8 KiB) stay in L1.
constexpr int64_t kRows = 4, kCols = 256;

template <class T>
void rows(bool ta, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C, int64_t i0, int64_t i1, bool accumulate) {
  alignas(64) double sums[kRows][kCols];
  for (int64_t i = i0; i < i1; i += kRows) {
    const int64_t nr = std::min(kRows, i1 - i);
    for (int64_t j0 = 0; j0 < N; j0 += kCols) {
      const int64_t nc = std::min(kCols, N - j0);
      for (int64_t r = 0; r < nr; r++)
        for (int64_t j = 0; j < nc; j++) sums[r][j] = 0;
      for (int64_t k = 0; k < K; k++) {
        const T* __restrict b = B + k * N + j0;
        for (int64_t r = 0; r < nr; r++) {
          const T a = ta ? A[k * M + i + r] : A[(i + r) * K + k];
          double* __restrict s = sums[r];
          for (int64_t j = 0; j < nc; j++) s[j] += static_cast<double>(static_cast<T>(a * b[j]));
        }
      }
      for (int64_t r = 0; r < nr; r++) {
        T* __restrict c = C + (i + r) * N + j0;
        const double* s = sums[r];
        if (accumulate)
          for (int64_t j = 0; j < nc; j++) c[j] = static_cast<T>(static_cast<double>(c[j]) + s[j]);
        else
          for (int64_t j = 0; j < nc; j++) c[j] = static_cast<T>(s[j]);
      }
    }
  }
}

}  // namespace

void detSgemmRows(bool ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C, int64_t i0, int64_t i1, bool accumulate) {
  rows(ta, M, N, K, A, B, C, i0, i1, accumulate);
}
void detDgemmRows(bool ta, int64_t M, int64_t N, int64_t K, const double* A, const double* B, double* C, int64_t i0, int64_t i1,
                  bool accumulate) {
  rows(ta, M, N, K, A, B, C, i0, i1, accumulate);
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
