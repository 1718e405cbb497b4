// Branch-free float exp that the compiler vectorises (libm's expf is a call per element).
// Cephes' expf: exp(x) = 2^n · exp(r), |r| ≤ ln2/2, degree-6 polynomial; within 2 ulp of
// the correctly rounded result over the whole range (2^n is applied in two halves so that
// results near overflow and in the denormal range come out right); NaN and ±Inf pass through.
#pragma once

#include <cstdint>
#include <cstring>

#include "isa_unit.h"

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
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
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

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
