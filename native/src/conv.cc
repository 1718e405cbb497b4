#include "conv.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "interrupt.h"
#include "args.h"
#include "conv3x3.h"
#include "gemm.h"
#include "scratch.h"
#include "threadpool.h"
#include "isa.h"
#include "pool.h"
#include "sum_chunks.h"

namespace gradlab {

namespace {

constexpr int64_t kColBudgetBytes = 64ll << 20;   // column buffer per piece of a batch run as one threaded gemm
constexpr int64_t kMaxColsPerImage = 1ll << 28;   // refuse convolutions whose one-image column buffer is larger

struct Geom {
  int64_t N, C, H, W, OC, KH, KW, OH, OW, sH, sW, pH, pW, dH, dW, G;
  int64_t Cg, OCg, KK, CgKK, OHW, HW;
  int64_t xN, wN, yN;
};

// The Conv2dGeometry object (core/backend/kernels.ts), read by name.
Geom parseGeom(const char* K, const Args& args, size_t i) {
  args.requireObject(i, "batch, inChannels, inHeight, inWidth, outChannels, kernelHeight, kernelWidth, outHeight, outWidth, "
                        "strideH, strideW, paddingH, paddingW, dilationH, dilationW, groups");
  // Sizes that must be at least 1; batch, padding and the output size may be 0.
  auto positive = [&](const char* name) {
    int64_t v = args.field(i, name, 0, kMaxElems);
    if (v < 1) rangeError(K, std::string(name) + " must be at least 1, got " + std::to_string(v));
    return v;
  };
  auto size = [&](const char* name) { return args.field(i, name, 0, kMaxElems); };
  Geom g;
  g.N = size("batch"); g.C = positive("inChannels"); g.H = positive("inHeight"); g.W = positive("inWidth");
  g.OC = positive("outChannels"); g.KH = positive("kernelHeight"); g.KW = positive("kernelWidth");
  g.OH = size("outHeight"); g.OW = size("outWidth");
  g.sH = positive("strideH"); g.sW = positive("strideW"); g.pH = size("paddingH"); g.pW = size("paddingW");
  g.dH = positive("dilationH"); g.dW = positive("dilationW"); g.G = positive("groups");
  if (g.C % g.G) rangeError(K, "groups " + std::to_string(g.G) + " does not divide inChannels " + std::to_string(g.C));
  if (g.OC % g.G) rangeError(K, "groups " + std::to_string(g.G) + " does not divide outChannels " + std::to_string(g.OC));
  int64_t effH = g.dH * (g.KH - 1) + 1, effW = g.dW * (g.KW - 1) + 1;
  int64_t padH = g.H + 2 * g.pH, padW = g.W + 2 * g.pW;
  if (effH > padH)
    rangeError(K, "the kernel's height with dilation (" + std::to_string(effH) + ") exceeds the padded input height " + std::to_string(padH));
  if (effW > padW)
    rangeError(K, "the kernel's width with dilation (" + std::to_string(effW) + ") exceeds the padded input width " + std::to_string(padW));
  int64_t oh = (padH - effH) / g.sH + 1, ow = (padW - effW) / g.sW + 1;
  if (g.OH != oh) rangeError(K, "outHeight is " + std::to_string(g.OH) + ", but inHeight " + std::to_string(g.H) + ", kernelHeight " + std::to_string(g.KH) + ", strideH " +
                                    std::to_string(g.sH) + ", paddingH " + std::to_string(g.pH) + ", dilationH " + std::to_string(g.dH) + " give " + std::to_string(oh));
  if (g.OW != ow) rangeError(K, "outWidth is " + std::to_string(g.OW) + ", but inWidth " + std::to_string(g.W) + ", kernelWidth " + std::to_string(g.KW) + ", strideW " +
                                    std::to_string(g.sW) + ", paddingW " + std::to_string(g.pW) + ", dilationW " + std::to_string(g.dW) + " give " + std::to_string(ow));
  g.Cg = g.C / g.G;
  g.OCg = g.OC / g.G;
  g.xN = mulChecked(K, "x (N*C*H*W)", {g.N, g.C, g.H, g.W});
  g.wN = mulChecked(K, "w (OC*C/groups*KH*KW)", {g.OC, g.Cg, g.KH, g.KW});
  g.yN = mulChecked(K, "the output (N*OC*OH*OW)", {g.N, g.OC, g.OH, g.OW});
  g.KK = g.KH * g.KW;
  g.CgKK = g.Cg * g.KK;
  g.OHW = mulChecked(K, "OH*OW", {g.OH, g.OW});
  g.HW = g.H * g.W;
  if (g.CgKK * g.OHW > kMaxColsPerImage) rangeError(K, "the convolution is too large (its column buffer for one image exceeds 2^28 elements)");
  return g;
}

std::string geomStr(const char* what, const Geom& g) {
  if (!std::strcmp(what, "x")) return "N*C*H*W = " + std::to_string(g.N) + "*" + std::to_string(g.C) + "*" + std::to_string(g.H) + "*" + std::to_string(g.W);
  if (!std::strcmp(what, "w")) return "OC*C/groups*KH*KW = " + std::to_string(g.OC) + "*" + std::to_string(g.Cg) + "*" + std::to_string(g.KH) + "*" + std::to_string(g.KW);
  return "N*OC*OH*OW = " + std::to_string(g.N) + "*" + std::to_string(g.OC) + "*" + std::to_string(g.OH) + "*" + std::to_string(g.OW);
}

template <class T>
int64_t chunkSize(const Geom& g) {
  int64_t per = std::max(g.CgKK, g.OC) * g.OHW * static_cast<int64_t>(sizeof(T));
  return std::max<int64_t>(1, std::min<int64_t>(g.N, kColBudgetBytes / std::max<int64_t>(per, 1)));
}

// Valid ow range for a kernel column: iw = ow*sW + off in [0, W).
inline void validRange(int64_t off, int64_t s, int64_t W, int64_t OW, int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = (W - 1 - off) < 0 ? 0 : (W - 1 - off) / s + 1;
  lo = std::min(lo, OW);
  hi = std::min(std::max(hi, lo), OW);
}

// cols[r = c*KK + kh*KW + kw][nl*OHW + oh*OW + ow] = x[n0+nl, g*Cg + c, ih, iw] (0 outside).
template <class T>
void im2col(const Geom& g, const T* x, int64_t n0, int64_t nb, int64_t grp, T* cols) {
  const int64_t L = nb * g.OHW;
  parallel_for(g.CgKK * nb, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(g.OHW, 1)), [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; t++) {
      int64_t r = t / nb, nl = t % nb;
      int64_t c = r / g.KK, kh = (r % g.KK) / g.KW, kw = r % g.KW;
      const T* plane = x + ((n0 + nl) * g.C + grp * g.Cg + c) * g.HW;
      T* dst = cols + r * L + nl * g.OHW;
      int64_t offW = kw * g.dW - g.pW, lo, hi;
      validRange(offW, g.sW, g.W, g.OW, lo, hi);
      for (int64_t oh = 0; oh < g.OH; oh++, dst += g.OW) {
        int64_t ih = oh * g.sH - g.pH + kh * g.dH;
        if (ih < 0 || ih >= g.H) {
          std::fill(dst, dst + g.OW, T(0));
          continue;
        }
        const T* src = plane + ih * g.W + offW;
        std::fill(dst, dst + lo, T(0));
        if (g.sW == 1) {
          if (hi > lo) std::memcpy(dst + lo, src + lo, sizeof(T) * (hi - lo));
        } else {
          for (int64_t ow = lo; ow < hi; ow++) dst[ow] = src[ow * g.sW];
        }
        std::fill(dst + hi, dst + g.OW, T(0));
      }
    }
  });
}

// dx[n0+nl, g*Cg + c] += the columns scattered back (the adjoint of im2col).
template <class T>
void col2im(const Geom& g, const T* cols, int64_t n0, int64_t nb, int64_t grp, T* dx) {
  const int64_t L = nb * g.OHW;
  parallel_for(nb * g.Cg, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(g.KK * g.OHW, 1)), [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; t++) {
      int64_t nl = t / g.Cg, c = t % g.Cg;
      T* plane = dx + ((n0 + nl) * g.C + grp * g.Cg + c) * g.HW;
      for (int64_t kh = 0; kh < g.KH; kh++)
        for (int64_t kw = 0; kw < g.KW; kw++) {
          const T* src = cols + (c * g.KK + kh * g.KW + kw) * L + nl * g.OHW;
          int64_t offW = kw * g.dW - g.pW, lo, hi;
          validRange(offW, g.sW, g.W, g.OW, lo, hi);
          for (int64_t oh = 0; oh < g.OH; oh++, src += g.OW) {
            int64_t ih = oh * g.sH - g.pH + kh * g.dH;
            if (ih < 0 || ih >= g.H) continue;
            T* row = plane + ih * g.W + offW;
            if (g.sW == 1) for (int64_t ow = lo; ow < hi; ow++) row[ow] += src[ow];
            else for (int64_t ow = lo; ow < hi; ow++) row[ow * g.sW] += src[ow];
          }
        }
    }
  });
}

// t[oc][nl*OHW + s] <-> y[n0+nl][oc][s]
template <class T>
void nchwToCn(const Geom& g, const T* y, int64_t n0, int64_t nb, T* t) {
  parallel_for(g.OC * nb, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(g.OHW, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      int64_t oc = i / nb, nl = i % nb;
      std::memcpy(t + oc * nb * g.OHW + nl * g.OHW, y + ((n0 + nl) * g.OC + oc) * g.OHW, sizeof(T) * g.OHW);
    }
  });
}
template <class T>
void cnToNchw(const Geom& g, const T* t, int64_t n0, int64_t nb, T* y) {
  parallel_for(g.OC * nb, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(g.OHW, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      int64_t oc = i / nb, nl = i % nb;
      std::memcpy(y + ((n0 + nl) * g.OC + oc) * g.OHW, t + oc * nb * g.OHW + nl * g.OHW, sizeof(T) * g.OHW);
    }
  });
}

inline bool isPointwise(const Geom& g) {
  return g.KH == 1 && g.KW == 1 && g.sH == 1 && g.sW == 1 && g.pH == 0 && g.pW == 0;
}

// Large batches are cut into chunks of a few images whose column buffer stays in cache
// (kChunkBytes), and the chunks run in parallel, each with a single-threaded gemm: no
// fork and join per gemm, and im2col's output is read back while still in cache. Small
// batches (fewer than two chunks) run as one threaded gemm over the whole batch instead.
constexpr int64_t kChunkBytes = 512ll << 10;

template <class T>
int64_t imagesPerChunk(const Geom& g) {
  int64_t per = std::max(g.CgKK, g.OC) * g.OHW * static_cast<int64_t>(sizeof(T));
  return std::max<int64_t>(1, std::min<int64_t>(g.N, kChunkBytes / std::max<int64_t>(per, 1)));
}

// Runs task(n0, nb, serial) over chunks of the batch: in parallel with serial BLAS when
// there are enough chunks, else over the whole batch (in kColBudgetBytes pieces) threaded.
struct NoPrepare { void operator()(bool) const {} };

template <class T, class Task, class Prepare = NoPrepare>
void overChunks(const Geom& g, Task task, Prepare prepare = {}) {
  const int64_t nb = imagesPerChunk<T>(g), chunks = (g.N + nb - 1) / nb;
  const bool parallel = chunks >= 2 && numThreads() > 1;
  prepare(parallel);
  if (parallel) {
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e && !interruptRequested(); c++) task(c, c * nb, std::min(nb, g.N - c * nb), true);
    });
    return;
  }
  const int64_t big = chunkSize<T>(g);
  for (int64_t n0 = 0, c = 0; n0 < g.N && !interruptRequested(); n0 += big, c++) task(c, n0, std::min(big, g.N - n0), false);
}

template <class T>
void gemmAny(bool serial, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
             int64_t ldc) {
  if (serial) gemmSerial(ta, tb, M, N, K, T(1), A, lda, B, ldb, beta, C, ldc);
  else gemmCore(ta, tb, M, N, K, T(1), A, lda, B, ldb, beta, C, ldc);
}

// 3x3, stride 1, no dilation or groups: what the specialised float32 kernels take.
inline bool isPlain3x3(const Geom& g) {
  return g.KH == 3 && g.KW == 3 && g.sH == 1 && g.sW == 1 && g.dH == 1 && g.dW == 1 && g.G == 1;
}
inline Conv3x3Geom plain3x3(const Geom& g) { return {g.N, g.C, g.H, g.W, g.OC, g.OH, g.OW, g.pH, g.pW}; }

// With enough channels for the channel products to dominate: Winograd F(2x2, 3x3)
// (winograd.h). Padding up to 2 keeps the backward pass (a 3x3 convolution padded 2 - p)
// on the same path.
inline bool useWinograd(const Geom& g) { return isPlain3x3(g) && g.pH <= 2 && g.pW <= 2 && g.C >= 16 && g.OC >= 16; }

// With few input channels: direct (direct_conv.h).
// The path in use (isa.h) may have none.
inline bool useDirect(const Geom& g) {
  return isPlain3x3(g) && isa().directConv3x3 && g.C <= kDirectMaxChannels && g.pH <= 2 && g.pW <= 2;
}

// Winograd's transforms add and subtract inputs before multiplying: an infinity there
// gives Inf - Inf = NaN where the plain sum of products is infinite, and values near the
// float32 limit overflow. It is used only when both operands are finite and modest, so
// that every path computes the same sums of products (the TypeScript reference's).
constexpr double kWinogradMaxAbs = 1e15;
// Whether every |p[i]| <= limit (NaN is not).
template <class T>
bool allWithin(const T* p, int64_t n, float limit) {
  std::atomic<bool> ok{true};
  parallel_for(n, kParallelMin * 4, [&](int64_t b, int64_t e) {
    // An OR of comparison results, which GCC vectorises (a bool &= chain it left scalar).
    int bad = 0;
    for (int64_t i = b; i < e; i++) bad |= !(std::fabs(static_cast<float>(p[i])) <= limit);
    if (bad) ok = false;
  });
  return ok;
}
template <class T>
bool modest(const T* p, int64_t n) {
  return allWithin(p, n, float(kWinogradMaxAbs));
}
inline bool winogradFor(const Geom& g, const float* a, int64_t na, const float* b, int64_t nb) {
  return useWinograd(g) && modest(a, na) && modest(b, nb);
}

// An output gradient with at most this share of nonzeros takes the sparse gradients
// (sparse_conv.h) where Winograd's would run: 2x2 max pooling's gradient keeps a quarter,
// ReLU's clears more. (The course CNN's second layer, avx2 path: see native/README.md.)
constexpr int64_t kSparseMaxDensityInverse = 3;
constexpr int64_t kSparseMaxImageFloats = int64_t(1) << 24;

// Whether a gradient from dy goes the sparse way: the geometry Winograd takes, a finite
// other operand `other` (a skipped zero times an infinity would have been NaN) and a
// sparse enough dy.
// sparseGradFor without the count: all but dy's share of nonzeros.
bool sparseShapeFor(const Geom& g, const float* other, int64_t otherN) {
  if (!useWinograd(g) || g.N == 0) return false;
  // The kernels hold an image at a time per thread (dy by position, the channel-last frame):
  // beyond 64 MB of that, Winograd's chunks of tiles.
  if (g.OHW * (g.OC + 8) + (g.OH + 2) * (g.OW + 2) * (g.C + 31) > kSparseMaxImageFloats) return false;
  return allWithin(other, otherN, std::numeric_limits<float>::max());
}
bool sparseGradFor(const Geom& g, const float* dy, const float* other, int64_t otherN) {
  if (!sparseShapeFor(g, other, otherN)) return false;
  std::atomic<int64_t> nonzeros{0};
  parallel_for(g.yN, kParallelMin * 4, [&](int64_t b, int64_t e) {
    int64_t count = 0;
    // 32-bit counts over blocks, which the compiler vectorises (a 64-bit count it did not).
    for (int64_t i0 = b; i0 < e; i0 += int64_t(1) << 20) {
      int32_t block = 0;
      for (int64_t i = i0, i1 = std::min(e, i0 + (int64_t(1) << 20)); i < i1; i++) block += dy[i] != 0.0f;
      count += block;
    }
    nonzeros += count;
  });
  return nonzeros.load() * kSparseMaxDensityInverse <= g.yN;
}

// The convolution by im2col and GEMM (or one GEMM per image for 1x1 filters), no bias.
template <class T>
void convForwardUnfused(const Geom& g, const T* x, const T* w, T* y) {
  if (isPointwise(g)) {
    for (int64_t n = 0; n < g.N && !interruptRequested(); n++)
      for (int64_t grp = 0; grp < g.G; grp++)
        gemmCore(false, false, g.OCg, g.HW, g.Cg, T(1), w + grp * g.OCg * g.Cg, g.Cg, x + (n * g.C + grp * g.Cg) * g.HW, g.HW, T(0),
                 y + (n * g.OC + grp * g.OCg) * g.HW, g.HW);
    return;
  }
  overChunks<T>(g, [&](int64_t, int64_t n0, int64_t nb, bool serial) {
    const int64_t L = nb * g.OHW;
    Scratch<T> cols(0, g.CgKK * L);
    Scratch<T> tbuf(1, nb > 1 ? g.OC * L : 0);
    for (int64_t grp = 0; grp < g.G; grp++) {
      im2col(g, x, n0, nb, grp, cols.data());
      T* dst = nb > 1 ? tbuf.data() + grp * g.OCg * L : y + (n0 * g.OC + grp * g.OCg) * g.OHW;
      gemmAny(serial, false, false, g.OCg, L, g.CgKK, w + grp * g.OCg * g.CgKK, g.CgKK, cols.data(), L, T(0), dst, L);
    }
    if (nb > 1) cnToNchw(g, tbuf.data(), n0, nb, y);
  });
}

// y += bias[k] on each output plane k: the paths whose kernels cannot add it to their sums.
template <class T>
void addPlaneBias(const Geom& g, const T* bias, T* y) {
  parallel_for(g.N * g.OC, std::max<int64_t>(1, kParallelMin / std::max<int64_t>(1, g.OHW)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const T v = bias[i % g.OC];
      T* plane = y + i * g.OHW;
      for (int64_t j = 0; j < g.OHW; j++) plane[j] += v;
    }
  });
}

// The forward kernel for a convolution: chosen once for the whole batch (Winograd's
// depends on the values), so that a convolution run image block by image block takes it
// for every block and gives the bits of one call.
enum class ForwardPath { Winograd, Direct, General };
template <class T>
ForwardPath forwardPath(const Geom& g, const T* x, const T* w) {
  if constexpr (std::is_same<T, float>::value) {
    if (winogradFor(g, x, g.xN, w, g.wN)) return ForwardPath::Winograd;
    if (useDirect(g)) return ForwardPath::Direct;
  }
  return ForwardPath::General;
}

template <class T>
void convForwardOn(ForwardPath path, const Geom& g, const T* x, const T* w, const T* bias, T* y) {
  if (g.N == 0) return;
  if constexpr (std::is_same<T, float>::value) {
    if (path == ForwardPath::Winograd) return isa().winogradConv3x3(plain3x3(g), x, w, bias, y, nullptr);
    if (path == ForwardPath::Direct) return isa().directConv3x3(plain3x3(g), x, w, bias, y, nullptr);
  }
  convForwardUnfused(g, x, w, y);
  if (bias) addPlaneBias(g, bias, y);
}

template <class T>
void convForward(const Geom& g, const T* x, const T* w, const T* bias, T* y) {
  if (g.N == 0) return;
  convForwardOn(forwardPath(g, x, w), g, x, w, bias, y);
}

// The convolution then 2x2 stride-2 max pooling: y and its winners am, as the two calls
// give them. Winograd pools each 2x2 output tile as its output transform makes it, the
// direct kernel each block of planes while it is in L1, so that neither output goes
// through memory; im2col's GEMMs run on the whole batch (their blocking depends on its
// size) and pool after.
template <class T>
void convMaxPool2x2(const Geom& g, const T* x, const T* w, const T* bias, T* y, int32_t* am) {
  if (g.N == 0) return;
  const ForwardPath path = forwardPath(g, x, w);
  if constexpr (std::is_same<T, float>::value) {
    if (path == ForwardPath::Winograd) return isa().winogradConv3x3(plain3x3(g), x, w, bias, y, am);
    if (path == ForwardPath::Direct) return isa().directConv3x3(plain3x3(g), x, w, bias, y, am);
  }
  Scratch<T> conv(kFusedIntermediate, g.yN);
  convForwardOn(path, g, x, w, bias, conv.data());
  maxPool2x2Planes(conv.data(), g.N * g.OC, g.OH, g.OW, y, am);
}

// relu over the pooled output, in place, while it is still in cache: relu's values (a NaN
// stays, -0 and negatives become +0), which after the pooling are those of relu before it.
template <class T>
void reluInPlace(T* y, int64_t n) {
  parallel_for(n, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const T v = y[i];
      y[i] = v > T(0) || v != v ? v : T(0);
    }
  });
}

template <class T>
void convBackwardInput(const Geom& g, const T* dy, const T* w, T* dx) {
  if constexpr (std::is_same<T, float>::value) {
    if (isa().sparseConvBackwardInput3x3 && sparseGradFor(g, dy, w, g.wN)) return isa().sparseConvBackwardInput3x3(plain3x3(g), dy, w, dx);
    // dx is dy convolved with the filters turned 180 degrees and their channels swapped,
    // padded 2 - p: the forward Winograd path, from OC channels to C.
    if (g.N > 0 && winogradFor(g, dy, g.yN, w, g.wN)) {
      std::vector<float> flipped(static_cast<size_t>(g.wN));
      for (int64_t k = 0; k < g.OC; k++)
        for (int64_t c = 0; c < g.C; c++)
          for (int64_t i = 0; i < 9; i++) flipped[(c * g.OC + k) * 9 + i] = w[(k * g.C + c) * 9 + (8 - i)];
      return isa().winogradConv3x3({g.N, g.OC, g.OH, g.OW, g.C, g.H, g.W, 2 - g.pH, 2 - g.pW}, dy, flipped.data(), nullptr, dx, nullptr);
    }
  }
  std::fill(dx, dx + g.xN, T(0));
  if (g.N == 0) return;
  if (isPointwise(g)) {
    for (int64_t n = 0; n < g.N && !interruptRequested(); n++)
      for (int64_t grp = 0; grp < g.G; grp++)
        gemmCore(true, false, g.Cg, g.HW, g.OCg, T(1), w + grp * g.OCg * g.Cg, g.Cg, dy + (n * g.OC + grp * g.OCg) * g.HW, g.HW, T(0),
                 dx + (n * g.C + grp * g.Cg) * g.HW, g.HW);
    return;
  }
  overChunks<T>(g, [&](int64_t, int64_t n0, int64_t nb, bool serial) {
    const int64_t L = nb * g.OHW;
    Scratch<T> cols(0, g.CgKK * L);
    Scratch<T> tbuf(1, nb > 1 ? g.OC * L : 0);
    if (nb > 1) nchwToCn(g, dy, n0, nb, tbuf.data());
    for (int64_t grp = 0; grp < g.G; grp++) {
      const T* src = nb > 1 ? tbuf.data() + grp * g.OCg * L : dy + (n0 * g.OC + grp * g.OCg) * g.OHW;
      gemmAny(serial, true, false, g.CgKK, L, g.OCg, w + grp * g.OCg * g.CgKK, g.CgKK, src, L, T(0), cols.data(), L);
      col2im(g, cols.data(), n0, nb, grp, dx);
    }
  });
}

template <class T>
void convBackwardWeight(const Geom& g, const T* x, const T* dy, T* dw) {
  if constexpr (std::is_same<T, float>::value) {
    if (isa().sparseConvBackwardWeight3x3 && sparseGradFor(g, dy, x, g.xN)) return isa().sparseConvBackwardWeight3x3(plain3x3(g), x, dy, dw);
    if (winogradFor(g, x, g.xN, dy, g.yN)) return isa().winogradWeightGrad3x3(plain3x3(g), x, dy, dw);
    if (useDirect(g) && isa().directConvWeightGrad3x3) return isa().directConvWeightGrad3x3(plain3x3(g), x, dy, dw);
  }
  if (g.N == 0) {
    std::fill(dw, dw + g.wN, T(0));
    return;
  }
  if (isPointwise(g)) {
    for (int64_t n = 0; n < g.N && !interruptRequested(); n++)
      for (int64_t grp = 0; grp < g.G; grp++)
        gemmCore(false, true, g.OCg, g.Cg, g.HW, T(1), dy + (n * g.OC + grp * g.OCg) * g.HW, g.HW, x + (n * g.C + grp * g.Cg) * g.HW, g.HW,
                 n == 0 ? T(0) : T(1), dw + grp * g.OCg * g.Cg, g.Cg);
    return;
  }
  // Each chunk writes its own partial dW; they are added in chunk order, so the result
  // does not depend on which thread ran which chunk.
  const int64_t nb = imagesPerChunk<T>(g), chunks = (g.N + nb - 1) / nb;
  std::vector<T> partial;
  overChunks<T>(g, [&](int64_t c, int64_t n0, int64_t nbc, bool serial) {
    T* out = dw;
    if (serial) {
      out = partial.data() + c * g.wN;
    }
    const int64_t L = nbc * g.OHW;
    Scratch<T> cols(0, g.CgKK * L);
    Scratch<T> tbuf(1, nbc > 1 ? g.OC * L : 0);
    if (nbc > 1) nchwToCn(g, dy, n0, nbc, tbuf.data());
    for (int64_t grp = 0; grp < g.G; grp++) {
      im2col(g, x, n0, nbc, grp, cols.data());
      const T* src = nbc > 1 ? tbuf.data() + grp * g.OCg * L : dy + (n0 * g.OC + grp * g.OCg) * g.OHW;
      T beta = serial || n0 == 0 ? T(0) : T(1);
      gemmAny(serial, false, true, g.OCg, g.CgKK, L, src, L, cols.data(), L, beta, out + grp * g.OCg * g.CgKK, g.CgKK);
    }
  }, [&](bool parallel) { if (parallel) partial.resize(static_cast<size_t>(chunks * g.wN)); });
  if (partial.empty()) return;
  parallel_for(g.wN, kParallelMin, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      T s = 0;
      for (int64_t c = 0; c < chunks; c++) s += partial[c * g.wN + i];
      dw[i] = s;
    }
  });
}

}  // namespace

// A convolution long enough to be worth interrupting (as a long matrix product, gemm.cc):
// its products stop between blocks at SIGINT and the call throws KeyboardInterrupt.
bool worthWatching(const Geom& g) { return double(g.N) * g.OC * g.OH * g.OW * g.Cg * g.KH * g.KW >= double(int64_t(1) << 26); }

namespace {
// A forward kernel's bias, argument i: optional (absent, undefined or null: none), else one
// value per output channel in x's dtype.
std::optional<Buf> optionalBias(const Napi::CallbackInfo& info, const Args& args, size_t i, const Geom& g, const Buf& x) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return std::nullopt;
  Buf bias = args.buf(i, M_FLOAT);
  requireSameDtype(args.kernel(), "x", x, "bias", bias);
  requireLen(args.kernel(), "bias", bias, g.OC, false, "one value per output channel, " + std::to_string(g.OC));
  return bias;
}
}  // namespace

// conv2d(x, w, out, p, bias?)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "w", "out", "geometry", "bias"};
  const char* K = "conv2d";
  Args args(info, K, 4, names);
  Geom g = parseGeom(K, args, 3);
  Buf x = args.buf(0, M_FLOAT), w = args.buf(1, M_FLOAT), y = args.buf(2, M_FLOAT);
  requireSameDtype(K, "x", x, "w", w);
  requireSameDtype(K, "x", x, "out", y);
  requireLen(K, "x", x, g.xN, false, geomStr("x", g));
  requireLen(K, "w", w, g.wN, false, geomStr("w", g));
  requireLen(K, "out", y, g.yN, true, geomStr("y", g));
  const std::optional<Buf> bias = optionalBias(info, args, 4, g, x);
  std::optional<InterruptWatch> watch;
  if (worthWatching(g)) watch.emplace();
  if (x.dtype == DType::F32) convForward(g, x.as<float>(), w.as<float>(), bias ? bias->as<float>() : nullptr, y.as<float>());
  else convForward(g, x.as<double>(), w.as<double>(), bias ? bias->as<double>() : nullptr, y.as<double>());
  if (watch) watch->throwIfInterrupted(info.Env(), "a convolution");
  return info.Env().Undefined();
}

namespace {
// How long conv2dMaxPool2x2's pooled output is, in the words of its length errors.
std::string pooledSize(const Geom& g) {
  return "N*OC*floor(OH/2)*floor(OW/2) = " + std::to_string(g.N) + "*" + std::to_string(g.OC) + "*" + std::to_string(g.OH / 2) + "*" +
         std::to_string(g.OW / 2);
}
}  // namespace

// conv2dMaxPool2x2(x, w, out, argmax, p, bias, relu): conv2d then 2x2 stride-2 max pooling
// of its output (floor(OH/2) x floor(OW/2)); out and argmax as maxPool2d gives them, out
// rectified when relu is true.
Napi::Value Conv2dMaxPool2x2(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "w", "out", "argmax", "geometry", "bias", "relu"};
  const char* K = "conv2dMaxPool2x2";
  Args args(info, K, 5, names);
  Geom g = parseGeom(K, args, 4);
  Buf x = args.buf(0, M_FLOAT), w = args.buf(1, M_FLOAT), y = args.buf(2, M_FLOAT), am = args.buf(3, M_I32);
  requireSameDtype(K, "x", x, "w", w);
  requireSameDtype(K, "x", x, "out", y);
  requireLen(K, "x", x, g.xN, false, geomStr("x", g));
  requireLen(K, "w", w, g.wN, false, geomStr("w", g));
  const int64_t pooled = g.N * g.OC * (g.OH / 2) * (g.OW / 2);
  const std::string why = pooledSize(g);
  requireLen(K, "out", y, pooled, true, why);
  requireLen(K, "argmax", am, pooled, true, why);
  const std::optional<Buf> bias = optionalBias(info, args, 5, g, x);
  std::optional<InterruptWatch> watch;
  if (worthWatching(g)) watch.emplace();
  const bool relu = info.Length() > 6 && !info[6].IsUndefined() && args.boolean(6);
  if (x.dtype == DType::F32) {
    convMaxPool2x2(g, x.as<float>(), w.as<float>(), bias ? bias->as<float>() : nullptr, y.as<float>(), am.as<int32_t>());
    if (relu) reluInPlace(y.as<float>(), pooled);
  } else {
    convMaxPool2x2(g, x.as<double>(), w.as<double>(), bias ? bias->as<double>() : nullptr, y.as<double>(), am.as<int32_t>());
    if (relu) reluInPlace(y.as<double>(), pooled);
  }
  if (watch) watch->throwIfInterrupted(info.Env(), "a convolution");
  return info.Env().Undefined();
}

// conv2dBackwardInput(dy, w, dx, p)
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"dy", "w", "dx", "geometry"};
  const char* K = "conv2dBackwardInput";
  Args args(info, K, 4, names);
  Geom g = parseGeom(K, args, 3);
  Buf dy = args.buf(0, M_FLOAT), w = args.buf(1, M_FLOAT), dx = args.buf(2, M_FLOAT);
  requireSameDtype(K, "dy", dy, "w", w);
  requireSameDtype(K, "dy", dy, "dx", dx);
  requireLen(K, "dy", dy, g.yN, false, geomStr("y", g));
  requireLen(K, "w", w, g.wN, false, geomStr("w", g));
  requireLen(K, "dx", dx, g.xN, true, geomStr("x", g));
  std::optional<InterruptWatch> watch;
  if (worthWatching(g)) watch.emplace();
  if (dy.dtype == DType::F32) convBackwardInput(g, dy.as<float>(), w.as<float>(), dx.as<float>());
  else convBackwardInput(g, dy.as<double>(), w.as<double>(), dx.as<double>());
  if (watch) watch->throwIfInterrupted(info.Env(), "a convolution's input gradient");
  return info.Env().Undefined();
}

// conv2dBackwardWeight(x, dy, dw, p)
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "dy", "dw", "geometry"};
  const char* K = "conv2dBackwardWeight";
  Args args(info, K, 4, names);
  Geom g = parseGeom(K, args, 3);
  Buf x = args.buf(0, M_FLOAT), dy = args.buf(1, M_FLOAT), dw = args.buf(2, M_FLOAT);
  requireSameDtype(K, "x", x, "dy", dy);
  requireSameDtype(K, "x", x, "dw", dw);
  requireLen(K, "x", x, g.xN, false, geomStr("x", g));
  requireLen(K, "dy", dy, g.yN, false, geomStr("y", g));
  requireLen(K, "dw", dw, g.wN, true, geomStr("w", g));
  std::optional<InterruptWatch> watch;
  if (worthWatching(g)) watch.emplace();
  if (x.dtype == DType::F32) convBackwardWeight(g, x.as<float>(), dy.as<float>(), dw.as<float>());
  else convBackwardWeight(g, x.as<double>(), dy.as<double>(), dw.as<double>());
  if (watch) watch->throwIfInterrupted(info.Env(), "a convolution's weight gradient");
  return info.Env().Undefined();
}

namespace {

// The pooled gradient's arguments of the kernels below, checked: dy and argmax the pooled
// output's size, and the optional planeSums (argument sumsAt, N*OC) and reluOut (argument
// maskAt, the pooled size), each in x's dtype.
std::pair<std::optional<Buf>, std::optional<Buf>> pooledGradArgs(const char* K, const Args& args, const Napi::CallbackInfo& info, const Geom& g,
                                                                  const Buf& x, const Buf& dy, const Buf& am, size_t sumsAt, size_t maskAt) {
  requireSameDtype(K, "x", x, "dy", dy);
  const int64_t pooled = g.N * g.OC * (g.OH / 2) * (g.OW / 2);
  const std::string why = pooledSize(g);
  requireLen(K, "dy", dy, pooled, false, why);
  requireLen(K, "argmax", am, pooled, false, why);
  std::optional<Buf> sums, mask;
  if (!info[sumsAt].IsUndefined() && !info[sumsAt].IsNull()) {
    sums = args.buf(sumsAt, M_FLOAT);
    requireSameDtype(K, "x", x, "planeSums", *sums);
    requireLen(K, "planeSums", *sums, g.N * g.OC, true, "N*OC = " + std::to_string(g.N * g.OC));
  }
  if (info.Length() > maskAt && !info[maskAt].IsUndefined() && !info[maskAt].IsNull()) {
    mask = args.buf(maskAt, M_FLOAT);
    requireSameDtype(K, "x", x, "reluOut", *mask);
    requireLen(K, "reluOut", *mask, pooled, false, why);
  }
  return {sums, mask};
}

}  // namespace

// conv2dMaxPool2x2BackwardWeight(x, dy, argmax, dw, planeSums, p, reluOut): conv2dMaxPool2x2's
// weight gradient from its pooled output's gradient dy and winners, with the bits
// conv2dBackwardWeight gives on the dense gradient maxPool2dBackward(dy, argmax, reluOut)
// makes, and (planeSums, or null) each (n, k) plane's sum of that gradient as reduce gives
// it; the dense gradient is made a plane at a time in cache. Returns false where
// conv2dBackwardWeight would take another kernel than the direct one, or a winner lies
// outside its window (dw untouched; the caller then makes the dense gradient).
Napi::Value Conv2dMaxPool2x2BackwardWeight(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "dy", "argmax", "dw", "planeSums", "geometry", "reluOut"};
  const char* K = "conv2dMaxPool2x2BackwardWeight";
  Args args(info, K, 6, names);
  Geom g = parseGeom(K, args, 5);
  Buf x = args.buf(0, M_FLOAT), dy = args.buf(1, M_FLOAT), am = args.buf(2, M_I32), dw = args.buf(3, M_FLOAT);
  requireSameDtype(K, "x", x, "dw", dw);
  requireLen(K, "x", x, g.xN, false, geomStr("x", g));
  requireLen(K, "dw", dw, g.wN, true, geomStr("w", g));
  const auto [sums, mask] = pooledGradArgs(K, args, info, g, x, dy, am, 4, 6);
  const Napi::Env env = info.Env();
  // As convBackwardWeight chooses its kernel; reduce sums a long plane in chunks, in another order.
  if (x.dtype != DType::F32 || !useDirect(g) || !isa().directConvPooledWeightGrad3x3 || (sums && g.OHW >= kSumChunkedFrom))
    return Napi::Boolean::New(env, false);
  const bool done = isa().directConvPooledWeightGrad3x3(plain3x3(g), x.as<float>(), dy.as<float>(), am.as<int32_t>(), mask ? mask->as<float>() : nullptr,
                                                       dw.as<float>(), sums ? sums->as<float>() : nullptr);
  return Napi::Boolean::New(env, done);
}

// conv2dMaxPool2x2Backward(x, w, dy, argmax, dx, dw, planeSums, p, reluOut): conv2dMaxPool2x2's
// input and weight gradients from its pooled output's gradient dy and winners, with the bits
// conv2dBackwardInput and conv2dBackwardWeight give on the dense gradient
// maxPool2dBackward(dy, argmax, reluOut) makes, and planeSums as conv2dMaxPool2x2BackwardWeight
// gives them. The dense gradient is made an image at a time in cache, once for both.
// Returns false where those kernels would not both take the sparse path (sparse_conv.h), or
// a winner lies outside its window (dx, dw and planeSums then hold no result; the caller
// makes the dense gradient).
Napi::Value Conv2dMaxPool2x2Backward(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "w", "dy", "argmax", "dx", "dw", "planeSums", "geometry", "reluOut"};
  const char* K = "conv2dMaxPool2x2Backward";
  Args args(info, K, 8, names);
  Geom g = parseGeom(K, args, 7);
  Buf x = args.buf(0, M_FLOAT), w = args.buf(1, M_FLOAT), dy = args.buf(2, M_FLOAT), am = args.buf(3, M_I32);
  Buf dx = args.buf(4, M_FLOAT), dw = args.buf(5, M_FLOAT);
  requireSameDtype(K, "x", x, "w", w);
  requireSameDtype(K, "x", x, "dx", dx);
  requireSameDtype(K, "x", x, "dw", dw);
  requireLen(K, "x", x, g.xN, false, geomStr("x", g));
  requireLen(K, "w", w, g.wN, false, geomStr("w", g));
  requireLen(K, "dx", dx, g.xN, true, geomStr("x", g));
  requireLen(K, "dw", dw, g.wN, true, geomStr("w", g));
  const auto [sums, mask] = pooledGradArgs(K, args, info, g, x, dy, am, 6, 8);
  const Napi::Env env = info.Env();
  // As convBackwardInput and convBackwardWeight choose their kernels: the dense gradient has
  // at most one nonzero in four. Reduce sums a long plane in chunks, in another order.
  if (x.dtype != DType::F32 || !isa().sparseConvPooledBackward3x3 || (sums && g.OHW >= kSumChunkedFrom) ||
      !sparseShapeFor(g, w.as<float>(), g.wN) || !sparseShapeFor(g, x.as<float>(), g.xN))
    return Napi::Boolean::New(env, false);
  std::optional<InterruptWatch> watch;
  if (worthWatching(g)) watch.emplace();
  const bool done = isa().sparseConvPooledBackward3x3(plain3x3(g), x.as<float>(), w.as<float>(), dy.as<float>(), am.as<int32_t>(),
                                                     mask ? mask->as<float>() : nullptr, dx.as<float>(), dw.as<float>(),
                                                     sums ? sums->as<float>() : nullptr);
  if (watch) watch->throwIfInterrupted(env, "a convolution's gradients");
  return Napi::Boolean::New(env, done);
}

// ---- The column matrices of deterministic mode's convolutions (core/backend/det_conv.ts) ----
// Copies, and sums in the TypeScript's order: the same bits as its loops, on any thread count.

namespace {

template <class T>
void im2colGroup(const Geom& g, int64_t group, const T* x, T* cols) {
  const int64_t NP = g.N * g.OHW;
  parallel_for(g.CgKK, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const int64_t c = r / g.KK, kh = (r / g.KW) % g.KH, kw = r % g.KW;
      for (int64_t n = 0; n < g.N; n++) {
        const T* plane = x + (n * g.C + group * g.Cg + c) * g.HW;
        T* out = cols + r * NP + n * g.OHW;
        for (int64_t oh = 0; oh < g.OH; oh++) {
          const int64_t ih = oh * g.sH - g.pH + kh * g.dH;
          T* o = out + oh * g.OW;
          if (ih < 0 || ih >= g.H) {
            std::fill(o, o + g.OW, T(0));
            continue;
          }
          for (int64_t ow = 0; ow < g.OW; ow++) {
            const int64_t iw = ow * g.sW - g.pW + kw * g.dW;
            o[ow] = iw >= 0 && iw < g.W ? plane[ih * g.W + iw] : T(0);
          }
        }
      }
    }
  });
}

// Each input element gets its terms in the order of the rows (kernel row, then column) of
// its channel; channels are independent, so they go to the threads.
template <class T>
void col2imGroup(const Geom& g, int64_t group, const T* cols, double* acc) {
  const int64_t NP = g.N * g.OHW;
  parallel_for(g.Cg, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; c++)
      for (int64_t kh = 0; kh < g.KH; kh++)
        for (int64_t kw = 0; kw < g.KW; kw++) {
          const T* row = cols + ((c * g.KH + kh) * g.KW + kw) * NP;
          for (int64_t n = 0; n < g.N; n++) {
            double* plane = acc + (n * g.C + group * g.Cg + c) * g.HW;
            for (int64_t oh = 0; oh < g.OH; oh++) {
              const int64_t ih = oh * g.sH - g.pH + kh * g.dH;
              if (ih < 0 || ih >= g.H) continue;
              const T* in = row + n * g.OHW + oh * g.OW;
              for (int64_t ow = 0; ow < g.OW; ow++) {
                const int64_t iw = ow * g.sW - g.pW + kw * g.dW;
                if (iw >= 0 && iw < g.W) plane[ih * g.W + iw] += static_cast<double>(in[ow]);
              }
            }
          }
        }
  });
}

// The column matrix's size, checked: C/groups*KH*KW rows of N*OH*OW.
int64_t colsLen(const char* K, const Geom& g) { return mulChecked(K, "cols (C/groups*KH*KW*N*OH*OW)", {g.CgKK, g.N, g.OHW}); }

}  // namespace

// im2col(x, cols, geometry, group)
Napi::Value Im2col(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"x", "cols", "geometry", "group"};
  const char* K = "im2col";
  Args args(info, K, 4, names);
  Geom g = parseGeom(K, args, 2);
  const int64_t group = args.integer(3, 0, g.G - 1);
  Buf x = args.buf(0, M_FLOAT), cols = args.buf(1, M_FLOAT);
  requireSameDtype(K, "x", x, "cols", cols);
  requireLen(K, "x", x, g.xN, false, geomStr("x", g));
  requireLen(K, "cols", cols, colsLen(K, g), true, "C/groups*KH*KW*N*OH*OW");
  if (x.dtype == DType::F32) im2colGroup(g, group, x.as<float>(), cols.as<float>());
  else im2colGroup(g, group, x.as<double>(), cols.as<double>());
  return info.Env().Undefined();
}

// col2imAdd(cols, acc, geometry, group)
Napi::Value Col2imAdd(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"cols", "acc", "geometry", "group"};
  const char* K = "col2imAdd";
  Args args(info, K, 4, names);
  Geom g = parseGeom(K, args, 2);
  const int64_t group = args.integer(3, 0, g.G - 1);
  Buf cols = args.buf(0, M_FLOAT), acc = args.buf(1, M_F64);
  requireLen(K, "cols", cols, colsLen(K, g), true, "C/groups*KH*KW*N*OH*OW");
  requireLen(K, "acc", acc, g.xN, true, geomStr("x", g));
  if (cols.dtype == DType::F32) col2imGroup(g, group, cols.as<float>(), acc.as<double>());
  else col2imGroup(g, group, cols.as<double>(), acc.as<double>());
  return info.Env().Undefined();
}

}  // namespace gradlab
