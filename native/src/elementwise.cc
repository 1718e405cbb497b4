#include "isa_unit.h"
#include "elementwise.h"

#include <algorithm>
#include <atomic>
#include <type_traits>
#include <cmath>
#include <cstring>
#include <limits>

#include "args.h"
#include "opcodes.h"
#include "stream_store.h"
#include "threadpool.h"
#include "vecmath.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

constexpr double kSeluAlpha = 1.6732632423543772;
constexpr double kSeluScale = 1.0507009873554805;
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Pi = 0.3989422804014327;
constexpr double kTwoOverSqrtPi = 1.1283791670955126;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);
}
inline double normCdf(double x) { return 0.5 * (1.0 + std::erf(x * kInvSqrt2)); }
inline double normPdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

// JavaScript's ToInt32 / ToUint8 (what storing a number into an Int32Array / Uint8Array does).
inline int32_t jsToInt32(double v) {
  if (!std::isfinite(v)) return 0;
  double t = std::trunc(v);
  if (t >= -2147483648.0 && t <= 2147483647.0) return static_cast<int32_t>(t);
  double m = std::fmod(t, 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return static_cast<int32_t>(static_cast<uint32_t>(m));
}

template <class T, class F>
void mapInto(const T* x, T* out, int64_t n, F f) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) out[i] = static_cast<T>(f(static_cast<double>(x[i])));
  });
}

// float32 fast paths: exp and sigmoid in float arithmetic on expFast, vectorised.
inline bool unaryFast(int op, const float* x, float* o, int64_t n) {
  if (op != U_EXP && op != U_SIGMOID) return false;
  const bool sigmoid = op == U_SIGMOID;
  parallel_for(n, kParallelMin, [&](int64_t s, int64_t e) {
    int64_t i = s;
#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
    // 8 lanes a step in intrinsics (vecmath.h's expFast8: the same bits as expFast).
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
    for (; i + 8 <= e; i += 8) {
      const __m256 v = _mm256_loadu_ps(x + i);
      _mm256_storeu_ps(o + i, sigmoid ? _mm256_div_ps(one, _mm256_add_ps(one, expFast8(_mm256_xor_ps(v, sign)))) : expFast8(v));
    }
#endif
    // One loop per op, each vectorised by the compiler (on the AVX-512 path all of it).
    if (sigmoid)
      for (; i < e; i++) o[i] = 1.0f / (1.0f + expFast(-x[i]));
    else
      for (; i < e; i++) o[i] = expFast(x[i]);
  });
  return true;
}
inline bool unaryFast(int, const double*, double*, int64_t) { return false; }

template <class T>
void unaryFloat(int op, const T* x, T* o, int64_t n, double a, double b) {
  if (unaryFast(op, x, o, n)) return;
  switch (op) {
    case U_NEG: parallel_for(n, kParallelMin, [&](int64_t s, int64_t e) { for (int64_t i = s; i < e; i++) o[i] = -x[i]; }); return;
    case U_ABS: parallel_for(n, kParallelMin, [&](int64_t s, int64_t e) { for (int64_t i = s; i < e; i++) o[i] = std::fabs(x[i]); }); return;
    case U_SIGN: return mapInto(x, o, n, [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : v == 0 ? 0.0 : kNaN; });
    case U_EXP: return mapInto(x, o, n, [](double v) { return std::exp(v); });
    case U_LOG: return mapInto(x, o, n, [](double v) { return std::log(v); });
    case U_SQRT: return mapInto(x, o, n, [](double v) { return std::sqrt(v); });
    case U_RSQRT: return mapInto(x, o, n, [](double v) { return 1.0 / std::sqrt(v); });
    case U_SIN: return mapInto(x, o, n, [](double v) { return std::sin(v); });
    case U_COS: return mapInto(x, o, n, [](double v) { return std::cos(v); });
    case U_TANH: return mapInto(x, o, n, [](double v) { return std::tanh(v); });
    case U_SIGMOID: return mapInto(x, o, n, [](double v) { return sigmoid(v); });
    case U_RELU:
      parallel_for(n, kParallelMin, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; i++) { T v = x[i]; o[i] = v > 0 ? v : (v == v ? T(0) : v); }
      });
      return;
    case U_FLOOR: return mapInto(x, o, n, [](double v) { return std::floor(v); });
    case U_CEIL: return mapInto(x, o, n, [](double v) { return std::ceil(v); });
    case U_ROUND: return mapInto(x, o, n, [](double v) { return std::nearbyint(v); });
    case U_RECIPROCAL: return mapInto(x, o, n, [](double v) { return 1.0 / v; });
    case U_SQUARE: return mapInto(x, o, n, [](double v) { return v * v; });
    case U_ATAN: return mapInto(x, o, n, [](double v) { return std::atan(v); });
    case U_LOG1P: return mapInto(x, o, n, [](double v) { return std::log1p(v); });
    case U_EXPM1: return mapInto(x, o, n, [](double v) { return std::expm1(v); });
    case U_ERF: return mapInto(x, o, n, [](double v) { return std::erf(v); });
    case U_LEAKY_RELU: return mapInto(x, o, n, [a](double v) { return v > 0 ? v : v * a; });
    case U_ELU: return mapInto(x, o, n, [a](double v) { return v > 0 ? v : a * std::expm1(v); });
    case U_SELU: return mapInto(x, o, n, [](double v) { return kSeluScale * (v > 0 ? v : kSeluAlpha * std::expm1(v)); });
    case U_SOFTPLUS:
      return mapInto(x, o, n, [a, b](double v) { return v * a > b ? v : std::log1p(std::exp(a * v)) / a; });
    case U_SOFTSIGN: return mapInto(x, o, n, [](double v) { return v / (1.0 + std::fabs(v)); });
    case U_HARDTANH: return mapInto(x, o, n, [a, b](double v) { return v < a ? a : v > b ? b : v; });
    case U_GELU: return mapInto(x, o, n, [](double v) { return v * normCdf(v); });
    case U_HEAVISIDE: return mapInto(x, o, n, [a](double v) { return v > 0 ? 1.0 : v < 0 ? 0.0 : v == 0 ? a : kNaN; });
    case U_CLAMP:
      return mapInto(x, o, n, [a, b](double v) {
        if (v != v) return v;
        if (a == a && v < a) v = a;
        if (b == b && v > b) v = b;
        return v;
      });
    case U_POW_SCALAR: return mapInto(x, o, n, [a](double v) { return std::pow(v, a); });
    case U_SILU: return mapInto(x, o, n, [](double v) { return v * sigmoid(v); });
  }
}

void unaryInt(int op, const int32_t* x, int32_t* o, int64_t n, double a, double b) {
  auto run = [&](auto f) {
    parallel_for(n, kParallelMin, [&](int64_t s, int64_t e) { for (int64_t i = s; i < e; i++) o[i] = f(x[i]); });
  };
  switch (op) {
    case U_NEG: return run([](int32_t v) { return static_cast<int32_t>(0u - static_cast<uint32_t>(v)); });
    case U_ABS: return run([](int32_t v) { return v < 0 ? static_cast<int32_t>(0u - static_cast<uint32_t>(v)) : v; });
    case U_SIGN: return run([](int32_t v) { return static_cast<int32_t>((v > 0) - (v < 0)); });
    case U_RELU: return run([](int32_t v) { return v > 0 ? v : 0; });
    case U_SQUARE: return run([](int32_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v) * static_cast<uint32_t>(v)); });
    case U_CLAMP:
      return run([a, b](int32_t vi) {
        double v = vi;
        if (a == a && v < a) v = a;
        if (b == b && v > b) v = b;
        return jsToInt32(v);
      });
  }
}

// d f(x) / dx given x, y = f(x) and the op's parameters.
inline double derivative(int op, double x, double y, double a, double b) {
  switch (op) {
    case U_NEG: return -1;
    case U_ABS: return x > 0 ? 1 : x < 0 ? -1 : 0;
    case U_SIGN: case U_FLOOR: case U_CEIL: case U_ROUND: case U_HEAVISIDE: return 0;
    case U_EXP: return y;
    case U_LOG: return 1 / x;
    case U_SQRT: return 0.5 / y;
    case U_RSQRT: return -0.5 * y * y * y;
    case U_SIN: return std::cos(x);
    case U_COS: return -std::sin(x);
    case U_TANH: return 1 - y * y;
    case U_SIGMOID: return y * (1 - y);
    case U_RELU: return x > 0 ? 1 : 0;
    case U_RECIPROCAL: return -y * y;
    case U_SQUARE: return 2 * x;
    case U_ATAN: return 1 / (1 + x * x);
    case U_LOG1P: return 1 / (1 + x);
    case U_EXPM1: return y + 1;
    case U_ERF: return kTwoOverSqrtPi * std::exp(-x * x);
    case U_LEAKY_RELU: return x > 0 ? 1 : a;
    case U_ELU: return x > 0 ? 1 : y + a;
    case U_SELU: return x > 0 ? kSeluScale : y + kSeluScale * kSeluAlpha;
    case U_SOFTPLUS: return x * a > b ? 1 : sigmoid(a * x);
    case U_SOFTSIGN: { double d = 1 + std::fabs(x); return 1 / (d * d); }
    case U_HARDTANH: return (x > a && x < b) ? 1 : 0;
    case U_GELU: return normCdf(x) + x * normPdf(x);
    case U_CLAMP: return ((a != a || x >= a) && (b != b || x <= b)) ? 1 : 0;
    case U_POW_SCALAR: return a == 0 ? 0 : a * std::pow(x, a - 1);
    case U_SILU: { double s = sigmoid(x); return s + x * s * (1 - s); }
  }
  return 0;
}

// OP < 0: the op is read at run time; otherwise it is a constant, the switch in
// derivative() folds away and the loop vectorises (the activations of a training step).
template <int OP, class T>
void unaryBackwardLoop(int op, const T* x, const T* y, const T* dy, T* dx, int64_t n, double a, double b) {
  parallel_for(n, kParallelMin / 4, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; i++) {
      double fp = derivative(OP < 0 ? op : OP, static_cast<double>(x[i]), static_cast<double>(y[i]), a, b);
      // A zero derivative kills the gradient even where dy is inf (as PyTorch's masks do).
      dx[i] = fp == 0 ? T(0) : static_cast<T>(static_cast<double>(dy[i]) * fp);
    }
  });
}

template <class T>
void unaryBackwardT(int op, const T* x, const T* y, const T* dy, T* dx, int64_t n, double a, double b) {
  switch (op) {
    case U_RELU:  // a select, not a multiply: branch-free and exact
      parallel_for(n, kParallelMin / 4, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; i++) {
          const T d = dy[i];  // loaded unconditionally so that the select vectorises
          dx[i] = x[i] > T(0) ? d : T(0);
        }
      });
      return;
    case U_LEAKY_RELU: return unaryBackwardLoop<U_LEAKY_RELU>(op, x, y, dy, dx, n, a, b);
    case U_TANH: return unaryBackwardLoop<U_TANH>(op, x, y, dy, dx, n, a, b);
    case U_SIGMOID: return unaryBackwardLoop<U_SIGMOID>(op, x, y, dy, dx, n, a, b);
    case U_EXP: return unaryBackwardLoop<U_EXP>(op, x, y, dy, dx, n, a, b);
    default: return unaryBackwardLoop<-1>(op, x, y, dy, dx, n, a, b);
  }
}

// ---- Broadcasting -------------------------------------------------------------------

constexpr int kMaxOps = 3;

struct BPlan {
  int nd = 0;                      // collapsed rank (>= 1)
  int64_t shape[kMaxDims + 1];
  int64_t st[kMaxOps][kMaxDims + 1];
  int64_t total = 0;
};

Shape broadcastShapes(const char* kernel, const std::vector<const Shape*>& shapes, const std::vector<const char*>& names) {
  size_t r = 0;
  for (auto* s : shapes) r = std::max(r, s->size());
  Shape out(r, 1);
  for (size_t d = 0; d < r; d++) {
    int64_t v = 1;
    for (size_t k = 0; k < shapes.size(); k++) {
      const Shape& s = *shapes[k];
      if (d + s.size() < r) continue;
      int64_t sd = s[d + s.size() - r];
      if (sd == 1) continue;
      if (v == 1) v = sd;
      else if (v != sd) {
        std::string m = "shapes";
        for (size_t j = 0; j < shapes.size(); j++) m += std::string(j ? (j + 1 == shapes.size() ? " and " : ", ") : " ") + names[j] + " " + shapeStr(*shapes[j]);
        rangeError(kernel, m + " cannot be broadcast together");
      }
    }
    out[d] = v;
  }
  return out;
}

BPlan makePlan(const Shape& outShape, const std::vector<const Shape*>& ins) {
  BPlan p;
  int r = static_cast<int>(outShape.size());
  int64_t tmpSt[kMaxOps][kMaxDims];
  for (size_t k = 0; k < ins.size(); k++) {
    const Shape& s = *ins[k];
    int64_t acc = 1;
    for (int d = r - 1; d >= 0; d--) {
      int sd = d - (r - static_cast<int>(s.size()));
      if (sd < 0) { tmpSt[k][d] = 0; continue; }
      tmpSt[k][d] = s[sd] == 1 ? 0 : acc;
      acc *= s[sd];
    }
  }
  int nd = 0;
  for (int d = 0; d < r; d++) {
    if (outShape[d] == 1) continue;
    bool merge = nd > 0;
    for (size_t k = 0; k < ins.size() && merge; k++) merge = p.st[k][nd - 1] == tmpSt[k][d] * outShape[d];
    if (merge) {
      p.shape[nd - 1] *= outShape[d];
      for (size_t k = 0; k < ins.size(); k++) p.st[k][nd - 1] = tmpSt[k][d];
    } else {
      p.shape[nd] = outShape[d];
      for (size_t k = 0; k < ins.size(); k++) p.st[k][nd] = tmpSt[k][d];
      nd++;
    }
  }
  if (nd == 0) {
    p.shape[0] = 1;
    for (size_t k = 0; k < ins.size(); k++) p.st[k][0] = 0;
    nd = 1;
  }
  p.nd = nd;
  p.total = numel(outShape);
  return p;
}

// Runs body(row, offsets[], out offset) for rows of the innermost dimension; `fence`:
// the body streams its stores, so each thread fences once its rows are done.
template <int K, class Body>
void forRows(const BPlan& p, Body body, bool fence = false) {
  if (p.nd == 1) {  // one long row (operands of one shape, or a scalar): split the row itself
    parallel_for(p.total, kParallelMin, [&](int64_t b, int64_t e) {
      int64_t off[K];
      for (int k = 0; k < K; k++) off[k] = b * p.st[k][0];
      body(off, b, e - b);
      if (fence) streamFence();
    });
    return;
  }
  const int64_t inner = p.shape[p.nd - 1];
  const int64_t rows = p.total / inner;
  const int64_t grain = std::max<int64_t>(1, kParallelMin / std::max<int64_t>(inner, 1));
  parallel_for(rows, grain, [&](int64_t rb, int64_t re) {
    int64_t idx[kMaxDims + 1];
    int64_t off[K];
    // Unravel rb over dims [0, nd-1).
    int64_t r = rb;
    for (int k = 0; k < K; k++) off[k] = 0;
    for (int d = p.nd - 2; d >= 0; d--) {
      idx[d] = r % p.shape[d];
      r /= p.shape[d];
      for (int k = 0; k < K; k++) off[k] += idx[d] * p.st[k][d];
    }
    for (int64_t row = rb; row < re; row++) {
      body(off, row * inner, inner);
      for (int d = p.nd - 2; d >= 0; d--) {
        idx[d]++;
        for (int k = 0; k < K; k++) off[k] += p.st[k][d];
        if (idx[d] < p.shape[d]) break;
        for (int k = 0; k < K; k++) off[k] -= p.st[k][d] * p.shape[d];
        idx[d] = 0;
      }
    }
    if (fence) streamFence();
  });
}

template <int SA, int SB, class T, class O, class F>
inline void innerLoop(const T* __restrict a, const T* __restrict b, O* __restrict o, int64_t n, F f) {
  for (int64_t i = 0; i < n; i++) o[i] = f(a[i * SA], b[i * SB]);
}

template <class T, class O, class F>
inline void innerRow(int64_t sa, int64_t sb, const T* pa, const T* pb, O* po, int64_t n, F f) {
  if (sa && sb) innerLoop<1, 1>(pa, pb, po, n, f);
  else if (sa) innerLoop<1, 0>(pa, pb, po, n, f);
  else if (sb) innerLoop<0, 1>(pa, pb, po, n, f);
  else innerLoop<0, 0>(pa, pb, po, n, f);
}

// `stream`: out is a cold block (stream_store.h); each row goes out through L1.
template <class T, class O, class F>
void runBinary(const BPlan& p, const T* a, const T* b, O* out, bool stream, F f) {
  const int64_t sa = p.st[0][p.nd - 1], sb = p.st[1][p.nd - 1];
  forRows<2>(p, [&](const int64_t* off, int64_t o, int64_t n) {
    const T* pa = a + off[0];
    const T* pb = b + off[1];
    O* po = out + o;
    if (!stream) return innerRow(sa, sb, pa, pb, po, n, f);
    auto streamed = [&](auto SA, auto SB) {
      streamOut(po, 0, n, [&](O* dst, int64_t i, int64_t m) { innerLoop<SA, SB>(pa + i * SA, pb + i * SB, dst, m, f); });
    };
    using One = std::integral_constant<int, 1>;
    using Zero = std::integral_constant<int, 0>;
    if (sa && sb) streamed(One{}, One{});
    else if (sa) streamed(One{}, Zero{});
    else if (sb) streamed(Zero{}, One{});
    else streamed(Zero{}, Zero{});
  }, stream);
}

template <class T>
inline T fmaxNaN(T x, T y) { return (x != x || y != y) ? std::numeric_limits<T>::quiet_NaN() : (x > y ? x : y); }
template <class T>
inline T fminNaN(T x, T y) { return (x != x || y != y) ? std::numeric_limits<T>::quiet_NaN() : (x < y ? x : y); }

template <class T, class O>
void compareOps(int op, const BPlan& p, const T* a, const T* b, O* o, bool stream) {
  switch (op) {
    case B_EQ: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x == y); });
    case B_NE: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x != y); });
    case B_LT: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x < y); });
    case B_LE: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x <= y); });
    case B_GT: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x > y); });
    case B_GE: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x >= y); });
    case B_AND: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x != 0 && y != 0); });
    case B_OR: return runBinary(p, a, b, o, stream, [](T x, T y) { return O(x != 0 || y != 0); });
  }
}

template <class T>
void binaryFloat(int op, const BPlan& p, const T* a, const T* b, void* out, bool stream) {
  T* o = static_cast<T*>(out);
  switch (op) {
    case B_ADD: return runBinary(p, a, b, o, stream, [](T x, T y) { return x + y; });
    case B_SUB: return runBinary(p, a, b, o, stream, [](T x, T y) { return x - y; });
    case B_MUL: return runBinary(p, a, b, o, stream, [](T x, T y) { return x * y; });
    case B_DIV: return runBinary(p, a, b, o, stream, [](T x, T y) { return x / y; });
    case B_POW: return runBinary(p, a, b, o, stream, [](T x, T y) { return static_cast<T>(std::pow(double(x), double(y))); });
    case B_MAXIMUM: return runBinary(p, a, b, o, stream, [](T x, T y) { return fmaxNaN(x, y); });
    case B_MINIMUM: return runBinary(p, a, b, o, stream, [](T x, T y) { return fminNaN(x, y); });
  }
  compareOps(op, p, a, b, static_cast<uint8_t*>(out), stream);
}

inline int32_t ipow(int32_t base, int32_t e) {
  if (e < 0) {
    if (base == 1) return 1;
    if (base == -1) return (e & 1) ? -1 : 1;
    return 0;
  }
  uint32_t r = 1, bb = static_cast<uint32_t>(base);
  uint32_t ee = static_cast<uint32_t>(e);
  while (ee) {
    if (ee & 1) r *= bb;
    bb *= bb;
    ee >>= 1;
  }
  return static_cast<int32_t>(r);
}

void binaryInt(int op, const BPlan& p, const int32_t* a, const int32_t* b, void* out, bool stream) {
  using T = int32_t;
  using U = uint32_t;
  T* o = static_cast<T*>(out);
  switch (op) {
    case B_ADD: return runBinary(p, a, b, o, stream, [](T x, T y) { return T(U(x) + U(y)); });
    case B_SUB: return runBinary(p, a, b, o, stream, [](T x, T y) { return T(U(x) - U(y)); });
    case B_MUL: return runBinary(p, a, b, o, stream, [](T x, T y) { return T(U(x) * U(y)); });
    case B_POW: return runBinary(p, a, b, o, stream, [](T x, T y) { return ipow(x, y); });
    case B_MAXIMUM: return runBinary(p, a, b, o, stream, [](T x, T y) { return x > y ? x : y; });
    case B_MINIMUM: return runBinary(p, a, b, o, stream, [](T x, T y) { return x < y ? x : y; });
  }
  compareOps(op, p, a, b, static_cast<uint8_t*>(out), stream);
}

void binaryBool(int op, const BPlan& p, const uint8_t* a, const uint8_t* b, void* out, bool stream) {
  using T = uint8_t;
  T* o = static_cast<T*>(out);
  switch (op) {
    case B_ADD: case B_MAXIMUM: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x | y) != 0); });
    case B_MUL: case B_MINIMUM: return runBinary(p, a, b, o, stream, [](T x, T y) { return T(x != 0 && y != 0); });
  }
  // Compare as booleans (any non-zero byte is true).
  switch (op) {
    case B_EQ: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x != 0) == (y != 0)); });
    case B_NE: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x != 0) != (y != 0)); });
    case B_LT: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x != 0) < (y != 0)); });
    case B_LE: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x != 0) <= (y != 0)); });
    case B_GT: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x != 0) > (y != 0)); });
    case B_GE: return runBinary(p, a, b, o, stream, [](T x, T y) { return T((x != 0) >= (y != 0)); });
  }
  compareOps(op, p, a, b, o, stream);
}

void requireExactBroadcast(const char* kernel, const Shape& outShape, const Shape& expect, const std::string& what) {
  if (outShape != expect)
    rangeError(kernel, std::string("outShape ") + shapeStr(outShape) + " is not the broadcast shape " + shapeStr(expect) + " of " + what);
}

template <class T>
void whereT(const BPlan& p, const uint8_t* c, const T* a, const T* b, T* o) {
  const int64_t sc = p.st[0][p.nd - 1], sa = p.st[1][p.nd - 1], sb = p.st[2][p.nd - 1];
  forRows<3>(p, [&](const int64_t* off, int64_t oo, int64_t n) {
    const uint8_t* pc = c + off[0];
    const T* pa = a + off[1];
    const T* pb = b + off[2];
    T* po = o + oo;
    if (sc && sa && sb) {
      for (int64_t i = 0; i < n; i++) po[i] = pc[i] ? pa[i] : pb[i];
    } else {
      for (int64_t i = 0; i < n; i++) po[i] = pc[i * sc] ? pa[i * sa] : pb[i * sb];
    }
  });
}

template <class S, class D>
void convertLoop(const S* s, D* d, int64_t n) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) d[i] = static_cast<D>(s[i]);
  });
}

template <class S>
void toBool(const S* s, uint8_t* d, int64_t n) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) d[i] = s[i] != 0 ? 1 : 0;  // NaN != 0
  });
}

template <class S>
void checkIntRange(const S* s, int64_t n, const char* kernel = "cast") {
  for (int64_t i = 0; i < n; i++) {
    double v = static_cast<double>(s[i]);
    if (!std::isfinite(v)) rangeError(kernel, "cannot convert " + jsNum(v) + " to int32");
    if (v >= 2147483648.0 || v <= -2147483649.0) rangeError(kernel, jsNum(v) + " is outside the range of int32");
  }
}

template <class S>
void castFrom(const S* s, const Buf& dst, int64_t n) {
  switch (dst.dtype) {
    case DType::F32: return convertLoop(s, dst.as<float>(), n);
    case DType::F64: return convertLoop(s, dst.as<double>(), n);
    case DType::I32: {
      if (static_cast<const void*>(s) == dst.data && std::is_same<S, int32_t>::value) return;
      if (!std::is_integral<S>::value) checkIntRange(s, n);
      int32_t* d = dst.as<int32_t>();
      parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) d[i] = static_cast<int32_t>(std::is_integral<S>::value ? s[i] : std::trunc(double(s[i])));
      });
      return;
    }
    case DType::U8: return toBool(s, dst.as<uint8_t>(), n);
  }
}

#define DISPATCH_ALL(dt, T, ...)                          \
  switch (dt) {                                           \
    case DType::F32: { using T = float; __VA_ARGS__; break; }    \
    case DType::F64: { using T = double; __VA_ARGS__; break; }   \
    case DType::I32: { using T = int32_t; __VA_ARGS__; break; }  \
    case DType::U8: { using T = uint8_t; __VA_ARGS__; break; }   \
  }

}  // namespace

// unary(op, x, out, a, b)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"op", "x", "out", "a", "b"};
  Args args(info, "unary", 5, names);
  int op = static_cast<int>(args.integer(0, 0, U_COUNT - 1));
  double a = args.number(3), b = args.number(4);
  Buf x = args.buf(1, M_F32 | M_F64 | M_I32);
  Buf out = args.buf(2, M_F32 | M_F64 | M_I32);
  requireSameDtype("unary", "x", x, "out", out);
  requireLen("unary", "out", out, x.len, true, "x's length");
  if (x.dtype == DType::I32 && !unaryIntOk(op))
    typeError("unary", std::string(kUnaryNames[op]) + " is not defined on int32 (cast to a float dtype first)");
  // A cold output goes out through L1 (stream_store.h): the op runs on stretches of x into
  // a buffer that is then streamed; in place works too (each stretch is read before written).
  const auto run = [&](auto* xs, auto* os, auto kernel) {
    if (!shouldStream(out.data, size_t(x.len) * dtypeSize(x.dtype))) return kernel(xs, os, x.len);
    parallel_for(x.len, kParallelMin, [&](int64_t s, int64_t e) {
      // 16 lines a call: the kernel's dispatch costs a call each time.
      streamOut<16>(os, s, e, [&](auto* dst, int64_t i, int64_t m) { kernel(xs + i, dst, m); });
      streamFence();
    });
  };
  switch (x.dtype) {
    case DType::F32: run(x.as<float>(), out.as<float>(), [&](const float* xs, float* os, int64_t n) { unaryFloat(op, xs, os, n, a, b); }); break;
    case DType::F64: run(x.as<double>(), out.as<double>(), [&](const double* xs, double* os, int64_t n) { unaryFloat(op, xs, os, n, a, b); }); break;
    case DType::I32: run(x.as<int32_t>(), out.as<int32_t>(), [&](const int32_t* xs, int32_t* os, int64_t n) { unaryInt(op, xs, os, n, a, b); }); break;
    default: break;
  }
  return info.Env().Undefined();
}

// unaryBackward(op, x, y, dy, dx, a, b)
Napi::Value UnaryBackward(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"op", "x", "y", "dy", "dx", "a", "b"};
  Args args(info, "unaryBackward", 7, names);
  int op = static_cast<int>(args.integer(0, 0, U_COUNT - 1));
  double a = args.number(5), b = args.number(6);
  Buf x = args.buf(1, M_FLOAT), y = args.buf(2, M_FLOAT), dy = args.buf(3, M_FLOAT), dx = args.buf(4, M_FLOAT);
  requireSameDtype("unaryBackward", "x", x, "y", y);
  requireSameDtype("unaryBackward", "x", x, "dy", dy);
  requireSameDtype("unaryBackward", "x", x, "dx", dx);
  requireLen("unaryBackward", "y", y, x.len, true, "x's length");
  requireLen("unaryBackward", "dy", dy, x.len, true, "x's length");
  requireLen("unaryBackward", "dx", dx, x.len, true, "x's length");
  if (x.dtype == DType::F32) unaryBackwardT(op, x.as<float>(), y.as<float>(), dy.as<float>(), dx.as<float>(), x.len, a, b);
  else unaryBackwardT(op, x.as<double>(), y.as<double>(), dy.as<double>(), dx.as<double>(), x.len, a, b);
  return info.Env().Undefined();
}

// binary(op, a, aShape, b, bShape, out, outShape)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"op", "a", "aShape", "b", "bShape", "out", "outShape"};
  const char* K = "binary";
  Args args(info, K, 7, names);
  int op = static_cast<int>(args.integer(0, 0, B_COUNT - 1));
  Shape as = args.shape(2), bs = args.shape(4), os = args.shape(6);
  Buf a = args.buf(1, M_ANY), b = args.buf(3, M_ANY), out = args.buf(5, M_ANY);
  requireSameDtype(K, "a", a, "b", b);
  Shape expect = broadcastShapes(K, {&as, &bs}, {"aShape", "bShape"});
  requireExactBroadcast(K, os, expect, "aShape " + shapeStr(as) + " and bShape " + shapeStr(bs));
  requireLen(K, "a", a, numel(as), false, "aShape " + shapeStr(as));
  requireLen(K, "b", b, numel(bs), false, "bShape " + shapeStr(bs));
  requireLen(K, "out", out, numel(os), true, "outShape " + shapeStr(os));
  if (binaryBoolOut(op)) {
    if (out.dtype != DType::U8)
      typeError(K, std::string(kBinaryNames[op]) + " writes bool: out must be a Uint8Array, got a " + dtypeArrayName(out.dtype));
  } else {
    requireSameDtype(K, "a", a, "out", out);
    if (a.dtype == DType::I32 && op == B_DIV) typeError(K, "div is not defined on int32 (cast to a float dtype first)");
    if (a.dtype == DType::U8 && (op == B_SUB || op == B_DIV || op == B_POW))
      typeError(K, std::string(kBinaryNames[op]) + " is not defined on bool (cast first)");
  }
  BPlan p = makePlan(os, {&as, &bs});
  if (p.total == 0) return info.Env().Undefined();
  const bool stream = shouldStream(out.data, size_t(p.total) * dtypeSize(out.dtype));
  switch (a.dtype) {
    case DType::F32: binaryFloat(op, p, a.as<float>(), b.as<float>(), out.data, stream); break;
    case DType::F64: binaryFloat(op, p, a.as<double>(), b.as<double>(), out.data, stream); break;
    case DType::I32: binaryInt(op, p, a.as<int32_t>(), b.as<int32_t>(), out.data, stream); break;
    case DType::U8: binaryBool(op, p, a.as<uint8_t>(), b.as<uint8_t>(), out.data, stream); break;
  }
  return info.Env().Undefined();
}

// where(cond, condShape, a, aShape, b, bShape, out, outShape)
Napi::Value Where(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"cond", "condShape", "a", "aShape", "b", "bShape", "out", "outShape"};
  const char* K = "where";
  Args args(info, K, 8, names);
  Shape cs = args.shape(1), as = args.shape(3), bs = args.shape(5), os = args.shape(7);
  Buf c = args.buf(0, M_U8), a = args.buf(2, M_ANY), b = args.buf(4, M_ANY), out = args.buf(6, M_ANY);
  requireSameDtype(K, "a", a, "b", b);
  requireSameDtype(K, "a", a, "out", out);
  Shape expect = broadcastShapes(K, {&cs, &as, &bs}, {"condShape", "aShape", "bShape"});
  requireExactBroadcast(K, os, expect, "condShape, aShape and bShape");
  requireLen(K, "cond", c, numel(cs), false, "condShape " + shapeStr(cs));
  requireLen(K, "a", a, numel(as), false, "aShape " + shapeStr(as));
  requireLen(K, "b", b, numel(bs), false, "bShape " + shapeStr(bs));
  requireLen(K, "out", out, numel(os), true, "outShape " + shapeStr(os));
  BPlan p = makePlan(os, {&cs, &as, &bs});
  if (p.total == 0) return info.Env().Undefined();
  DISPATCH_ALL(a.dtype, T, whereT<T>(p, c.as<uint8_t>(), a.as<T>(), b.as<T>(), out.as<T>()));
  return info.Env().Undefined();
}

// cast(src, dst)
Napi::Value Cast(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"src", "dst"};
  Args args(info, "cast", 2, names);
  Buf s = args.buf(0, M_ANY), d = args.buf(1, M_ANY);
  requireLen("cast", "dst", d, s.len, true, "src's length");
  int64_t n = s.len;
  if (n == 0) return info.Env().Undefined();
  if (s.dtype == d.dtype && s.dtype != DType::U8) {
    if (s.data != d.data) std::memmove(d.data, s.data, n * dtypeSize(s.dtype));
    return info.Env().Undefined();
  }
  DISPATCH_ALL(s.dtype, T, castFrom(s.as<T>(), d, n));
  return info.Env().Undefined();
}

// fill(dst, value): value converted as cast converts it: bool stores value != 0 (NaN is
// true, as PyTorch); int32 truncates and refuses NaN, infinities and values outside its range.
Napi::Value Fill(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dst", "value"};
  Args args(info, "fill", 2, names);
  double v = args.number(1);
  Buf d = args.buf(0, M_ANY);
  int64_t n = d.len;
  switch (d.dtype) {
    case DType::F32: std::fill(d.as<float>(), d.as<float>() + n, static_cast<float>(v)); break;
    case DType::F64: std::fill(d.as<double>(), d.as<double>() + n, v); break;
    case DType::I32:
      checkIntRange(&v, 1, "fill");
      std::fill(d.as<int32_t>(), d.as<int32_t>() + n, static_cast<int32_t>(std::trunc(v)));
      break;
    case DType::U8: if (n) std::memset(d.data, v != 0 ? 1 : 0, n); break;
  }
  return info.Env().Undefined();
}

template <class T>
static int64_t countNonFiniteT(const T* x, int64_t n) {
  std::atomic<int64_t> total{0};
  parallel_for(n, kParallelMin * 4, [&](int64_t b, int64_t e) {
    int64_t c = 0;
    for (int64_t i = b; i < e; i++) c += std::isfinite(x[i]) ? 0 : 1;
    total += c;
  });
  return total.load();
}

Napi::Value CountNonFinite(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x"};
  Args args(info, "countNonFinite", 1, names);
  Buf x = args.buf(0, M_ANY);
  int64_t c = 0;
  if (x.dtype == DType::F32) c = countNonFiniteT(x.as<float>(), x.len);
  else if (x.dtype == DType::F64) c = countNonFiniteT(x.as<double>(), x.len);
  return Napi::Number::New(info.Env(), static_cast<double>(c));
}

Napi::Value Nonzero(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"mask"};
  Args args(info, "nonzero", 1, names);
  Buf m = args.buf(0, M_U8);
  const uint8_t* p = m.as<uint8_t>();
  int64_t n = m.len, c = 0;
  for (int64_t i = 0; i < n; i++) c += p[i] != 0;
  Napi::Int32Array out = Napi::Int32Array::New(info.Env(), static_cast<size_t>(c));
  int32_t* o = out.Data();
  // Allocation cannot move or free mask's backing store, but re-read its pointer anyway.
  Buf m2 = args.buf(0, M_U8);
  p = m2.as<uint8_t>();
  int64_t j = 0;
  for (int64_t i = 0; i < n && i < m2.len && j < c; i++)
    if (p[i]) o[j++] = static_cast<int32_t>(i);
  return out;
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
