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
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

// Four rows of C at a time share each row of B; 256 columns of double sums (8 KiB) stay in L1.
constexpr int64_t kRows = 4, kCols = 256;

// Rows [i0, i1) and columns [j0, j1) of C, element by element through a block of sums in memory.
template <class T>
void block(bool ta, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C, int64_t i0, int64_t i1, int64_t j0, int64_t j1,
           bool accumulate) {
  alignas(64) double sums[kRows][kCols];
  for (int64_t i = i0; i < i1; i += kRows) {
    const int64_t nr = std::min(kRows, i1 - i);
    for (int64_t jb = j0; jb < j1; jb += kCols) {
      const int64_t nc = std::min(kCols, j1 - jb);
      for (int64_t r = 0; r < nr; r++)
        for (int64_t j = 0; j < nc; j++) sums[r][j] = 0;
      for (int64_t k = 0; k < K; k++) {
        const T* __restrict b = B + k * N + jb;
        for (int64_t r = 0; r < nr; r++) {
          const T a = ta ? A[k * M + i + r] : A[(i + r) * K + k];
          double* __restrict s = sums[r];
          for (int64_t j = 0; j < nc; j++) s[j] += static_cast<double>(static_cast<T>(a * b[j]));
        }
      }
      for (int64_t r = 0; r < nr; r++) {
        T* __restrict c = C + (i + r) * N + jb;
        const double* s = sums[r];
        if (accumulate)
          for (int64_t j = 0; j < nc; j++) c[j] = static_cast<T>(static_cast<double>(c[j]) + s[j]);
        else
          for (int64_t j = 0; j < nc; j++) c[j] = static_cast<T>(s[j]);
      }
    }
  }
}

// float32's register tile: kTileRows x 16 columns of double sums held in vector registers for
// the whole k loop (GCC's vector extensions: one zmm per 8 doubles on AVX-512, two ymm on
// AVX2, four xmm on the baseline). The same per-element sequence as block().
#if defined(__AVX512F__)
constexpr int64_t kTileRows = 8;  // 16 zmm of sums out of 32
#else
constexpr int64_t kTileRows = 4;
#endif
typedef float f8 __attribute__((vector_size(32)));
typedef double d8 __attribute__((vector_size(64)));

// (GCC 12's AVX-512 conversion intrinsic trips -Wmaybe-uninitialized on its unused merge operand.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

void floatTiles(bool ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C, int64_t i0, int64_t i1, int64_t nj,
                bool accumulate) {
  // Column panels outside, so that a panel of B (K x 16) stays in cache across the row tiles.
  for (int64_t j = 0; j + 16 <= nj; j += 16) {
    for (int64_t i = i0; i + kTileRows <= i1; i += kTileRows) {
      d8 lo[kTileRows], hi[kTileRows];
      for (int64_t r = 0; r < kTileRows; r++) lo[r] = hi[r] = d8{};
      for (int64_t k = 0; k < K; k++) {
        f8 b0, b1;
        std::memcpy(&b0, B + k * N + j, sizeof b0);
        std::memcpy(&b1, B + k * N + j + 8, sizeof b1);
        for (int64_t r = 0; r < kTileRows; r++) {
          const float a = ta ? A[k * M + i + r] : A[(i + r) * K + k];
#if defined(__AVX512F__)
          // One conversion of 8 floats to 8 doubles (GCC splits the generic one in halves).
          lo[r] += d8(_mm512_cvtps_pd(__m256(a * b0)));
          hi[r] += d8(_mm512_cvtps_pd(__m256(a * b1)));
#else
          lo[r] += __builtin_convertvector(a * b0, d8);
          hi[r] += __builtin_convertvector(a * b1, d8);
#endif
        }
      }
      for (int64_t r = 0; r < kTileRows; r++) {
        float* c = C + (i + r) * N + j;
        d8 sum0 = lo[r], sum1 = hi[r];
        if (accumulate) {
          f8 c0, c1;
          std::memcpy(&c0, c, sizeof c0);
          std::memcpy(&c1, c + 8, sizeof c1);
          sum0 += __builtin_convertvector(c0, d8);
          sum1 += __builtin_convertvector(c1, d8);
        }
        const f8 out0 = __builtin_convertvector(sum0, f8), out1 = __builtin_convertvector(sum1, f8);
        std::memcpy(c, &out0, sizeof out0);
        std::memcpy(c + 8, &out1, sizeof out1);
      }
    }
  }
}

#pragma GCC diagnostic pop

}  // namespace

void detSgemmRows(bool ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C, int64_t i0, int64_t i1, bool accumulate) {
  // Whole tiles in registers; the rows and columns left over element by element.
  const int64_t tiledRows = i0 + (i1 - i0) / kTileRows * kTileRows, tiledCols = N / 16 * 16;
  floatTiles(ta, M, N, K, A, B, C, i0, tiledRows, tiledCols, accumulate);
  if (tiledCols < N) block(ta, M, N, K, A, B, C, i0, tiledRows, tiledCols, N, accumulate);
  if (tiledRows < i1) block(ta, M, N, K, A, B, C, tiledRows, i1, 0, N, accumulate);
}
void detDgemmRows(bool ta, int64_t M, int64_t N, int64_t K, const double* A, const double* B, double* C, int64_t i0, int64_t i1,
                  bool accumulate) {
  block(ta, M, N, K, A, B, C, i0, i1, 0, N, accumulate);
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
