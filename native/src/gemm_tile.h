// The register tiles of gradlab's packed GEMM (gemm_tile.cc) on the path being compiled
// (isa.h); isa_table.cc reads the float tile's size from here, at compile time, so that
// no path's table needs code to run at load (which could be code the CPU lacks).
#pragma once

#include <cstdint>

#include "isa_unit.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

template <class T> struct Tile;
#if defined(__AVX512F__)
// 12 rows x 32 columns: 24 zmm accumulators, two for B and one broadcast of A.
template <> struct Tile<float> { static constexpr int MR = 12, NR = 32, KC = 256, MC = 144, NC = 4096; };
#elif defined(__AVX2__)
// 6 rows x 16 columns: 12 ymm accumulators, two for B and one broadcast of A.
template <> struct Tile<float> { static constexpr int MR = 6, NR = 16, KC = 256, MC = 120, NC = 4096; };
#else
template <> struct Tile<float> { static constexpr int MR = 4, NR = 16, KC = 256, MC = 128, NC = 4096; };
#endif
template <> struct Tile<double> { static constexpr int MR = 4, NR = 8, KC = 256, MC = 96, NC = 2048; };

// The float tile over an A packed once and a B read in place, for many small products with
// the same A (Winograd's, winograd.cc): no packing of B and no library call per product.
// packedASize(M, K) floats hold op(A) (M x K) packed by packAFull, its whole depth in one
// block. productsPackedA: C[M x N] = Ap * B (+ C when accumulating) for B row-major K x N,
// rows ldb apart, each row readable up to N rounded up to NR columns (those past N feed
// only columns not stored). Single-threaded; each element a sum over k in order.
int64_t packedASize(int64_t M, int64_t K);
void packAFull(bool ta, const float* A, int64_t lda, int64_t M, int64_t K, float* Ap);
void productsPackedA(int64_t M, int64_t N, int64_t K, const float* Ap, const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate);

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
