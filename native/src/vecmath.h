// Branch-free float exp that the compiler vectorises (libm's expf is a call per element).
// Cephes' expf: exp(x) = 2^n · exp(r), |r| ≤ ln2/2, degree-6 polynomial; within 2 ulp of
// the correctly rounded result over the whole range (2^n is applied in two halves so that
// results near overflow and in the denormal range come out right); NaN and ±Inf pass through.
#pragma once

#include <cstdint>
#include <cstring>

#include "isa_unit.h"
#include "simd.h"

// In the namespace of the path it is compiled for (isa.h): the per-path units use it, and
// an out-of-line copy must stay with the code of its own path.
namespace gradlab {
namespace GRADLAB_ISA_NS {

inline float expFast(float x) {
  const float hi = 88.72283935546875f, lo = -103.972084045410f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  float n = __builtin_floorf(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float r2 = r * r;
#if defined(__FMA__)
  // Where the path has fused multiply-adds the polynomial uses them (deterministic mode
  // runs the TypeScript exp, so no path must match another's bits here); expFast8 below
  // does the same operations, lane by lane, so that both give the same bits.
  float p = 1.9875691500e-4f;
  p = __builtin_fmaf(p, r, 1.3981999507e-3f);
  p = __builtin_fmaf(p, r, 8.3334519073e-3f);
  p = __builtin_fmaf(p, r, 4.1665795894e-2f);
  p = __builtin_fmaf(p, r, 1.6666665459e-1f);
  p = __builtin_fmaf(p, r, 5.0000001201e-1f);
  p = __builtin_fmaf(p, r2, r) + 1.0f;
#else
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
#endif
  int32_t ni = static_cast<int32_t>(n), n1 = ni >> 1, n2 = ni - n1;
  int32_t b1 = (n1 + 127) << 23, b2 = (n2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, sizeof s1);
  std::memcpy(&s2, &b2, sizeof s2);
  float y = (p * s1) * s2;
  // Outside the clamped range: overflow to +Inf, underflow to 0; NaN stays NaN.
  y = x > hi ? __builtin_inff() : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
// The reduction, polynomial and scaling of expFast for xc within its clamp.
inline __m256 expFast8Core(__m256 xc) {
  const __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_sub_ps(xc, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(-2.12194440e-4f)));
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), _mm256_set1_ps(1.0f));
  const __m256i ni = _mm256_cvttps_epi32(n), n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

// expFast on 8 lanes in AVX2 intrinsics: the same operations lane by lane, so the same
// bits. GCC's own vectorisation of expFast on this path carries the clamp's constant
// branches through every intermediate value and blends them (36 blends for 8 exps):
// twice the AVX-512 path's time on a Zen 4 core, whose 512-bit units are two 256-bit
// halves. (On the AVX-512 path GCC's code uses mask registers and is fast.)
inline __m256 expFast8(__m256 x) {
  const __m256 hi = _mm256_set1_ps(88.72283935546875f), lo = _mm256_set1_ps(-103.972084045410f);
  // Every lane within the clamp (false for NaN), as nearly always (softmax's x - max
  // included): no clamp and no lane to replace, 5 of ~32 operations saved.
  const __m256 inside = _mm256_and_ps(_mm256_cmp_ps(x, hi, _CMP_LE_OQ), _mm256_cmp_ps(x, lo, _CMP_GE_OQ));
  if (_mm256_movemask_ps(inside) == 0xFF) return expFast8Core(x);
  // min then max: as expFast's clamp for every number (a NaN lane is replaced at the end).
  __m256 y = expFast8Core(_mm256_max_ps(_mm256_min_ps(x, hi), lo));
  y = _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_inff()), _mm256_cmp_ps(x, hi, _CMP_GT_OQ));
  y = _mm256_blendv_ps(y, _mm256_setzero_ps(), _mm256_cmp_ps(x, lo, _CMP_LT_OQ));
  return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}
#endif

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
