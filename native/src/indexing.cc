#include "indexing.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "args.h"
#include "threadpool.h"

namespace gradlab {

namespace {

std::string s(int64_t v) { return std::to_string(v); }

#define DISPATCH_ALL(dt, T, ...)                                \
  switch (dt) {                                                 \
    case DType::F32: { using T = float; __VA_ARGS__; break; }   \
    case DType::F64: { using T = double; __VA_ARGS__; break; }  \
    case DType::I32: { using T = int32_t; __VA_ARGS__; break; } \
    case DType::U8: { using T = uint8_t; __VA_ARGS__; break; }  \
  }

template <class T>
inline void addInto(T& d, T v) { d = static_cast<T>(d + v); }
template <>
inline void addInto<int32_t>(int32_t& d, int32_t v) { d = static_cast<int32_t>(static_cast<uint32_t>(d) + static_cast<uint32_t>(v)); }
template <>
inline void addInto<uint8_t>(uint8_t& d, uint8_t v) { d = static_cast<uint8_t>(d + v); }

// A strided view, with size-1 dims dropped and mergeable dims merged.
struct View {
  int nd = 0;
  int64_t shape[kMaxDims + 1];
  int64_t st[kMaxDims + 1];
  int64_t total = 0;
};

View collapse(const Shape& shape, const std::vector<int64_t>& strides) {
  View v;
  v.total = numel(shape);
  for (size_t d = 0; d < shape.size(); d++) {
    if (shape[d] == 1) continue;
    if (v.nd > 0 && v.st[v.nd - 1] == strides[d] * shape[d]) {
      v.shape[v.nd - 1] *= shape[d];
      v.st[v.nd - 1] = strides[d];
    } else {
      v.shape[v.nd] = shape[d];
      v.st[v.nd] = strides[d];
      v.nd++;
    }
  }
  if (v.nd == 0) { v.shape[0] = 1; v.st[0] = 1; v.nd = 1; }
  return v;
}

// True when no two positions of the view reach the same element.
bool nonOverlapping(const View& v) {
  std::vector<int> order(v.nd);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return v.st[a] < v.st[b]; });
  int64_t span = 0;  // max offset reachable by the dims so far
  for (int d : order) {
    if (v.shape[d] <= 1) continue;
    if (v.st[d] <= span) return false;
    span += (v.shape[d] - 1) * v.st[d];
  }
  return true;
}

// body(contiguous index of row start, strided offset of row start, row length, inner stride)
template <class Body>
void forViewRows(const View& v, int64_t offset, bool parallel, Body body) {
  const int64_t inner = v.shape[v.nd - 1];
  const int64_t rows = v.total / inner;
  auto run = [&](int64_t rb, int64_t re) {
    int64_t idx[kMaxDims + 1];
    int64_t r = rb, off = offset;
    for (int d = v.nd - 2; d >= 0; d--) {
      idx[d] = r % v.shape[d];
      r /= v.shape[d];
      off += idx[d] * v.st[d];
    }
    for (int64_t row = rb; row < re; row++) {
      body(row * inner, off, inner, v.st[v.nd - 1]);
      for (int d = v.nd - 2; d >= 0; d--) {
        idx[d]++;
        off += v.st[d];
        if (idx[d] < v.shape[d]) break;
        off -= v.st[d] * v.shape[d];
        idx[d] = 0;
      }
    }
  };
  if (parallel) parallel_for(rows, std::max<int64_t>(1, kParallelMin / inner), run);
  else run(0, rows);
}

struct StridedArgs {
  int64_t offset;
  std::vector<int64_t> strides;
  Shape shape;
};

StridedArgs parseStrided(const char* K, const Args& args, size_t iOff, size_t iStrides, size_t iShape) {
  StridedArgs a;
  a.offset = args.size(iOff);
  a.strides = args.intArray(iStrides, 0, -kMaxElems, kMaxElems);
  a.shape = args.shape(iShape);
  for (size_t d = 0; d < a.strides.size(); d++)
    if (a.strides[d] < 0) rangeError(K, "the stride of dimension " + s(d) + " is " + s(a.strides[d]) + "; negative strides are not supported");
  if (a.strides.size() != a.shape.size())
    rangeError(K, "strides has " + s(a.strides.size()) + " entries but shape " + shapeStr(a.shape) + " has " + s(a.shape.size()));
  return a;
}

// The view must lie inside a buffer of length len.
void checkViewInside(const char* K, const char* what, const StridedArgs& a, int64_t len) {
  if (numel(a.shape) == 0) return;
  int64_t hi = a.offset;  // offset <= 2^31, each term <= 2^62 / ... use a saturating sum
  for (size_t d = 0; d < a.shape.size(); d++) {
    int64_t term = (a.shape[d] - 1) * a.strides[d];  // < 2^62
    hi += term;
    if (hi >= len) break;
  }
  if (a.offset >= len || hi >= len)
    rangeError(K, std::string("the view (offset ") + s(a.offset) + ", shape " + shapeStr(a.shape) + ") reaches element " + s(std::max(hi, a.offset)) +
                      " but " + what + " has only " + s(len) + " element" + (len == 1 ? "" : "s"));
}

template <class T>
void stridedCopyT(const View& v, int64_t offset, const T* src, T* dst) {
  forViewRows(v, offset, v.total >= kParallelMin, [&](int64_t i, int64_t off, int64_t n, int64_t st) {
    if (st == 1) std::memcpy(dst + i, src + off, sizeof(T) * n);
    else if (st == 0) std::fill(dst + i, dst + i + n, src[off]);
    else for (int64_t k = 0; k < n; k++) dst[i + k] = src[off + k * st];
  });
}

template <class T>
void stridedScatterT(const View& v, int64_t offset, T* dst, const T* src, bool acc) {
  bool par = v.total >= kParallelMin && nonOverlapping(v);
  forViewRows(v, offset, par, [&](int64_t i, int64_t off, int64_t n, int64_t st) {
    if (acc) {
      for (int64_t k = 0; k < n; k++) addInto(dst[off + k * st], src[i + k]);
    } else if (st == 1) {
      std::memmove(dst + off, src + i, sizeof(T) * n);
    } else {
      for (int64_t k = 0; k < n; k++) dst[off + k * st] = src[i + k];
    }
  });
}

void checkIndices(const char* K, const int32_t* idx, int64_t m, int64_t n) {
  for (int64_t i = 0; i < m; i++)
    if (idx[i] < 0 || idx[i] >= n) rangeError(K, "index " + s(idx[i]) + " is out of range for a dimension of size " + s(n));
}

struct GatherGeom {
  int64_t outer = 1, inner = 1, m = 0, n = 0, xDimStride = 1;
  std::vector<int64_t> xStrides;
};

GatherGeom gatherGeom(const char* K, const char* xName, const Shape& xs, int64_t dim, const Shape& is) {
  if (xs.size() != is.size())
    rangeError(K, std::string("indexShape ") + shapeStr(is) + " must have as many dimensions as " + xName + " " + shapeStr(xs));
  if (xs.empty()) rangeError(K, std::string(xName) + " must have at least one dimension");
  if (dim >= static_cast<int64_t>(xs.size())) rangeError(K, "dim " + s(dim) + " is out of range for " + s(xs.size()) + " dimensions");
  for (size_t d = 0; d < xs.size(); d++)
    if (static_cast<int64_t>(d) != dim && is[d] > xs[d])
      rangeError(K, "indexShape " + shapeStr(is) + " is larger than " + xName + " " + shapeStr(xs) + " in dimension " + s(d));
  GatherGeom g;
  for (int64_t d = 0; d < dim; d++) g.outer *= is[d];
  for (size_t d = dim + 1; d < is.size(); d++) g.inner *= is[d];
  g.m = is[dim];
  g.n = xs[dim];
  g.xStrides.resize(xs.size());
  int64_t acc = 1;
  for (int64_t d = static_cast<int64_t>(xs.size()) - 1; d >= 0; d--) {
    g.xStrides[d] = acc;
    acc *= xs[d];
  }
  g.xDimStride = g.xStrides[dim];
  return g;
}

// Calls f(p, xBase) for each index position p (flat in indexShape), xBase = x offset without the dim term.
template <class F>
void forGather(const GatherGeom& g, const Shape& is, int64_t dim, F f) {
  const int nd = static_cast<int>(is.size());
  std::vector<int64_t> ctr(nd, 0);
  int64_t total = numel(is);
  int64_t base = 0;
  for (int64_t p = 0; p < total; p++) {
    f(p, base);
    for (int d = nd - 1; d >= 0; d--) {
      ctr[d]++;
      if (d != dim) base += g.xStrides[d];
      if (ctr[d] < is[d]) break;
      if (d != dim) base -= g.xStrides[d] * is[d];
      ctr[d] = 0;
    }
  }
}

}  // namespace

// stridedCopy(src, offset, strides, shape, dst)
Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"src", "offset", "strides", "shape", "dst"};
  const char* K = "stridedCopy";
  Args args(info, K, 5, names);
  StridedArgs a = parseStrided(K, args, 1, 2, 3);
  Buf src = args.buf(0, M_ANY), dst = args.buf(4, M_ANY);
  requireSameDtype(K, "src", src, "dst", dst);
  requireLen(K, "dst", dst, numel(a.shape), true, "shape " + shapeStr(a.shape));
  checkViewInside(K, "src", a, src.len);
  if (numel(a.shape) == 0) return info.Env().Undefined();
  View v = collapse(a.shape, a.strides);
  DISPATCH_ALL(src.dtype, T, stridedCopyT<T>(v, a.offset, src.as<T>(), dst.as<T>()));
  return info.Env().Undefined();
}

// stridedScatter(dst, offset, strides, shape, src, accumulate)
Napi::Value StridedScatter(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dst", "offset", "strides", "shape", "src", "accumulate"};
  const char* K = "stridedScatter";
  Args args(info, K, 6, names);
  StridedArgs a = parseStrided(K, args, 1, 2, 3);
  bool acc = args.boolean(5);
  Buf dst = args.buf(0, M_ANY), src = args.buf(4, M_ANY);
  requireSameDtype(K, "dst", dst, "src", src);
  requireLen(K, "src", src, numel(a.shape), false, "shape " + shapeStr(a.shape));
  checkViewInside(K, "dst", a, dst.len);
  if (numel(a.shape) == 0) return info.Env().Undefined();
  View v = collapse(a.shape, a.strides);
  DISPATCH_ALL(dst.dtype, T, stridedScatterT<T>(v, a.offset, dst.as<T>(), src.as<T>(), acc));
  return info.Env().Undefined();
}

// indexSelect(x, outer, n, inner, index, out)
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "outer", "n", "inner", "index", "out"};
  const char* K = "indexSelect";
  Args args(info, K, 6, names);
  int64_t outer = args.size(1), n = args.size(2), inner = args.size(3);
  Buf x = args.buf(0, M_ANY), idx = args.buf(4, M_I32), out = args.buf(5, M_ANY);
  requireSameDtype(K, "x", x, "out", out);
  int64_t m = idx.len;
  requireLen(K, "x", x, mulChecked(K, "x (outer*n*inner)", {outer, n, inner}), false, "outer*n*inner = " + s(outer) + "*" + s(n) + "*" + s(inner));
  requireLen(K, "out", out, mulChecked(K, "out (outer*index.length*inner)", {outer, m, inner}), true,
             "outer*index.length*inner = " + s(outer) + "*" + s(m) + "*" + s(inner));
  const int32_t* ix = idx.as<int32_t>();
  checkIndices(K, ix, m, n);
  if (outer * m * inner == 0) return info.Env().Undefined();
  DISPATCH_ALL(x.dtype, T, {
    const T* xp = x.as<T>();
    T* op = out.as<T>();
    parallel_for(outer * m, std::max<int64_t>(1, kParallelMin / inner), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; t++) {
        int64_t o = t / m, i = t % m;
        std::memcpy(op + t * inner, xp + (o * n + ix[i]) * inner, sizeof(T) * inner);
      }
    });
  });
  return info.Env().Undefined();
}

// indexAdd(dx, outer, n, inner, index, src)
Napi::Value IndexAdd(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dx", "outer", "n", "inner", "index", "src"};
  const char* K = "indexAdd";
  Args args(info, K, 6, names);
  int64_t outer = args.size(1), n = args.size(2), inner = args.size(3);
  Buf dx = args.buf(0, M_ANY), idx = args.buf(4, M_I32), src = args.buf(5, M_ANY);
  requireSameDtype(K, "dx", dx, "src", src);
  int64_t m = idx.len;
  requireLen(K, "dx", dx, mulChecked(K, "dx (outer*n*inner)", {outer, n, inner}), false, "outer*n*inner = " + s(outer) + "*" + s(n) + "*" + s(inner));
  requireLen(K, "src", src, mulChecked(K, "src (outer*index.length*inner)", {outer, m, inner}), false,
             "outer*index.length*inner = " + s(outer) + "*" + s(m) + "*" + s(inner));
  const int32_t* ix = idx.as<int32_t>();
  checkIndices(K, ix, m, n);
  if (outer * m * inner == 0) return info.Env().Undefined();
  DISPATCH_ALL(dx.dtype, T, {
    T* dp = dx.as<T>();
    const T* sp = src.as<T>();
    // Parallel over outer only: different o write disjoint rows of dx.
    parallel_for(outer, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(m * inner, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; o++)
        for (int64_t i = 0; i < m; i++) {
          T* d = dp + (o * n + ix[i]) * inner;
          const T* sr = sp + (o * m + i) * inner;
          for (int64_t j = 0; j < inner; j++) addInto(d[j], sr[j]);
        }
    });
  });
  return info.Env().Undefined();
}

// gather(x, xShape, dim, index, indexShape, out)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "xShape", "dim", "index", "indexShape", "out"};
  const char* K = "gather";
  Args args(info, K, 6, names);
  Shape xs = args.shape(1);
  int64_t dim = args.integer(2, 0, kMaxDims);
  Shape is = args.shape(4);
  Buf x = args.buf(0, M_ANY), idx = args.buf(3, M_I32), out = args.buf(5, M_ANY);
  requireSameDtype(K, "x", x, "out", out);
  GatherGeom g = gatherGeom(K, "xShape", xs, dim, is);
  int64_t total = numel(is);
  requireLen(K, "x", x, numel(xs), false, "xShape " + shapeStr(xs));
  requireLen(K, "index", idx, total, false, "indexShape " + shapeStr(is));
  requireLen(K, "out", out, total, true, "indexShape " + shapeStr(is));
  const int32_t* ix = idx.as<int32_t>();
  checkIndices(K, ix, total, g.n);
  if (total == 0) return info.Env().Undefined();
  DISPATCH_ALL(x.dtype, T, {
    const T* xp = x.as<T>();
    T* op = out.as<T>();
    forGather(g, is, dim, [&](int64_t p, int64_t base) { op[p] = xp[base + ix[p] * g.xDimStride]; });
  });
  return info.Env().Undefined();
}

// scatterAdd(dx, dxShape, dim, index, indexShape, src)
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dx", "dxShape", "dim", "index", "indexShape", "src"};
  const char* K = "scatterAdd";
  Args args(info, K, 6, names);
  Shape xs = args.shape(1);
  int64_t dim = args.integer(2, 0, kMaxDims);
  Shape is = args.shape(4);
  Buf dx = args.buf(0, M_ANY), idx = args.buf(3, M_I32), src = args.buf(5, M_ANY);
  requireSameDtype(K, "dx", dx, "src", src);
  GatherGeom g = gatherGeom(K, "dxShape", xs, dim, is);
  int64_t total = numel(is);
  requireLen(K, "dx", dx, numel(xs), false, "dxShape " + shapeStr(xs));
  requireLen(K, "index", idx, total, false, "indexShape " + shapeStr(is));
  requireLen(K, "src", src, total, false, "indexShape " + shapeStr(is));
  const int32_t* ix = idx.as<int32_t>();
  checkIndices(K, ix, total, g.n);
  if (total == 0) return info.Env().Undefined();
  DISPATCH_ALL(dx.dtype, T, {
    T* dp = dx.as<T>();
    const T* sp = src.as<T>();
    forGather(g, is, dim, [&](int64_t p, int64_t base) { addInto(dp[base + ix[p] * g.xDimStride], sp[p]); });
  });
  return info.Env().Undefined();
}

}  // namespace gradlab
