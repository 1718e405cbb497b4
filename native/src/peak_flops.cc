// This path's float32 arithmetic peak, measured: every pool thread runs independent chains
// of multiply-adds in the path's widest vectors (AVX-512: zmm FMA; AVX2: ymm FMA; baseline:
// xmm multiply then add, as its compiler-vectorised kernels do). The benchmark states how
// much of it a product reaches; no datasheet figure (clock, units per core) is trusted,
// since a hypervisor or a CPU's 512-bit design can halve it.
#include "isa_unit.h"
#include "peak_flops.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <chrono>

#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

// Chains: enough independent ones to cover the multiply-add latency on two units (4 x 2 on
// current cores) with room to spare; few enough to stay in registers on every path.
constexpr int kChains = 12;

#if defined(__AVX512F__)
using Vec = __m512;
constexpr int kLanes = 16;
inline Vec splat(float v) { return _mm512_set1_ps(v); }
inline Vec madd(Vec a, Vec m, Vec c) { return _mm512_fmadd_ps(a, m, c); }
inline float lane0(Vec v) { return _mm512_cvtss_f32(v); }
#elif defined(__AVX2__)
using Vec = __m256;
constexpr int kLanes = 8;
inline Vec splat(float v) { return _mm256_set1_ps(v); }
inline Vec madd(Vec a, Vec m, Vec c) { return _mm256_fmadd_ps(a, m, c); }
inline float lane0(Vec v) { return _mm256_cvtss_f32(v); }
#else
using Vec = __m128;
constexpr int kLanes = 4;
inline Vec splat(float v) { return _mm_set1_ps(v); }
inline Vec madd(Vec a, Vec m, Vec c) { return _mm_add_ps(_mm_mul_ps(a, m), c); }
inline float lane0(Vec v) { return _mm_cvtss_f32(v); }
#endif

// `iterations` rounds of one multiply-add on each chain; returns a value the caller keeps,
// so the compiler cannot drop the work. x -> 0.999x + 1e-4 stays near 0.1: no overflow,
// no denormals.
float chains(int64_t iterations) {
  Vec acc[kChains];
#pragma GCC unroll 12
  for (int i = 0; i < kChains; i++) acc[i] = splat(0.1f + 0.001f * float(i));
  const Vec m = splat(0.999f), c = splat(1e-4f);
  for (int64_t k = 0; k < iterations; k++) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; i++) acc[i] = madd(acc[i], m, c);
  }
  float s = 0;
#pragma GCC unroll 12
  for (int i = 0; i < kChains; i++) s += lane0(acc[i]);
  return s;
}

}  // namespace

double peakGflops() {
  const int threads = numThreads();
  constexpr int64_t kIterations = 1 << 21;  // ~10 ms a thread at 2 multiply-adds a cycle
  std::atomic<float> sink{0};
  double best = 0;
  // The best of a few: the first warms the units (and on some CPUs their clock) up.
  for (int rep = 0; rep < 4; rep++) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_for(threads, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++) sink.store(sink.load() + chains(kIterations));
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(threads) * kIterations * kChains * kLanes * 2 / s / 1e9);
  }
  return sink.load() == -1.0f ? 0 : best;  // never -1: the read keeps the chains' results used
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
