// One output row of 2x2 stride-2 max pooling in float32, in vector lanes: compiled once
// per instruction-set path (isa.h), called by pool.cc through isa().maxPool2x2Row.
#include "isa_unit.h"

#include <algorithm>
#include <cstdint>

#include "simd.h"

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

namespace gradlab {
namespace GRADLAB_ISA_NS {

// The two input rows are split into even and odd columns; then a later value of the
// window wins where it is larger or is the first NaN (as pool.cc's scalar loop). Writes
// the whole row and returns its length, or 0 where the path has no vector row.
int64_t maxPool2x2Row(const float* r0, const float* r1, int64_t OW, int32_t base, int32_t W, float* y, int32_t* am, bool spill) {
  (void)spill;  // used by the AVX2 path only: the others need no masks (SSE) or mask cheaply (AVX-512)
#if defined(__AVX512F__)
  // 16 windows per step.
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i lane2 = _mm512_slli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 1);
  auto takes = [](__m512 v, __m512 best) {
    return static_cast<__mmask16>(_mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
                                  (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q)));
  };
  for (int64_t ow = 0; ow < OW; ow += 16) {
    // The last step of a row covers what is left through masks (rows are often 14 wide).
    const int64_t n = std::min<int64_t>(16, OW - ow);
    const __mmask16 m0 = firstLanes(2 * n), m1 = firstLanes(2 * n - 16), mo = firstLanes(n);
    const float* a = r0 + 2 * ow;
    const float* b = r1 + 2 * ow;
    const __m512 a0 = _mm512_maskz_loadu_ps(m0, a), a1 = _mm512_maskz_loadu_ps(m1, a + 16);
    const __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
    __m512 best = _mm512_permutex2var_ps(a0, even, a1);
    __m512i k = _mm512_setzero_si512();
    const __m512 v1 = _mm512_permutex2var_ps(a0, odd, a1), v2 = _mm512_permutex2var_ps(b0, even, b1), v3 = _mm512_permutex2var_ps(b0, odd, b1);
    __mmask16 t = takes(v1, best);
    best = _mm512_mask_mov_ps(best, t, v1);
    k = _mm512_mask_mov_epi32(k, t, _mm512_set1_epi32(1));
    t = takes(v2, best);
    best = _mm512_mask_mov_ps(best, t, v2);
    k = _mm512_mask_mov_epi32(k, t, _mm512_set1_epi32(W));
    t = takes(v3, best);
    best = _mm512_mask_mov_ps(best, t, v3);
    k = _mm512_mask_mov_epi32(k, t, _mm512_set1_epi32(W + 1));
    _mm512_mask_storeu_ps(y + ow, mo, best);
    const __m512i idx = _mm512_add_epi32(_mm512_add_epi32(_mm512_set1_epi32(base + static_cast<int32_t>(2 * ow)), lane2), k);
    _mm512_mask_storeu_epi32(am + ow, mo, idx);
  }
  return OW;
#elif defined(__AVX2__)
  // 8 windows per step; the comparisons are lane masks, the choices blends.
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  auto takes = [](__m256 v, __m256 best) {
    return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
  };
  auto pick = [](__m256i k, __m256 t, int32_t v) { return _mm256_blendv_epi8(k, _mm256_set1_epi32(v), _mm256_castps_si256(t)); };
  for (int64_t step = 0; step < OW; step += 8) {
    // A row's last step ends at the row's end, overlapping the step before (its windows
    // are computed again, to the same values), so that it needs no masks: on AMD's cores
    // a masked store is microcoded, many times a plain one (rows of 14 with every store
    // masked took 3x the AVX-512 path's time). A row under 8 windows reads and writes past
    // its end where the caller allows it (`spill`: the 14x14 layer's rows of 7, but its
    // planes' last), and uses masks otherwise.
    const int64_t ow = OW - step < 8 && OW >= 8 ? OW - 8 : step;
    const int64_t n = std::min<int64_t>(8, OW - ow);
    const __m256i m0 = firstLanes8(2 * n), m1 = firstLanes8(2 * n - 8), mo = firstLanes8(n);
    const float* a = r0 + 2 * ow;
    const float* b = r1 + 2 * ow;
    const bool full = n == 8 || spill;
    const __m256 a0 = full ? _mm256_loadu_ps(a) : _mm256_maskload_ps(a, m0), a1 = full ? _mm256_loadu_ps(a + 8) : _mm256_maskload_ps(a + 8, m1);
    const __m256 b0 = full ? _mm256_loadu_ps(b) : _mm256_maskload_ps(b, m0), b1 = full ? _mm256_loadu_ps(b + 8) : _mm256_maskload_ps(b + 8, m1);
    __m256 best = evenLanes(a0, a1);
    __m256i k = _mm256_setzero_si256();
    const __m256 v1 = oddLanes(a0, a1), v2 = evenLanes(b0, b1), v3 = oddLanes(b0, b1);
    __m256 t = takes(v1, best);
    best = _mm256_blendv_ps(best, v1, t);
    k = pick(k, t, 1);
    t = takes(v2, best);
    best = _mm256_blendv_ps(best, v2, t);
    k = pick(k, t, W);
    t = takes(v3, best);
    best = _mm256_blendv_ps(best, v3, t);
    k = pick(k, t, W + 1);
    const __m256i idx = _mm256_add_epi32(_mm256_add_epi32(_mm256_set1_epi32(base + static_cast<int32_t>(2 * ow)), lane2), k);
    if (full) {
      _mm256_storeu_ps(y + ow, best);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(am + ow), idx);
    } else {
      _mm256_maskstore_ps(y + ow, mo, best);
      _mm256_maskstore_epi32(am + ow, mo, idx);
    }
  }
  return OW;
#elif defined(__SSE4_1__)
  // The baseline (x86-64-v2): 4 windows per step, as the AVX2 step in 128-bit lanes; rows
  // under 4 windows are left to pool.cc's scalar loop.
  if (OW < 4) return 0;
  const __m128i lane2 = _mm_setr_epi32(0, 2, 4, 6);
  auto takes = [](__m128 v, __m128 best) {
    return _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_and_ps(_mm_cmpunord_ps(v, v), _mm_cmpord_ps(best, best)));
  };
  auto pick = [](__m128i k, __m128 t, int32_t v) { return _mm_blendv_epi8(k, _mm_set1_epi32(v), _mm_castps_si128(t)); };
  for (int64_t step = 0; step < OW; step += 4) {
    const int64_t ow = OW - step < 4 ? OW - 4 : step;  // the last step over the one before
    const float* a = r0 + 2 * ow;
    const float* b = r1 + 2 * ow;
    const __m128 a0 = _mm_loadu_ps(a), a1 = _mm_loadu_ps(a + 4), b0 = _mm_loadu_ps(b), b1 = _mm_loadu_ps(b + 4);
    __m128 best = _mm_shuffle_ps(a0, a1, 0x88);
    __m128i k = _mm_setzero_si128();
    const __m128 v1 = _mm_shuffle_ps(a0, a1, 0xDD), v2 = _mm_shuffle_ps(b0, b1, 0x88), v3 = _mm_shuffle_ps(b0, b1, 0xDD);
    __m128 t = takes(v1, best);
    best = _mm_blendv_ps(best, v1, t);
    k = pick(k, t, 1);
    t = takes(v2, best);
    best = _mm_blendv_ps(best, v2, t);
    k = pick(k, t, W);
    t = takes(v3, best);
    best = _mm_blendv_ps(best, v3, t);
    k = pick(k, t, W + 1);
    _mm_storeu_ps(y + ow, best);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(am + ow),
                     _mm_add_epi32(_mm_add_epi32(_mm_set1_epi32(base + static_cast<int32_t>(2 * ow)), lane2), k));
  }
  return OW;
#else
  (void)r0, (void)r1, (void)OW, (void)base, (void)W, (void)y, (void)am;
  return 0;
#endif
}

// The gradient of one output row of 2x2 stride-2 max pooling, written straight into the
// window's two input rows d0 and d1: each window's four places get dy where its argmax
// points and zero elsewhere, so no fill and no scatter (0 + dy, as a fill then a sum gives:
// a -0 gradient lands as +0). Stops before the first step with an argmax outside its
// window (pool.cc then falls back to the checked scatter) and returns the windows written.
int64_t maxPool2x2BackwardRow(const float* dy, const int32_t* am, const float* mask, int64_t OW, int32_t base, int32_t W, float* d0,
                              float* d1, bool spill) {
#if defined(__AVX2__)
  // 8 windows per step, in ymm on both vector paths: the step is bound by memory. A row of
  // 4 to 7 windows (the 14x14 layer's 7) is one step where it may spill (isa.h): what it
  // writes past its windows lands where d1's store and the next row write after it.
  if (OW < 8 && !(spill && OW >= 4)) return 0;
  const int valid = OW >= 8 ? 0xFF : (1 << OW) - 1;  // the lanes whose argmax is checked
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i one = _mm256_set1_epi32(1), below = _mm256_set1_epi32(W), belowRight = _mm256_set1_epi32(W + 1);
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t step = 0; step < OW; step += 8) {
    // The last step ends at the row's end, over the one before (the same values again).
    const int64_t ow = OW - step < 8 && OW >= 8 ? OW - 8 : step;
    const __m256i rel = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(am + ow)),
                                         _mm256_add_epi32(_mm256_set1_epi32(base + static_cast<int32_t>(2 * ow)), lane2));
    const __m256i k0 = _mm256_cmpeq_epi32(rel, _mm256_setzero_si256()), k1 = _mm256_cmpeq_epi32(rel, one);
    const __m256i k2 = _mm256_cmpeq_epi32(rel, below), k3 = _mm256_cmpeq_epi32(rel, belowRight);
    const __m256i inside = _mm256_or_si256(_mm256_or_si256(k0, k1), _mm256_or_si256(k2, k3));
    if ((_mm256_movemask_ps(_mm256_castsi256_ps(inside)) & valid) != valid) return step;
    __m256 g = _mm256_add_ps(zero, _mm256_loadu_ps(dy + ow));
    if (mask) g = _mm256_and_ps(g, _mm256_cmp_ps(_mm256_loadu_ps(mask + ow), zero, _CMP_GT_OQ));  // relu's gradient: +0 where not > 0
    auto store = [&](float* d, __m256i even, __m256i odd) {
      const __m256 e = _mm256_and_ps(_mm256_castsi256_ps(even), g), o = _mm256_and_ps(_mm256_castsi256_ps(odd), g);
      const __m256 lo = _mm256_unpacklo_ps(e, o), hi = _mm256_unpackhi_ps(e, o);  // windows 0 1 4 5, 2 3 6 7
      _mm256_storeu_ps(d + 2 * ow, _mm256_permute2f128_ps(lo, hi, 0x20));
      _mm256_storeu_ps(d + 2 * ow + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    };
    store(d0, k0, k1);
    store(d1, k2, k3);
  }
  return OW;
#elif defined(__SSE4_1__)
  // The baseline: 4 windows per step, as above in 128-bit lanes (rows of 4 to 7 in two
  // overlapping steps, no spill needed).
  (void)spill;
  if (OW < 4) return 0;
  const __m128i lane2 = _mm_setr_epi32(0, 2, 4, 6);
  const __m128i one = _mm_set1_epi32(1), below = _mm_set1_epi32(W), belowRight = _mm_set1_epi32(W + 1);
  const __m128 zero = _mm_setzero_ps();
  for (int64_t step = 0; step < OW; step += 4) {
    const int64_t ow = OW - step < 4 ? OW - 4 : step;
    const __m128i rel = _mm_sub_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(am + ow)),
                                      _mm_add_epi32(_mm_set1_epi32(base + static_cast<int32_t>(2 * ow)), lane2));
    const __m128i k0 = _mm_cmpeq_epi32(rel, _mm_setzero_si128()), k1 = _mm_cmpeq_epi32(rel, one);
    const __m128i k2 = _mm_cmpeq_epi32(rel, below), k3 = _mm_cmpeq_epi32(rel, belowRight);
    const __m128i inside = _mm_or_si128(_mm_or_si128(k0, k1), _mm_or_si128(k2, k3));
    if (_mm_movemask_ps(_mm_castsi128_ps(inside)) != 0xF) return step;
    __m128 g = _mm_add_ps(zero, _mm_loadu_ps(dy + ow));
    if (mask) g = _mm_and_ps(g, _mm_cmpgt_ps(_mm_loadu_ps(mask + ow), zero));
    auto store = [&](float* d, __m128i even, __m128i odd) {
      const __m128 e = _mm_and_ps(_mm_castsi128_ps(even), g), o = _mm_and_ps(_mm_castsi128_ps(odd), g);
      _mm_storeu_ps(d + 2 * ow, _mm_unpacklo_ps(e, o));
      _mm_storeu_ps(d + 2 * ow + 4, _mm_unpackhi_ps(e, o));
    };
    store(d0, k0, k1);
    store(d1, k2, k3);
  }
  return OW;
#else
  (void)dy, (void)am, (void)mask, (void)OW, (void)base, (void)W, (void)d0, (void)d1, (void)spill;
  return 0;
#endif
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
