#include "det_gemm.h"

#include <algorithm>
#include <optional>
#include <type_traits>
#include <vector>

#include "gemm.h"
#include "interrupt.h"
#include "isa.h"
#include "threadpool.h"

namespace gradlab {

namespace {

// Multiply-adds per task on the pool: rows are shared out in blocks of eight, which does
// not change any element's sequence, only who computes it.
constexpr int64_t kTaskWork = int64_t(1) << 16;

template <class T>
void rowsOnPath(bool ta, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C, int64_t i0, int64_t i1, bool acc) {
  if constexpr (std::is_same<T, float>::value) isa().detSgemmRows(ta, M, N, K, A, B, C, i0, i1, acc);
  else isa().detDgemmRows(ta, M, N, K, A, B, C, i0, i1, acc);
}

template <class T>
void detGemm(const GemmCall& g, const T* A, const T* B, T* C) {
  const int64_t M = g.M, N = g.N, K = g.K;
  // op(B) as a K x N row-major copy, so that the rows kernel reads B's rows contiguously.
  std::vector<T> bt;
  const T* shared = nullptr;
  auto rowMajorB = [&](const T* b) -> const T* {
    if (!g.tb) return b;
    if (shared == b) return bt.data();
    bt.resize(static_cast<size_t>(K * N));
    // In 32 x 32 blocks, so that both sides of the copy stay in cache.
    for (int64_t j0 = 0; j0 < N; j0 += 32)
      for (int64_t k0 = 0; k0 < K; k0 += 32)
        for (int64_t j = j0; j < std::min(N, j0 + 32); j++)
          for (int64_t k = k0; k < std::min(K, k0 + 32); k++) bt[k * N + j] = b[j * K + k];
    shared = b;
    return bt.data();
  };
  const int64_t blocks = (M + 7) / 8;
  const int64_t grain = std::max<int64_t>(1, kTaskWork / std::max<int64_t>(1, 8 * N * K));
  // Batches in order: with strideC 0, later products add onto earlier ones as the reference does.
  for (int64_t b = 0; b < g.batch && !interruptRequested(); b++) {
    const T *Ab = A + b * g.sA, *Bb = rowMajorB(B + b * g.sB);
    T* Cb = C + b * g.sC;
    parallel_for(blocks, grain, [&](int64_t s, int64_t e) {
      // A block at a time, so that an interrupt stops a long product within one block's work.
      for (int64_t blk = s; blk < e && !interruptRequested(); blk++)
        rowsOnPath(g.ta, M, N, K, Ab, Bb, Cb, blk * 8, std::min(M, blk * 8 + 8), g.acc);
    });
  }
}

}  // namespace

Napi::Value GemmDeterministic(const Napi::CallbackInfo& info) {
  const GemmCall g = parseGemm(info, "gemmDeterministic");
  if (g.batch == 0 || g.M == 0 || g.N == 0) return info.Env().Undefined();
  std::optional<InterruptWatch> watch;
  if (longEnoughToWatch(g)) watch.emplace();
  if (g.A.dtype == DType::F32) detGemm(g, g.A.as<float>(), g.B.as<float>(), g.C.as<float>());
  else detGemm(g, g.A.as<double>(), g.B.as<double>(), g.C.as<double>());
  if (watch) watch->throwIfInterrupted(info.Env(), "a matrix product");
  return info.Env().Undefined();
}

}  // namespace gradlab
