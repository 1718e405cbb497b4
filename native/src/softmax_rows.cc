// Softmax of one contiguous float row: compiled once per instruction-set path (isa.h),
// called by reduce.cc through isa().softmaxRow.
#include "isa_unit.h"

#include <cmath>
#include <cstdint>

#include "simd.h"
#include "vecmath.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

// Softmax of one contiguous float row with expFast: max, exp and sum, scale; each pass
// over 16 independent lanes so that it vectorises.
template <bool LOG>
void rowT(const float* x, float* o, int64_t n) {
  constexpr int L = 16;
  int64_t i = 0;
  float mx = -INFINITY;
  bool nan = false;
#if defined(__AVX512F__)
  // GCC leaves the max-and-NaN pass below scalar: it took half the row's time.
  __m512 mv = _mm512_set1_ps(-INFINITY);
  __mmask16 unordered = 0;
  for (; i + L <= n; i += L) {
    const __m512 v = _mm512_loadu_ps(x + i);
    unordered |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    mv = _mm512_mask_max_ps(mv, 0xFFFF, mv, v);  // (the plain form trips GCC 12's -Wmaybe-uninitialized)
  }
  alignas(64) float lanes[L];  // (GCC 12's _mm512_reduce_max_ps trips -Wuninitialized)
  _mm512_store_ps(lanes, mv);
  for (int j = 0; j < L; j++) mx = lanes[j] > mx ? lanes[j] : mx;
  nan = unordered != 0;
#elif defined(__AVX2__)
  // The same pass in two ymm of 8 lanes; NaNs are collected by an unordered compare.
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0, bad = _mm256_setzero_ps();
  for (; i + L <= n; i += L) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(v0, v1, _CMP_UNORD_Q));
    m0 = _mm256_max_ps(m0, v0);
    m1 = _mm256_max_ps(m1, v1);
  }
  alignas(32) float lanes[L];
  _mm256_store_ps(lanes, m0);
  _mm256_store_ps(lanes + 8, m1);
  for (int j = 0; j < L; j++) mx = lanes[j] > mx ? lanes[j] : mx;
  nan = _mm256_movemask_ps(bad) != 0;
#else
  float m[L];
  int bad[L] = {};
  for (int j = 0; j < L; j++) m[j] = -INFINITY;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; j++) {
      float v = x[i + j];
      bad[j] |= v != v;
      m[j] = v > m[j] ? v : m[j];
    }
  for (int j = 0; j < L; j++) {
    mx = m[j] > mx ? m[j] : mx;
    nan |= bad[j] != 0;
  }
#endif
  for (; i < n; i++) {
    nan |= x[i] != x[i];
    mx = x[i] > mx ? x[i] : mx;
  }
  if (nan) mx = NAN;  // as the reference: a NaN in the row makes the whole row NaN
  if (mx == -INFINITY) mx = 0;
  float acc[L] = {};
  i = 0;
#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
  // The same 16 lanes in two ymm, exp by expFast8 (vecmath.h: the same bits as expFast).
  {
    const __m256 m = _mm256_set1_ps(mx);
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    for (; i + L <= n; i += L) {
      const __m256 e0 = expFast8(_mm256_sub_ps(_mm256_loadu_ps(x + i), m)), e1 = expFast8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), m));
      if (!LOG) {
        _mm256_storeu_ps(o + i, e0);
        _mm256_storeu_ps(o + i + 8, e1);
      }
      a0 = _mm256_add_ps(a0, e0);
      a1 = _mm256_add_ps(a1, e1);
    }
    _mm256_storeu_ps(acc, a0);
    _mm256_storeu_ps(acc + 8, a1);
  }
#endif
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; j++) {
      float e = expFast(x[i + j] - mx);
      if (!LOG) o[i + j] = e;
      acc[j] += e;
    }
  double sum = 0;
  for (; i < n; i++) {
    float e = expFast(x[i] - mx);
    if (!LOG) o[i] = e;
    sum += e;
  }
  for (int j = 0; j < L; j++) sum += acc[j];
  if (LOG) {
    // (x − max) − log Σ, as PyTorch: adding log Σ to a large max first would round it away.
    const float ls = static_cast<float>(std::log(sum));
    for (i = 0; i < n; i++) o[i] = (x[i] - mx) - ls;
  } else {
    const float inv = static_cast<float>(1.0 / sum);
    for (i = 0; i < n; i++) o[i] *= inv;
  }
}

}  // namespace

void softmaxRow(const float* x, float* o, int64_t n, bool log) { log ? rowT<true>(x, o, n) : rowT<false>(x, o, n); }

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
