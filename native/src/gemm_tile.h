// The register tiles of gradlab's packed GEMM (gemm_tile.cc) on the path being compiled
// (isa.h); isa_table.cc reads the float tile's size from here, at compile time, so that
// no path's table needs code to run at load (which could be code the CPU lacks).
#pragma once

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

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
