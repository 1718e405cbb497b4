// Small helpers shared by the AVX-512 kernels.
#pragma once

#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>

namespace gradlab {

// The mask of a vector's first n float lanes (n clamped to 0..16): for the edges of rows.
inline __mmask16 firstLanes(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

}  // namespace gradlab
#endif
