#include "isa_unit.h"
#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "args.h"
#include "isa.h"
#include "opcodes.h"
#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

constexpr int64_t kBlock = 256;  // inner columns processed together

template <class T>
inline T storeAcc(double v) { return static_cast<T>(v); }
template <>
inline int32_t storeAcc<int32_t>(double v) {
  // Integer sums are exact in double up to 2^53; wrap like an Int32Array store.
  double m = std::fmod(v, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}
template <>
inline uint8_t storeAcc<uint8_t>(double v) {
  double m = std::fmod(v, 256.0);
  if (m < 0) m += 256.0;
  return static_cast<uint8_t>(m);
}

// A contiguous sum in double over 16 independent lanes: no loop-carried dependency, so
// the compiler vectorises it, and the order is fixed, so the result is reproducible.
template <class T>
double sumContiguous(const T* p, int64_t n) {
  constexpr int L = 16;
  double lane[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; j++) lane[j] += static_cast<double>(p[i + j]);
  double s = 0;
  for (; i < n; i++) s += static_cast<double>(p[i]);
  for (int w = L / 2; w >= 1; w /= 2)
    for (int j = 0; j < w; j++) lane[j] += lane[j + w];
  return lane[0] + s;
}

// float32: 32 float lanes summed over up to 8 rows of 32 values, each block's lanes then
// widened into 32 double lanes. A float add per value instead of a conversion and a double
// add: on the AVX2 path the conversions, not memory, bounded the sum (51 against PyTorch's
// 34 µs for 10^6 values). Each float lane sums at most 8 values (relative error within
// 8 ulp of their magnitudes), everything after in double. The order is fixed and the same
// on every path, so the result is reproducible and the same bits on each. GCC's vector
// types, as wide as the path's registers, keep the lanes in registers.
#if defined(__AVX__)
constexpr int kVF = 8;
#else
constexpr int kVF = 4;
#endif
using FV = float __attribute__((vector_size(kVF * 4)));
using DV = double __attribute__((vector_size(kVF * 4)));

__attribute__((always_inline)) inline FV loadF(const float* p) {
  FV v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

__attribute__((always_inline)) inline void widenAdd(FV a, DV& lo, DV& hi) {
#if defined(__AVX__)
  lo += __builtin_convertvector(__builtin_shufflevector(a, a, 0, 1, 2, 3), DV);
  hi += __builtin_convertvector(__builtin_shufflevector(a, a, 4, 5, 6, 7), DV);
#else
  lo += __builtin_convertvector(__builtin_shufflevector(a, a, 0, 1), DV);
  hi += __builtin_convertvector(__builtin_shufflevector(a, a, 2, 3), DV);
#endif
}

template <>
double sumContiguous<float>(const float* p, int64_t n) {
  constexpr int64_t L = 32, kRows = 8;
  constexpr int NA = L / kVF;
  DV d[2 * NA] = {};
  int64_t i = 0;
  while (i + L <= n) {
    const int64_t rows = std::min(kRows, (n - i) / L);
    FV a[NA];
#pragma GCC unroll 8
    for (int k = 0; k < NA; k++) a[k] = loadF(p + i + k * kVF);
    for (int64_t r = 1; r < rows; r++) {
      const float* q = p + i + r * L;
#pragma GCC unroll 8
      for (int k = 0; k < NA; k++) a[k] += loadF(q + k * kVF);
    }
#pragma GCC unroll 8
    for (int k = 0; k < NA; k++) widenAdd(a[k], d[2 * k], d[2 * k + 1]);
    i += rows * L;
  }
  double s = 0;
  for (; i < n; i++) s += static_cast<double>(p[i]);
  double lane[L];
  std::memcpy(lane, d, sizeof lane);
  for (int64_t w = L / 2; w >= 1; w /= 2)
    for (int64_t j = 0; j < w; j++) lane[j] += lane[j + w];
  return lane[0] + s;
}

}  // namespace

double sumContiguousFloats(const float* p, int64_t n) { return sumContiguous(p, n); }

namespace {

// Long rows are cut into fixed chunks summed in parallel, then added in chunk order:
// the result does not depend on the number of threads.
constexpr int64_t kSumChunk = 16384;
static_assert(kSumChunkedFrom == 4 * kSumChunk, "reduce.h's kSumChunkedFrom says where the chunks start");

// Sum or product: parallel over (outer, inner-block) tiles, double accumulators.
template <class T, bool PROD>
void sumProd(const T* x, T* out, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1 && !PROD && n >= kSumChunkedFrom && outer < 2 * numThreads()) {
    const int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
    std::vector<double> part(static_cast<size_t>(outer * chunks));
    parallel_for(outer * chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++) {
        int64_t o = t / chunks, c = t % chunks, i0 = c * kSumChunk;
        part[t] = sumContiguous(x + o * n + i0, std::min(kSumChunk, n - i0));
      }
    });
    for (int64_t o = 0; o < outer; o++) {
      double s = 0;
      for (int64_t c = 0; c < chunks; c++) s += part[o * chunks + c];
      out[o] = storeAcc<T>(s);
    }
    return;
  }
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++) {
        const T* p = x + o * n;
        if (PROD) {
          double s = 1;
          for (int64_t i = 0; i < n; i++) s *= static_cast<double>(p[i]);
          out[o] = storeAcc<T>(s);
        } else {
          out[o] = storeAcc<T>(sumContiguous(p, n));
        }
      }
    });
    return;
  }
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  const int64_t tiles = outer * blocks;
  parallel_for(tiles, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n * std::min(inner, kBlock), 1)), [&](int64_t tb, int64_t te) {
    double acc[kBlock];
    for (int64_t t = tb; t < te; t++) {
      int64_t o = t / blocks, j0 = (t % blocks) * kBlock, w = std::min(kBlock, inner - j0);
      for (int64_t j = 0; j < w; j++) acc[j] = PROD ? 1.0 : 0.0;
      const T* base = x + o * n * inner + j0;
      for (int64_t i = 0; i < n; i++) {
        const T* p = base + i * inner;
        if (PROD) for (int64_t j = 0; j < w; j++) acc[j] *= static_cast<double>(p[j]);
        else for (int64_t j = 0; j < w; j++) acc[j] += static_cast<double>(p[j]);
      }
      T* po = out + o * inner + j0;
      for (int64_t j = 0; j < w; j++) po[j] = storeAcc<T>(acc[j]);
    }
  });
}

// The extreme of a contiguous run and the index of its first occurrence (the first NaN
// if there is one). A lane pass finds the value, vectorised; a plain scan finds the index.
template <class T, bool MAX>
std::pair<T, int64_t> extremeContiguous(const T* p, int64_t n) {
  constexpr int L = 16;
  T lane[L];
  bool nan = false;
  int64_t i = 0;
  if (n >= L) {
    for (int j = 0; j < L; j++) lane[j] = p[j];
    unsigned char bad[L] = {};
    for (i = L; i + L <= n; i += L)
      for (int j = 0; j < L; j++) {
        T v = p[i + j];
        bad[j] |= v != v;
        lane[j] = (MAX ? v > lane[j] : v < lane[j]) ? v : lane[j];
      }
    for (int j = 0; j < L; j++) nan |= bad[j] || lane[j] != lane[j];
  }
  if (!nan) {
    T best = n >= L ? lane[0] : p[0];
    for (int j = 1; j < L && n >= L; j++) best = (MAX ? lane[j] > best : lane[j] < best) ? lane[j] : best;
    for (int64_t k = i; k < n; k++) {
      if (p[k] != p[k]) { nan = true; break; }
      if (MAX ? p[k] > best : p[k] < best) best = p[k];
    }
    if (!nan) {
      for (int64_t k = 0; k < n; k++) if (p[k] == best) return {best, k};
    }
  }
  for (int64_t k = 0; k < n; k++) if (p[k] != p[k]) return {p[k], k};
  return {p[0], 0};  // unreachable: a NaN was seen
}

template <class T, bool MAX, bool ARG>
void store(void* outv, int64_t o, std::pair<T, int64_t> r) {
  if (ARG) static_cast<int32_t*>(outv)[o] = static_cast<int32_t>(r.second);
  else static_cast<T*>(outv)[o] = r.first;
}

// Rows of a [outer, n] layout (inner == 1); long rows in fixed chunks, combined in order.
template <class T, bool MAX, bool ARG>
void extremeRows(const T* x, void* outv, int64_t outer, int64_t n) {
  if (n >= 4 * kSumChunk && outer < 2 * numThreads()) {
    const int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
    std::vector<std::pair<T, int64_t>> part(static_cast<size_t>(outer * chunks));
    parallel_for(outer * chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++) {
        int64_t o = t / chunks, i0 = (t % chunks) * kSumChunk;
        auto r = extremeContiguous<T, MAX>(x + o * n + i0, std::min(kSumChunk, n - i0));
        part[t] = {r.first, r.second + i0};
      }
    });
    for (int64_t o = 0; o < outer; o++) {
      auto best = part[o * chunks];
      for (int64_t c = 1; c < chunks && best.first == best.first; c++) {
        auto r = part[o * chunks + c];
        if (r.first != r.first || (MAX ? r.first > best.first : r.first < best.first)) best = r;
      }
      store<T, MAX, ARG>(outv, o, best);
    }
    return;
  }
  parallel_for(outer, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; o++) store<T, MAX, ARG>(outv, o, extremeContiguous<T, MAX>(x + o * n, n));
  });
}

// max/min/argmax/argmin. First occurrence wins; a NaN beats everything (and stops the scan).
template <class T, bool MAX, bool ARG>
void extreme(const T* x, void* outv, int64_t outer, int64_t n, int64_t inner) {
  if (inner == 1 && n > 0) return extremeRows<T, MAX, ARG>(x, outv, outer, n);
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  const int64_t tiles = outer * blocks;
  parallel_for(tiles, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n * std::min(inner, kBlock), 1)), [&](int64_t tb, int64_t te) {
    T best[kBlock];
    int32_t bi[kBlock];
    bool nan[kBlock];
    for (int64_t t = tb; t < te; t++) {
      int64_t o = t / blocks, j0 = (t % blocks) * kBlock, w = std::min(kBlock, inner - j0);
      const T* base = x + o * n * inner + j0;
      for (int64_t j = 0; j < w; j++) {
        best[j] = base[j];
        bi[j] = 0;
        nan[j] = best[j] != best[j];
      }
      for (int64_t i = 1; i < n; i++) {
        const T* p = base + i * inner;
        for (int64_t j = 0; j < w; j++) {
          if (nan[j]) continue;
          T v = p[j];
          if (v != v) {
            best[j] = v;
            bi[j] = static_cast<int32_t>(i);
            nan[j] = true;
          } else if (MAX ? v > best[j] : v < best[j]) {
            best[j] = v;
            bi[j] = static_cast<int32_t>(i);
          }
        }
      }
      if (ARG) {
        int32_t* po = static_cast<int32_t*>(outv) + o * inner + j0;
        for (int64_t j = 0; j < w; j++) po[j] = bi[j];
      } else {
        T* po = static_cast<T*>(outv) + o * inner + j0;
        for (int64_t j = 0; j < w; j++) po[j] = best[j];
      }
    }
  });
}

template <class T>
void reduceT(int op, const T* x, void* out, int64_t outer, int64_t n, int64_t inner) {
  switch (op) {
    case R_SUM: return sumProd<T, false>(x, static_cast<T*>(out), outer, n, inner);
    case R_PROD: return sumProd<T, true>(x, static_cast<T*>(out), outer, n, inner);
    case R_MAX: return extreme<T, true, false>(x, out, outer, n, inner);
    case R_MIN: return extreme<T, false, false>(x, out, outer, n, inner);
    case R_ARGMAX: return extreme<T, true, true>(x, out, outer, n, inner);
    case R_ARGMIN: return extreme<T, false, true>(x, out, outer, n, inner);
  }
}

// Softmax over [outer, n, inner], a tile of up to kSmBlock inner columns at a time.
constexpr int64_t kSmBlock = 64;

template <class T>
void softmaxT(const T* x, T* out, int64_t outer, int64_t n, int64_t inner, bool log) {
  if constexpr (std::is_same<T, float>::value) {
    if (inner == 1) {
      parallel_for(outer, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; o++) isa().softmaxRow(x + o * n, out + o * n, n, log);
      });
      return;
    }
  }
  const int64_t bw = inner == 1 ? 1 : kSmBlock;
  const int64_t blocks = (inner + bw - 1) / bw;
  parallel_for(outer * blocks, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n * std::min(inner, bw), 1)), [&](int64_t tb, int64_t te) {
    double mx[kSmBlock], sum[kSmBlock];
    for (int64_t t = tb; t < te; t++) {
      int64_t o = t / blocks, j0 = (t % blocks) * bw, w = std::min(bw, inner - j0);
      const T* xb = x + o * n * inner + j0;
      T* ob = out + o * n * inner + j0;
      for (int64_t j = 0; j < w; j++) { mx[j] = -INFINITY; sum[j] = 0; }
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < w; j++) {
          double v = static_cast<double>(xb[i * inner + j]);
          if (v > mx[j] || v != v) mx[j] = v;
        }
      for (int64_t j = 0; j < w; j++) if (mx[j] == -INFINITY) mx[j] = 0;
      for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < w; j++) sum[j] += std::exp(static_cast<double>(xb[i * inner + j]) - mx[j]);
      if (log) {
        for (int64_t j = 0; j < w; j++) sum[j] = std::log(sum[j]);
        for (int64_t i = 0; i < n; i++)
          for (int64_t j = 0; j < w; j++) ob[i * inner + j] = static_cast<T>((static_cast<double>(xb[i * inner + j]) - mx[j]) - sum[j]);
      } else {
        for (int64_t i = 0; i < n; i++)
          for (int64_t j = 0; j < w; j++)
            ob[i * inner + j] = static_cast<T>(std::exp(static_cast<double>(xb[i * inner + j]) - mx[j]) / sum[j]);
      }
    }
  });
}

template <class T>
void softmaxBackwardT(const T* y, const T* dy, T* dx, int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t bw = inner == 1 ? 1 : kSmBlock;
  const int64_t blocks = (inner + bw - 1) / bw;
  parallel_for(outer * blocks, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(n * std::min(inner, bw), 1)), [&](int64_t tb, int64_t te) {
    double s[kSmBlock];
    for (int64_t t = tb; t < te; t++) {
      int64_t o = t / blocks, j0 = (t % blocks) * bw, w = std::min(bw, inner - j0);
      int64_t off = o * n * inner + j0;
      const T* yb = y + off;
      const T* gb = dy + off;
      T* db = dx + off;
      for (int64_t j = 0; j < w; j++) s[j] = 0;
      if (log) {
        for (int64_t i = 0; i < n; i++)
          for (int64_t j = 0; j < w; j++) s[j] += static_cast<double>(gb[i * inner + j]);
        for (int64_t i = 0; i < n; i++)
          for (int64_t j = 0; j < w; j++) {
            int64_t p = i * inner + j;
            db[p] = static_cast<T>(static_cast<double>(gb[p]) - std::exp(static_cast<double>(yb[p])) * s[j]);
          }
      } else {
        for (int64_t i = 0; i < n; i++)
          for (int64_t j = 0; j < w; j++) s[j] += static_cast<double>(gb[i * inner + j]) * static_cast<double>(yb[i * inner + j]);
        for (int64_t i = 0; i < n; i++)
          for (int64_t j = 0; j < w; j++) {
            int64_t p = i * inner + j;
            db[p] = static_cast<T>(static_cast<double>(yb[p]) * (static_cast<double>(gb[p]) - s[j]));
          }
      }
    }
  });
}

}  // namespace

// reduce(op, x, outer, n, inner, out)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"op", "x", "outer", "n", "inner", "out"};
  const char* K = "reduce";
  Args args(info, K, 6, names);
  int op = static_cast<int>(args.integer(0, 0, R_COUNT - 1));
  int64_t outer = args.size(2), n = args.size(3), inner = args.size(4);
  Buf x = args.buf(1, M_ANY), out = args.buf(5, M_ANY);
  int64_t total = mulChecked(K, "outer*n*inner", {outer, n, inner});
  int64_t outN = mulChecked(K, "outer*inner", {outer, inner});
  if (n == 0 && op != R_SUM && op != R_PROD) rangeError(K, std::string("cannot take ") + kReduceNames[op] + " over an empty dimension");
  if (op == R_ARGMAX || op == R_ARGMIN) {
    if (out.dtype != DType::I32) typeError(K, std::string(kReduceNames[op]) + " writes int32 indices: out must be an Int32Array, got a " + dtypeArrayName(out.dtype));
  } else {
    requireSameDtype(K, "x", x, "out", out);
  }
  requireLen(K, "x", x, total, false, "outer*n*inner = " + std::to_string(outer) + "*" + std::to_string(n) + "*" + std::to_string(inner));
  requireLen(K, "out", out, outN, true, "outer*inner = " + std::to_string(outer) + "*" + std::to_string(inner));
  if (outN == 0) return info.Env().Undefined();
  if (n == 0) {
    // Empty sum is 0, empty product is 1.
    double v = op == R_SUM ? 0.0 : 1.0;
    switch (out.dtype) {
      case DType::F32: std::fill(out.as<float>(), out.as<float>() + outN, static_cast<float>(v)); break;
      case DType::F64: std::fill(out.as<double>(), out.as<double>() + outN, v); break;
      case DType::I32: std::fill(out.as<int32_t>(), out.as<int32_t>() + outN, static_cast<int32_t>(v)); break;
      case DType::U8: std::fill(out.as<uint8_t>(), out.as<uint8_t>() + outN, static_cast<uint8_t>(v)); break;
    }
    return info.Env().Undefined();
  }
  switch (x.dtype) {
    case DType::F32: reduceT(op, x.as<float>(), out.data, outer, n, inner); break;
    case DType::F64: reduceT(op, x.as<double>(), out.data, outer, n, inner); break;
    case DType::I32: reduceT(op, x.as<int32_t>(), out.data, outer, n, inner); break;
    case DType::U8: reduceT(op, x.as<uint8_t>(), out.data, outer, n, inner); break;
  }
  return info.Env().Undefined();
}

// softmax(x, out, outer, n, inner, log)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "out", "outer", "n", "inner", "log"};
  const char* K = "softmax";
  Args args(info, K, 6, names);
  int64_t outer = args.size(2), n = args.size(3), inner = args.size(4);
  bool log = args.boolean(5);
  Buf x = args.buf(0, M_FLOAT), out = args.buf(1, M_FLOAT);
  requireSameDtype(K, "x", x, "out", out);
  int64_t total = mulChecked(K, "outer*n*inner", {outer, n, inner});
  std::string why = "outer*n*inner = " + std::to_string(outer) + "*" + std::to_string(n) + "*" + std::to_string(inner);
  requireLen(K, "x", x, total, false, why);
  requireLen(K, "out", out, total, true, why);
  if (total == 0) return info.Env().Undefined();
  if (x.dtype == DType::F32) softmaxT(x.as<float>(), out.as<float>(), outer, n, inner, log);
  else softmaxT(x.as<double>(), out.as<double>(), outer, n, inner, log);
  return info.Env().Undefined();
}

// softmaxBackward(y, dy, dx, outer, n, inner, log)
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"y", "dy", "dx", "outer", "n", "inner", "log"};
  const char* K = "softmaxBackward";
  Args args(info, K, 7, names);
  int64_t outer = args.size(3), n = args.size(4), inner = args.size(5);
  bool log = args.boolean(6);
  Buf y = args.buf(0, M_FLOAT), dy = args.buf(1, M_FLOAT), dx = args.buf(2, M_FLOAT);
  requireSameDtype(K, "y", y, "dy", dy);
  requireSameDtype(K, "y", y, "dx", dx);
  int64_t total = mulChecked(K, "outer*n*inner", {outer, n, inner});
  std::string why = "outer*n*inner = " + std::to_string(outer) + "*" + std::to_string(n) + "*" + std::to_string(inner);
  requireLen(K, "y", y, total, false, why);
  requireLen(K, "dy", dy, total, false, why);
  requireLen(K, "dx", dx, total, true, why);
  if (total == 0) return info.Env().Undefined();
  if (y.dtype == DType::F32) softmaxBackwardT(y.as<float>(), dy.as<float>(), dx.as<float>(), outer, n, inner, log);
  else softmaxBackwardT(y.as<double>(), dy.as<double>(), dx.as<double>(), outer, n, inner, log);
  return info.Env().Undefined();
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
