#include "pool.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "args.h"
#include "isa.h"
#include "threadpool.h"

namespace gradlab {

namespace {

struct PGeom {
  int64_t N, C, H, W, OH, OW, KH, KW, sH, sW, pH, pW, dH, dW;
  int64_t planes, HW, OHW, xN, yN;
};

std::string s(int64_t v) { return std::to_string(v); }

// Accepts OH from PyTorch's floor formula or from its ceil_mode formula.
void checkOut(const char* K, const char* nm, int64_t O, int64_t I, int64_t k, int64_t st, int64_t p, int64_t d) {
  int64_t eff = d * (k - 1) + 1;
  int64_t span = I + 2 * p - eff;
  if (span < 0) rangeError(K, std::string("the window (") + s(eff) + " with dilation) does not fit in the padded input (" + s(I + 2 * p) + ")");
  int64_t fl = span / st + 1;
  int64_t ce = (span + st - 1) / st + 1;
  if (ce > fl && (ce - 1) * st >= I + p) ce--;  // the last window must start inside the input or left padding
  if (O != fl && O != ce)
    rangeError(K, std::string(nm) + " " + s(O) + " is inconsistent with input " + s(I) + ", kernel " + s(k) + ", stride " + s(st) + ", padding " +
                      s(p) + ", dilation " + s(d) + " (expected " + s(fl) + (ce != fl ? " or " + s(ce) : std::string()) + ")");
}

// The Pool2dGeometry object (core/backend/kernels.ts), read by name.
PGeom parse(const char* K, const Args& args, size_t i, bool avg) {
  args.requireObject(i, "batch, channels, inHeight, inWidth, outHeight, outWidth, kernelHeight, kernelWidth, "
                        "strideH, strideW, paddingH, paddingW, dilationH, dilationW");
  // Sizes that must be at least 1; batch, channels, padding and the output size may be 0.
  auto positive = [&](const char* name) {
    int64_t v = args.field(i, name, 0, kMaxElems);
    if (v < 1) rangeError(K, std::string(name) + " must be at least 1, got " + s(v));
    return v;
  };
  auto size = [&](const char* name) { return args.field(i, name, 0, kMaxElems); };
  PGeom g{};
  g.N = size("batch"); g.C = size("channels"); g.H = positive("inHeight"); g.W = positive("inWidth");
  g.OH = size("outHeight"); g.OW = size("outWidth"); g.KH = positive("kernelHeight"); g.KW = positive("kernelWidth");
  g.sH = positive("strideH"); g.sW = positive("strideW"); g.pH = size("paddingH"); g.pW = size("paddingW");
  g.dH = positive("dilationH"); g.dW = positive("dilationW");
  if (avg && (g.dH != 1 || g.dW != 1)) rangeError(K, "average pooling has no dilation (dilationH and dilationW must be 1)");
  if (2 * g.pH > g.dH * (g.KH - 1) + 1 || 2 * g.pW > g.dW * (g.KW - 1) + 1)
    rangeError(K, "paddingH, paddingW (" + s(g.pH) + ", " + s(g.pW) + ") must be at most half the window (" + s(g.KH) + ", " + s(g.KW) + ")");
  checkOut(K, "outHeight", g.OH, g.H, g.KH, g.sH, g.pH, g.dH);
  checkOut(K, "outWidth", g.OW, g.W, g.KW, g.sW, g.pW, g.dW);
  g.planes = mulChecked(K, "N*C", {g.N, g.C});
  g.xN = mulChecked(K, "x (N*C*H*W)", {g.N, g.C, g.H, g.W});
  g.yN = mulChecked(K, "the output (N*C*OH*OW)", {g.N, g.C, g.OH, g.OW});
  g.HW = g.H * g.W;
  g.OHW = g.OH * g.OW;
  return g;
}

std::string xWhy(const PGeom& g) { return "N*C*H*W = " + s(g.N) + "*" + s(g.C) + "*" + s(g.H) + "*" + s(g.W); }
std::string yWhy(const PGeom& g) { return "N*C*OH*OW = " + s(g.N) + "*" + s(g.C) + "*" + s(g.OH) + "*" + s(g.OW); }

int64_t planeGrain(const PGeom& g, int64_t work) { return std::max<int64_t>(1, kParallelMin / std::max<int64_t>(work, 1)); }


// The CNN's usual pooling, 2×2 windows at stride 2 inside the input: four loads, no
// bounds checks. Ties keep the first in scan order and a NaN wins, as in the general loop.
template <class T>
bool maxPool2x2(const PGeom& g, const T* x, T* y, int32_t* am) {
  if (g.KH != 2 || g.KW != 2 || g.sH != 2 || g.sW != 2 || g.pH || g.pW || g.dH != 1 || g.dW != 1 || 2 * g.OH > g.H || 2 * g.OW > g.W) return false;
  parallel_for(g.planes, planeGrain(g, g.OHW * 4), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; pl++) {
      const T* xp = x + pl * g.HW;
      T* yp = y + pl * g.OHW;
      int32_t* ap = am + pl * g.OHW;
      for (int64_t oh = 0; oh < g.OH; oh++) {
        const T* r0 = xp + 2 * oh * g.W;
        const T* r1 = r0 + g.W;
        const int32_t base = static_cast<int32_t>(2 * oh * g.W), W = static_cast<int32_t>(g.W);
        int64_t ow = 0;
        // A row may spill into the next one (isa.h) when that row follows in this plane and
        // this loop writes it after: two more input rows (at least 16 floats past r1's start)
        // and a next output row holding what 8 windows overrun.
        // The next plane counts as well when this thread pools it next (the 14x14 layer's
        // planes' last rows of 7 went through the scalar loop).
        const bool spill = (oh + 1 < g.OH || pl + 1 < e) && 3 * g.W >= 16 && 2 * g.OW >= 8;
        if constexpr (std::is_same<T, float>::value) ow = isa().maxPool2x2Row(r0, r1, g.OW, base, W, yp + oh * g.OW, ap + oh * g.OW, spill);
        for (; ow < g.OW; ow++) {
          const int32_t c = static_cast<int32_t>(2 * ow);
          T v[4] = {r0[c], r0[c + 1], r1[c], r1[c + 1]};
          int32_t idx[4] = {base + c, base + c + 1, base + W + c, base + W + c + 1};
          int k = 0;
          if (v[0] != v[0]) k = 0;
          else if (v[1] != v[1]) k = 1;
          else if (v[2] != v[2]) k = 2;
          else if (v[3] != v[3]) k = 3;
          else {
            k = v[1] > v[0] ? 1 : 0;
            k = v[2] > v[k] ? 2 : k;
            k = v[3] > v[k] ? 3 : k;
          }
          yp[oh * g.OW + ow] = v[k];
          ap[oh * g.OW + ow] = idx[k];
        }
      }
    }
  });
  return true;
}

}  // namespace

template <class T>
void maxPool2x2Planes(const T* x, int64_t planes, int64_t H, int64_t W, T* y, int32_t* am) {
  PGeom g{};
  g.N = planes, g.C = 1, g.H = H, g.W = W, g.OH = H / 2, g.OW = W / 2;
  g.KH = g.KW = g.sH = g.sW = 2, g.dH = g.dW = 1;
  g.planes = planes, g.HW = H * W, g.OHW = g.OH * g.OW, g.xN = planes * g.HW, g.yN = planes * g.OHW;
  maxPool2x2(g, x, y, am);
}
template void maxPool2x2Planes<float>(const float*, int64_t, int64_t, int64_t, float*, int32_t*);
template void maxPool2x2Planes<double>(const double*, int64_t, int64_t, int64_t, double*, int32_t*);

namespace {

template <class T>
void maxPool(const PGeom& g, const T* x, T* y, int32_t* am) {
  if (maxPool2x2(g, x, y, am)) return;
  parallel_for(g.planes, planeGrain(g, g.OHW * g.KH * g.KW), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; pl++) {
      const T* xp = x + pl * g.HW;
      T* yp = y + pl * g.OHW;
      int32_t* ap = am + pl * g.OHW;
      for (int64_t oh = 0; oh < g.OH; oh++) {
        int64_t h0 = oh * g.sH - g.pH;
        for (int64_t ow = 0; ow < g.OW; ow++) {
          int64_t w0 = ow * g.sW - g.pW;
          T best = -INFINITY;
          int64_t bi = -1;
          for (int64_t kh = 0; kh < g.KH; kh++) {
            int64_t ih = h0 + kh * g.dH;
            if (ih < 0 || ih >= g.H) continue;
            bool stop = false;
            for (int64_t kw = 0; kw < g.KW; kw++) {
              int64_t iw = w0 + kw * g.dW;
              if (iw < 0 || iw >= g.W) continue;
              T v = xp[ih * g.W + iw];
              if (v > best || bi < 0 || v != v) {
                best = v;
                bi = ih * g.W + iw;
                if (v != v) { stop = true; break; }
              }
            }
            if (stop) break;
          }
          yp[oh * g.OW + ow] = best;
          ap[oh * g.OW + ow] = static_cast<int32_t>(bi);
        }
      }
    }
  });
}

}  // namespace

// One plane of the usual pooling's gradient (2x2 windows at stride 2, as maxPool2x2): each
// window's four places written once, dy where the argmax points and zero elsewhere, instead
// of a fill and a scatter. `more`: this thread writes data right after the plane later (the
// last rows may spill, isa.h). False, having written only into dx, at an argmax outside its
// own window (a hand-made one: the caller then checks it and scatters).
template <class T>
bool maxPool2x2BackwardPlane(int64_t H, int64_t W, int64_t OH, int64_t OW, const T* gp, const int32_t* ap, const T* mp, T* dp, bool more) {
  const int32_t W32 = static_cast<int32_t>(W);
  for (int64_t oh = 0; oh < OH; oh++) {
    T* d0 = dp + 2 * oh * W;
    T* d1 = d0 + W;
    const int32_t base = static_cast<int32_t>(2 * oh * W);
    const T* gr = gp + oh * OW;
    const int32_t* ar = ap + oh * OW;
    const T* mr = mp ? mp + oh * OW : nullptr;
    int64_t ow = 0;
    // Spilling (isa.h): the next row of windows is in this plane, and this loop writes
    // its two rows (all of each) after this one.
    const bool spill = (oh + 1 < OH || more) && W >= 8 && 2 * OW >= 8;
    if constexpr (std::is_same<T, float>::value) ow = isa().maxPool2x2BackwardRow(gr, ar, mr, OW, base, W32, d0, d1, spill);
    for (; ow < OW; ow++) {
      // In 64 bits: an argmax from JavaScript may be any int32, and the difference must not overflow.
      const int64_t c = 2 * ow, rel = int64_t(ar[ow]) - (base + c);
      // Inside its window: rel is 0 or 1 in the first row, W or W + 1 in the second. One
      // branch, always taken the same way: a branch on which place mispredicts on every
      // other window (random argmax) and took this loop to three times its time.
      const int64_t col = rel - (int64_t(W32) & -int64_t(rel >= W32));
      if (static_cast<uint64_t>(col) > 1u) return false;
      d0[c] = d0[c + 1] = d1[c] = d1[c + 1] = T(0);
      d0[c + rel] = T(0) + (mr && !(mr[ow] > T(0)) ? T(0) : gr[ow]);  // d1 is d0 + W: rel says the row too
    }
    if (2 * OW < W) d0[W - 1] = d1[W - 1] = T(0);  // an odd width's last column: in no window
  }
  if (2 * OH < H) std::fill(dp + 2 * OH * W, dp + H * W, T(0));  // an odd height's last row
  return true;
}
template bool maxPool2x2BackwardPlane<float>(int64_t, int64_t, int64_t, int64_t, const float*, const int32_t*, const float*, float*, bool);

namespace {

// maxPool2x2BackwardPlane over every plane. False, as it, at an argmax outside its window.
template <class T>
bool maxPoolBackward2x2(const PGeom& g, const T* dy, const int32_t* am, const T* mask, T* dx) {
  if (g.KH != 2 || g.KW != 2 || g.sH != 2 || g.sW != 2 || g.pH || g.pW || g.dH != 1 || g.dW != 1 || 2 * g.OH > g.H || 2 * g.OW > g.W) return false;
  std::atomic<bool> outside{false};
  parallel_for(g.planes, planeGrain(g, g.HW + g.OHW), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e && !outside.load(std::memory_order_relaxed); pl++) {
      // As in maxPool2x2: the next plane counts when this thread writes it next.
      if (!maxPool2x2BackwardPlane(g.H, g.W, g.OH, g.OW, dy + pl * g.OHW, am + pl * g.OHW, mask ? mask + pl * g.OHW : nullptr,
                                   dx + pl * g.HW, pl + 1 < e))
        return outside.store(true);
    }
  });
  return !outside.load();
}

template <class T>
void maxPoolBackward(const PGeom& g, const T* dy, const int32_t* am, const T* mask, T* dx) {
  parallel_for(g.planes, planeGrain(g, g.HW + g.OHW), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; pl++) {
      T* dp = dx + pl * g.HW;
      std::fill(dp, dp + g.HW, T(0));
      const T* gp = dy + pl * g.OHW;
      const int32_t* ap = am + pl * g.OHW;
      for (int64_t i = 0; i < g.OHW; i++)
        if (ap[i] >= 0) dp[ap[i]] += mask && !(mask[pl * g.OHW + i] > T(0)) ? T(0) : gp[i];
    }
  });
}

// PyTorch's divisor: the window clipped to the padded input, or to the input itself.
inline int64_t divisor(const PGeom& g, int64_t h0, int64_t w0, bool cip) {
  int64_t hEnd = std::min(h0 + g.KH, g.H + g.pH), wEnd = std::min(w0 + g.KW, g.W + g.pW);
  if (cip) return (hEnd - h0) * (wEnd - w0);
  return (std::min(hEnd, g.H) - std::max<int64_t>(h0, 0)) * (std::min(wEnd, g.W) - std::max<int64_t>(w0, 0));
}

template <class T>
void avgPool(const PGeom& g, const T* x, T* y, bool cip) {
  parallel_for(g.planes, planeGrain(g, g.OHW * g.KH * g.KW), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; pl++) {
      const T* xp = x + pl * g.HW;
      T* yp = y + pl * g.OHW;
      for (int64_t oh = 0; oh < g.OH; oh++) {
        int64_t h0 = oh * g.sH - g.pH, ha = std::max<int64_t>(h0, 0), hb = std::min(h0 + g.KH, g.H);
        for (int64_t ow = 0; ow < g.OW; ow++) {
          int64_t w0 = ow * g.sW - g.pW, wa = std::max<int64_t>(w0, 0), wb = std::min(w0 + g.KW, g.W);
          double sum = 0;
          for (int64_t ih = ha; ih < hb; ih++)
            for (int64_t iw = wa; iw < wb; iw++) sum += static_cast<double>(xp[ih * g.W + iw]);
          int64_t d = divisor(g, h0, w0, cip);
          yp[oh * g.OW + ow] = static_cast<T>(d > 0 ? sum / static_cast<double>(d) : 0.0);
        }
      }
    }
  });
}

template <class T>
void avgPoolBackward(const PGeom& g, const T* dy, T* dx, bool cip) {
  parallel_for(g.planes, planeGrain(g, g.OHW * g.KH * g.KW), [&](int64_t b, int64_t e) {
    for (int64_t pl = b; pl < e; pl++) {
      T* dp = dx + pl * g.HW;
      std::fill(dp, dp + g.HW, T(0));
      const T* gp = dy + pl * g.OHW;
      for (int64_t oh = 0; oh < g.OH; oh++) {
        int64_t h0 = oh * g.sH - g.pH, ha = std::max<int64_t>(h0, 0), hb = std::min(h0 + g.KH, g.H);
        for (int64_t ow = 0; ow < g.OW; ow++) {
          int64_t w0 = ow * g.sW - g.pW, wa = std::max<int64_t>(w0, 0), wb = std::min(w0 + g.KW, g.W);
          int64_t d = divisor(g, h0, w0, cip);
          if (d <= 0) continue;
          T share = static_cast<T>(static_cast<double>(gp[oh * g.OW + ow]) / static_cast<double>(d));
          for (int64_t ih = ha; ih < hb; ih++)
            for (int64_t iw = wa; iw < wb; iw++) dp[ih * g.W + iw] += share;
        }
      }
    }
  });
}

}  // namespace

// maxPool2d(x, out, argmax, p)
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "out", "argmax", "geometry"};
  const char* K = "maxPool2d";
  Args args(info, K, 4, names);
  PGeom g = parse(K, args, 3, false);
  Buf x = args.buf(0, M_FLOAT), y = args.buf(1, M_FLOAT), am = args.buf(2, M_I32);
  requireSameDtype(K, "x", x, "out", y);
  requireLen(K, "x", x, g.xN, false, xWhy(g));
  requireLen(K, "out", y, g.yN, true, yWhy(g));
  requireLen(K, "argmax", am, g.yN, true, yWhy(g));
  if (x.dtype == DType::F32) maxPool(g, x.as<float>(), y.as<float>(), am.as<int32_t>());
  else maxPool(g, x.as<double>(), y.as<double>(), am.as<int32_t>());
  return info.Env().Undefined();
}

// maxPool2dBackward(dy, argmax, dx, p, reluOut?): with reluOut (a relu's output over the
// pooling's), dy only where reluOut > 0, as if it had gone through relu's gradient first.
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dy", "argmax", "dx", "geometry", "reluOut"};
  const char* K = "maxPool2dBackward";
  Args args(info, K, 4, names);
  PGeom g = parse(K, args, 3, false);
  Buf dy = args.buf(0, M_FLOAT), am = args.buf(1, M_I32), dx = args.buf(2, M_FLOAT);
  requireSameDtype(K, "dy", dy, "dx", dx);
  requireLen(K, "dy", dy, g.yN, false, yWhy(g));
  requireLen(K, "argmax", am, g.yN, false, yWhy(g));
  requireLen(K, "dx", dx, g.xN, true, xWhy(g));
  std::optional<Buf> mask;
  if (info.Length() > 4 && !info[4].IsUndefined() && !info[4].IsNull()) {
    mask = args.buf(4, M_FLOAT);
    requireSameDtype(K, "dy", dy, "reluOut", *mask);
    requireLen(K, "reluOut", *mask, g.yN, false, yWhy(g));
  }
  const float* mf = mask && dy.dtype == DType::F32 ? mask->as<float>() : nullptr;
  const double* md = mask && dy.dtype == DType::F64 ? mask->as<double>() : nullptr;
  const int32_t* a = am.as<int32_t>();
  // The usual 2x2 pooling checks each argmax against its own window as it goes (a stricter
  // check than the range below, which runs only when that one fails).
  if (dy.dtype == DType::F32 ? maxPoolBackward2x2(g, dy.as<float>(), a, mf, dx.as<float>())
                             : maxPoolBackward2x2(g, dy.as<double>(), a, md, dx.as<double>()))
    return info.Env().Undefined();
  for (int64_t i = 0; i < g.yN; i++)
    if (a[i] < -1 || a[i] >= g.HW)
      rangeError(K, "argmax holds " + s(a[i]) + " at " + s(i) + ", which is out of range for a " + s(g.H) + "x" + s(g.W) + " plane");
  if (dy.dtype == DType::F32) maxPoolBackward(g, dy.as<float>(), a, mf, dx.as<float>());
  else maxPoolBackward(g, dy.as<double>(), a, md, dx.as<double>());
  return info.Env().Undefined();
}

// avgPool2d(x, out, p, countIncludePad)
Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "out", "geometry", "countIncludePad"};
  const char* K = "avgPool2d";
  Args args(info, K, 4, names);
  PGeom g = parse(K, args, 2, true);
  bool cip = args.boolean(3);
  Buf x = args.buf(0, M_FLOAT), y = args.buf(1, M_FLOAT);
  requireSameDtype(K, "x", x, "out", y);
  requireLen(K, "x", x, g.xN, false, xWhy(g));
  requireLen(K, "out", y, g.yN, true, yWhy(g));
  if (x.dtype == DType::F32) avgPool(g, x.as<float>(), y.as<float>(), cip);
  else avgPool(g, x.as<double>(), y.as<double>(), cip);
  return info.Env().Undefined();
}

// avgPool2dBackward(dy, dx, p, countIncludePad)
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dy", "dx", "geometry", "countIncludePad"};
  const char* K = "avgPool2dBackward";
  Args args(info, K, 4, names);
  PGeom g = parse(K, args, 2, true);
  bool cip = args.boolean(3);
  Buf dy = args.buf(0, M_FLOAT), dx = args.buf(1, M_FLOAT);
  requireSameDtype(K, "dy", dy, "dx", dx);
  requireLen(K, "dy", dy, g.yN, false, yWhy(g));
  requireLen(K, "dx", dx, g.xN, true, xWhy(g));
  if (dy.dtype == DType::F32) avgPoolBackward(g, dy.as<float>(), dx.as<float>(), cip);
  else avgPoolBackward(g, dy.as<double>(), dx.as<double>(), cip);
  return info.Env().Undefined();
}

}  // namespace gradlab
