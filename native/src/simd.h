// Small helpers shared by the vector kernels, in the namespace of the path they are
// compiled for (isa.h).
#pragma once

#include <cstdint>

#include "isa_unit.h"

#if defined(__AVX2__)
#include <immintrin.h>

namespace gradlab {
namespace GRADLAB_ISA_NS {

// The AVX2 store/load mask of a vector's first n float lanes (n clamped to 0..8).
inline __m256i firstLanes8(int64_t n) {
  const int32_t k = static_cast<int32_t>(n < 0 ? 0 : n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Even and odd lanes of the 16 floats lo:hi, each in order (a two-register deinterleave).
inline __m256 evenLanes(__m256 lo, __m256 hi) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xD8));
}
inline __m256 oddLanes(__m256 lo, __m256 hi) {
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xDD)), 0xD8));
}

// rows[i] (8 floats each) transposed in registers: rows[c] becomes column c.
inline void transpose8(__m256 (&r)[8]) {
  __m256 a[8], b[8];
  for (int i = 0; i < 4; i++) {
    a[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    a[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; i++) {
    b[4 * i + 0] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0x44);
    b[4 * i + 1] = _mm256_shuffle_ps(a[4 * i], a[4 * i + 2], 0xEE);
    b[4 * i + 2] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0x44);
    b[4 * i + 3] = _mm256_shuffle_ps(a[4 * i + 1], a[4 * i + 3], 0xEE);
  }
  for (int j = 0; j < 4; j++) {
    r[j] = _mm256_permute2f128_ps(b[j], b[4 + j], 0x20);
    r[j + 4] = _mm256_permute2f128_ps(b[j], b[4 + j], 0x31);
  }
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
#endif

#if defined(__AVX512F__)
namespace gradlab {
namespace GRADLAB_ISA_NS {

// The mask of a vector's first n float lanes (n clamped to 0..16): for the edges of rows.
inline __mmask16 firstLanes(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

// rows[i] (16 floats each) transposed in registers: rows[c] becomes column c. (GCC 12's
// intrinsics headers trip -Wmaybe-uninitialized on the unpacks; the values are all set.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
inline void transpose16(__m512 (&r)[16]) {
  __m512 a[16], b[16];
  for (int i = 0; i < 8; i++) {
    a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // b[4i + j] holds columns j, j+4, j+8, j+12 of rows 4i..4i+3, one per 128-bit lane.
  for (int i = 0; i < 4; i++) {
    const __m512d a0 = _mm512_castps_pd(a[4 * i]), a1 = _mm512_castps_pd(a[4 * i + 1]);
    const __m512d a2 = _mm512_castps_pd(a[4 * i + 2]), a3 = _mm512_castps_pd(a[4 * i + 3]);
    b[4 * i + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
    b[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
    b[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
    b[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
  }
  for (int j = 0; j < 4; j++) {
    const __m512 d0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x44), d1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xEE);
    const __m512 e0 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x44), e1 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xEE);
    r[j] = _mm512_shuffle_f32x4(d0, e0, 0x88);
    r[j + 4] = _mm512_shuffle_f32x4(d0, e0, 0xDD);
    r[j + 8] = _mm512_shuffle_f32x4(d1, e1, 0x88);
    r[j + 12] = _mm512_shuffle_f32x4(d1, e1, 0xDD);
  }
}
#pragma GCC diagnostic pop

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
#endif
