#include "isa_unit.h"
#include "direct_conv.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "simd.h"
#include "stream_store.h"

#include "pool.h"
#include "reduce.h"
#include "scratch.h"
#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

#if defined(__AVX2__)

// pool_rows.cc, of this path: one pooled row, whole on the AVX2 and AVX-512 paths.
int64_t maxPool2x2Row(const float* r0, const float* r1, int64_t OW, int32_t base, int32_t W, float* y, int32_t* am, bool spill);

namespace {

// A step: 4 output channels x 2 output rows x kCols columns; each input vector loaded
// serves 4 channels and up to two output rows.
constexpr int64_t kBlock = 4;
// A padded plane is followed by one zero row (the second output row of an odd last pair
// reads it) and 32 floats that loads at a row's end may read (masked off when stored).
inline int64_t padFloats(const Conv3x3Geom& g) { return g.C * (g.H + 2 * g.pH) * (g.W + 2 * g.pW) + (g.W + 2 * g.pW) + 32; }

#if defined(__AVX512F__)
// 32 columns in two zmm per row: 16 accumulators, tap by tap as the AVX2 step below (its
// comment says why the loops are written so).
constexpr int64_t kCols = 32;
template <int64_t kOW>
inline void step(const Conv3x3Geom& g, const float* pad, int64_t plane, const float* wk, int64_t oh, int64_t rows, int64_t ow,
                 int64_t kb, const float* bk, float* tmp) {
  // The geometry in locals: the barrier below would make every tap reload it from g.
  // A padded row is 2 floats longer than an output row (stride 1, 3 wide: OW = W + 2 pW - 2).
  const int64_t C = g.C, OH = g.OH, OW = kOW ? kOW : g.OW, Wp = OW + 2;
  const __mmask16 m0 = firstLanes(OW - ow), m1 = firstLanes(OW - ow - 16);
  __m512 acc[kBlock][2][2];
#pragma GCC unroll 4
  for (int kk = 0; kk < kBlock; kk++) acc[kk][0][0] = acc[kk][0][1] = acc[kk][1][0] = acc[kk][1][1] = _mm512_setzero_ps();
  const float* base = pad + oh * Wp + ow;
  for (int64_t c = 0; c < C; c++, base += plane) {
    const float* wc = wk + c * 9 * kBlock;
#pragma GCC unroll 3
    for (int fi = 0; fi < 3; fi++) {
      const float* row = base + fi * Wp;
#pragma GCC unroll 3
      for (int j = 0; j < 3; j++) {
        __asm__ volatile("" ::: "memory");
        // Input row oh + fi feeds output row oh with filter row fi; row oh + fi + 1 feeds oh + 1.
        const __m512 a0 = _mm512_loadu_ps(row + j), a1 = _mm512_loadu_ps(row + j + 16);
        const __m512 b0 = _mm512_loadu_ps(row + Wp + j), b1 = _mm512_loadu_ps(row + Wp + j + 16);
        const float* wt = wc + (fi * 3 + j) * kBlock;
#pragma GCC unroll 4
        for (int kk = 0; kk < kBlock; kk++) {
          const __m512 wv = _mm512_set1_ps(wt[kk]);
          acc[kk][0][0] = _mm512_fmadd_ps(wv, a0, acc[kk][0][0]);
          acc[kk][0][1] = _mm512_fmadd_ps(wv, a1, acc[kk][0][1]);
          acc[kk][1][0] = _mm512_fmadd_ps(wv, b0, acc[kk][1][0]);
          acc[kk][1][1] = _mm512_fmadd_ps(wv, b1, acc[kk][1][1]);
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int kk = 0; kk < kBlock; kk++) {
    if (kk >= kb) break;
    // The bias after the sum: the bits of a separate add.
    const __m512 b = _mm512_set1_ps(bk ? bk[kk] : 0.0f);
#pragma GCC unroll 2
    for (int r = 0; r < 2; r++) {
      if (r >= rows) break;
      if (bk) acc[kk][r][0] = _mm512_add_ps(acc[kk][r][0], b), acc[kk][r][1] = _mm512_add_ps(acc[kk][r][1], b);
      float* dst = tmp + (kk * OH + oh + r) * OW + ow;
      _mm512_mask_storeu_ps(dst, m0, acc[kk][r][0]);
      if (m1) _mm512_mask_storeu_ps(dst + 16, m1, acc[kk][r][1]);
    }
  }
}
#else
// 8 columns in one ymm per row: 8 accumulators (16 would not leave registers for the
// input and the broadcast weight). Every loop over them is unrolled, with constant bounds:
// one with a run-time bound made GCC keep them on the stack, a load and a store around
// every multiply-add (measured: the course's first layer at 1.19 ms a batch, against 0.66
// on the AVX-512 path of the same Zen 4, whose 512-bit units are two 256-bit halves).
constexpr int64_t kCols = 8;
template <int64_t kOW>
inline void step(const Conv3x3Geom& g, const float* pad, int64_t plane, const float* wk, int64_t oh, int64_t rows, int64_t ow,
                 int64_t kb, const float* bk, float* tmp) {
  // The geometry in locals: the barrier below would make every tap reload it from g.
  // A padded row is 2 floats longer than an output row (stride 1, 3 wide: OW = W + 2 pW - 2).
  const int64_t C = g.C, OH = g.OH, OW = kOW ? kOW : g.OW, Wp = OW + 2;
  const __m256i m = firstLanes8(OW - ow);
  __m256 acc[kBlock][2];
#pragma GCC unroll 4
  for (int kk = 0; kk < kBlock; kk++) acc[kk][0] = acc[kk][1] = _mm256_setzero_ps();
  const float* base = pad + oh * Wp + ow;
  for (int64_t c = 0; c < C; c++, base += plane) {
    const float* wc = wk + c * 9 * kBlock;
    // Tap by tap: its 4 weights broadcast once, applied to the two output rows' inputs.
#pragma GCC unroll 3
    for (int fi = 0; fi < 3; fi++) {
      const float* row = base + fi * Wp;
#pragma GCC unroll 3
      for (int j = 0; j < 3; j++) {
        // Without this the compiler keeps the 12 input rows and 36 weights it sees
        // reused across taps in registers, and spills the accumulators instead.
        __asm__ volatile("" ::: "memory");
        const __m256 v0 = _mm256_loadu_ps(row + j), v1 = _mm256_loadu_ps(row + Wp + j);
        const float* wt = wc + (fi * 3 + j) * kBlock;
#pragma GCC unroll 4
        for (int kk = 0; kk < kBlock; kk++) {
          const __m256 wv = _mm256_broadcast_ss(wt + kk);
          acc[kk][0] = _mm256_fmadd_ps(wv, v0, acc[kk][0]);
          acc[kk][1] = _mm256_fmadd_ps(wv, v1, acc[kk][1]);
        }
      }
    }
  }
#pragma GCC unroll 4
  for (int kk = 0; kk < kBlock; kk++) {
    if (kk >= kb) break;
    // The bias after the sum: the bits of a separate add.
    const __m256 b = _mm256_set1_ps(bk ? bk[kk] : 0.0f);
#pragma GCC unroll 2
    for (int r = 0; r < 2; r++) {
      if (r >= rows) break;
      if (bk) acc[kk][r] = _mm256_add_ps(acc[kk][r], b);
      // A masked store only where the row ends (microcoded on AMD's cores).
      float* dst = tmp + (kk * OH + oh + r) * OW + ow;
      if (OW - ow >= 8) _mm256_storeu_ps(dst, acc[kk][r]);
      else _mm256_maskstore_ps(dst, m, acc[kk][r]);
    }
  }
}

// A row whose width leaves 4 columns after its steps of 8 (28: MNIST's first layer): the
// last 4 columns of both output rows in one vector, rather than a step of 8 that computes
// 4 columns again. Its 4 multiply-adds a tap go to two accumulators per channel (taps
// alternating), so that 8 chains keep both units busy as a full step's do. (The course's
// first layer on the avx2 path: 195-199 us a call into a warm output, 186-193 with it.)
template <int64_t kOW>
inline void stepTail4(const Conv3x3Geom& g, const float* pad, int64_t plane, const float* wk, int64_t oh, int64_t rows, int64_t kb,
                      const float* bk, float* tmp) {
  const int64_t C = g.C, OH = g.OH, OW = kOW ? kOW : g.OW, Wp = OW + 2, ow = OW - 4;
  __m256 acc[kBlock][2];
#pragma GCC unroll 4
  for (int kk = 0; kk < kBlock; kk++) acc[kk][0] = acc[kk][1] = _mm256_setzero_ps();
  const float* base = pad + oh * Wp + ow;
  for (int64_t c = 0; c < C; c++, base += plane) {
    const float* wc = wk + c * 9 * kBlock;
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++) {
      __asm__ volatile("" ::: "memory");  // as in step: the accumulators stay in registers
      const float* row = base + (t / 3) * Wp + t % 3;
      // Lanes 0-3: output row oh; 4-7: row oh + 1 (the input row below; the zero row after
      // the plane where oh + 1 is past the end).
      const __m256 v = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(row)), _mm_loadu_ps(row + Wp), 1);
      const float* wt = wc + t * kBlock;
#pragma GCC unroll 4
      for (int kk = 0; kk < kBlock; kk++) acc[kk][t & 1] = _mm256_fmadd_ps(_mm256_broadcast_ss(wt + kk), v, acc[kk][t & 1]);
    }
  }
#pragma GCC unroll 4
  for (int kk = 0; kk < kBlock; kk++) {
    if (kk >= kb) break;
    __m256 sum = _mm256_add_ps(acc[kk][0], acc[kk][1]);
    if (bk) sum = _mm256_add_ps(sum, _mm256_set1_ps(bk[kk]));  // the bias after the sum, as in step
    float* dst = tmp + (kk * OH + oh) * OW + ow;
    _mm_storeu_ps(dst, _mm256_castps256_ps128(sum));
    if (rows > 1) _mm_storeu_ps(dst + OW, _mm256_extractf128_ps(sum, 1));
  }
}
#endif

// A row of an image into the padded frame, inline: memmove's call costs more than the copy
// for rows of 28. Full-width stores only, the last one ending at the row's end over the one
// before (one past it would write into the zero border beside the row).
inline void copyRow(const float* src, float* dst, int64_t n) {
  if (n < 8) return void(std::copy(src, src + n, dst));
  for (int64_t i = 0; i + 8 < n; i += 8) _mm256_storeu_ps(dst + i, _mm256_loadu_ps(src + i));
  _mm256_storeu_ps(dst + n - 8, _mm256_loadu_ps(src + n - 8));
}

// The 2x2 stride-2 max pooling of `planes` planes of H x W (floor-sized), by this path's
// row kernel (pool_rows.cc), whose vector rows are whole on the paths with a direct
// kernel; as pool.cc's maxPool2x2 (the same values and winners), without its per-call setup.
void poolPlanes(const float* x, int64_t planes, int64_t H, int64_t W, float* y, int32_t* am) {
  const int64_t OH = H / 2, OW = W / 2;
  for (int64_t pl = 0; pl < planes; pl++)
    for (int64_t oh = 0; oh < OH; oh++) {
      const float* r0 = x + (pl * H + 2 * oh) * W;
      // Spilling as pool.cc allows it: the plane's next rows (or the next plane's) follow
      // and are written after.
      const bool spill = (oh + 1 < OH || pl + 1 < planes) && 3 * W >= 16 && 2 * OW >= 8;
      maxPool2x2Row(r0, r0 + W, OW, static_cast<int32_t>(2 * oh * W), static_cast<int32_t>(W), y + (pl * OH + oh) * OW,
                    am + (pl * OH + oh) * OW, spill);
    }
}

// One image: its planes into the padded frame (whose zero border the caller cleared once
// for all its images), then each pair of rows of each block of output channels.
// `stream`: y is a cold block (stream_store.h). With `am`: y and am are the image's pooled
// planes and winners, each block's planes pooled out of tmp (L1) as soon as they are made.
// kOW: the output width when it is known at compile time (0: read from g), see directConv3x3.
template <int64_t kOW>
void image(const Conv3x3Geom& g, const float* x, const float* wb, const float* bias, float* y, int32_t* am, float* pad, float* tmp,
           bool stream) {
  const int64_t OW = kOW ? kOW : g.OW;
  const int64_t Hp = g.H + 2 * g.pH, Wp = g.W + 2 * g.pW, plane = Hp * Wp;
  for (int64_t c = 0; c < g.C; c++)
    for (int64_t h = 0; h < g.H; h++) copyRow(x + (c * g.H + h) * g.W, pad + c * plane + (h + g.pH) * Wp + g.pW, g.W);
  const int64_t taps = g.C * 9, outPlane = g.OH * OW;
  for (int64_t k0 = 0; k0 < g.K; k0 += kBlock) {
    const int64_t kb = std::min(kBlock, g.K - k0);
    const float* wk = wb + k0 * taps;  // [c][i][j][kBlock] for this block
    float* out = y + k0 * (am ? (g.OH / 2) * (OW / 2) : outPlane);
    // Streaming: each plane's rows go out as soon as they are done, whole 64-byte lines
    // at a time (the rest of a line waits for the next rows), so the writes to memory
    // overlap the arithmetic instead of following it (measured on the course's first
    // layer, where the output's 6.4 MB take as long to write as to compute).
    int64_t sent[kBlock] = {0, 0, 0, 0};
    const auto flush = [&](int64_t doneRows, bool last) {
      for (int64_t kk = 0; kk < kb; kk++) {
        float* dst = out + kk * outPlane;
        int64_t upTo = doneRows * OW;
        if (!last) upTo = (int64_t((reinterpret_cast<uintptr_t>(dst + upTo) & ~uintptr_t(63)) - reinterpret_cast<uintptr_t>(dst))) / int64_t(sizeof(float));
        if (upTo <= sent[kk]) continue;
        streamCopy(dst + sent[kk], tmp + kk * outPlane + sent[kk], upTo - sent[kk]);
        sent[kk] = upTo;
      }
    };
    for (int64_t oh = 0; oh < g.OH; oh += 2) {
      const int64_t rows = std::min<int64_t>(2, g.OH - oh);
      const float* bk = bias ? bias + k0 : nullptr;
#if !defined(__AVX512F__)
      if (OW % kCols == 4 && OW > kCols) {
        for (int64_t ow = 0; ow + kCols <= OW; ow += kCols) step<kOW>(g, pad, plane, wk, oh, rows, ow, kb, bk, tmp);
        stepTail4<kOW>(g, pad, plane, wk, oh, rows, kb, bk, tmp);
        if (stream) flush(std::min<int64_t>(oh + 2, g.OH), oh + 2 >= g.OH);
        continue;
      }
#endif
      for (int64_t ow0 = 0; ow0 < OW; ow0 += kCols) {
        // A row's last step ends at the row's end, overlapping the one before (same
        // values written twice) rather than storing through masks.
        const int64_t ow = OW - ow0 < kCols && OW >= kCols ? OW - kCols : ow0;
        step<kOW>(g, pad, plane, wk, oh, rows, ow, kb, bk, tmp);
      }
      if (stream) flush(std::min<int64_t>(oh + 2, g.OH), oh + 2 >= g.OH);
    }
    // The block's planes are adjacent in y: one sequential copy out of L1, or their pooling.
    if (am) poolPlanes(tmp, kb, g.OH, OW, out, am + k0 * (g.OH / 2) * (OW / 2));
    else if (!stream) std::copy(tmp, tmp + kb * outPlane, out);
  }
}

}  // namespace

void directConv3x3(const Conv3x3Geom& g, const float* x, const float* w, const float* bias, float* y, int32_t* am) {
  // Weights by block of output channels, then tap, then channel in the block (0 past K).
  const int64_t taps = g.C * 9, blocks = (g.K + kBlock - 1) / kBlock;
  std::vector<float> wb(static_cast<size_t>(blocks * kBlock * taps), 0.0f);
  for (int64_t k = 0; k < g.K; k++)
    for (int64_t t = 0; t < taps; t++) wb[((k / kBlock) * taps + t) * kBlock + k % kBlock] = w[k * taps + t];
  const int64_t perImage = am ? g.K * (g.OH / 2) * (g.OW / 2) : g.K * g.OH * g.OW;
  const bool stream = !am && shouldStream(y, size_t(g.N * g.K * g.OH * g.OW) * sizeof(float));
  // The widths of the usual first layers (28: MNIST and Fashion-MNIST, 32: CIFAR) compiled
  // as constants: the row addresses and the steps along a row are then fixed (the course's
  // first layer on the avx2 path: 216 us a call against 232 with the width read at run time).
  const auto run = g.OW == 28 ? image<28> : g.OW == 32 ? image<32> : image<0>;
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    Scratch<float> pad(0, padFloats(g)), tmp(1, kBlock * g.OH * g.OW + 16);
    std::fill(pad.data(), pad.data() + padFloats(g), 0.0f);  // the border; each image writes the inside
    for (int64_t n = b; n < e; n++)
      run(g, x + n * g.C * g.H * g.W, wb.data(), bias, y + n * perImage, am ? am + n * perImage : nullptr, pad.data(), tmp.data(), stream);
    if (stream) streamFence();
  });
}

namespace {

// Images per group of the weight gradient: each group's sum is made by one thread, and the
// groups' sums are added in order, so the result does not depend on the number of threads.
constexpr int64_t kGradGroup = 4;

// The 9 taps of (k, c) over one image: acc[3i + j] += dy[k] * frame[c] shifted by (i, j),
// 8 output columns a step; a row's last step of fewer than 8 zeroes its other lanes in dy
// and in x (which there reads the next row: 0 * Inf would be NaN).
inline void gradTaps(const Conv3x3Geom& g, const float* dyk, const float* frame, int64_t Wp, __m256 (&acc)[9], bool lastPlane) {
  const int64_t OH = g.OH, OW = g.OW, full = OW / 8 * 8;
  const __m256i tailMask = firstLanes8(OW - full);
  const __m256 tail = _mm256_castsi256_ps(tailMask);
  for (int64_t oh = 0; oh < OH; oh++) {
    const float* d = dyk + oh * OW;
    const float* f = frame + oh * Wp;
    for (int64_t ow = 0; ow < full; ow += 8) {
      const __m256 dv = _mm256_loadu_ps(d + ow);
#pragma GCC unroll 3
      for (int i = 0; i < 3; i++)
#pragma GCC unroll 3
        for (int j = 0; j < 3; j++) acc[3 * i + j] = _mm256_fmadd_ps(dv, _mm256_loadu_ps(f + i * Wp + ow + j), acc[3 * i + j]);
    }
    if (full < OW) {
      // The buffer's very last row has nothing after it: a masked load there only.
      const __m256 dv = lastPlane && oh == OH - 1 ? _mm256_maskload_ps(d + full, tailMask) : _mm256_and_ps(_mm256_loadu_ps(d + full), tail);
#pragma GCC unroll 3
      for (int i = 0; i < 3; i++)
#pragma GCC unroll 3
        for (int j = 0; j < 3; j++)
          acc[3 * i + j] = _mm256_fmadd_ps(dv, _mm256_and_ps(_mm256_loadu_ps(f + i * Wp + full + j), tail), acc[3 * i + j]);
    }
  }
}

// The weight gradient over fixed groups of images. planeOf(n, k, buf) gives image n's
// gradient plane of channel k (buf: planeFloats floats it may use), or null to stop: then
// false, dw unwritten.
template <class PlaneOf>
bool weightGradGroups(const Conv3x3Geom& g, const float* x, float* dw, int64_t planeFloats, PlaneOf&& planeOf) {
  const int64_t taps = g.C * 9, wN = g.K * taps;
  if (g.N == 0) return std::fill(dw, dw + wN, 0.0f), true;
  const int64_t Hp = g.H + 2 * g.pH, Wp = g.W + 2 * g.pW, plane = Hp * Wp, frameFloats = padFloats(g);
  const int64_t groups = (g.N + kGradGroup - 1) / kGradGroup;
  std::vector<float> partial(static_cast<size_t>(groups * wN));
  std::atomic<bool> stopped{false};
  parallel_for(groups, 1, [&](int64_t gb, int64_t ge) {
    // The group's images padded (their frames' zero borders cleared once).
    Scratch<float> frames(0, kGradGroup * frameFloats), bufs(1, kGradGroup * planeFloats);
    std::fill(frames.data(), frames.data() + kGradGroup * frameFloats, 0.0f);
    for (int64_t grp = gb; grp < ge; grp++) {
      const int64_t n0 = grp * kGradGroup, nb = std::min(kGradGroup, g.N - n0);
      for (int64_t i = 0; i < nb; i++)
        for (int64_t c = 0; c < g.C; c++)
          for (int64_t h = 0; h < g.H; h++)
            copyRow(x + (((n0 + i) * g.C + c) * g.H + h) * g.W, frames.data() + i * frameFloats + c * plane + (h + g.pH) * Wp + g.pW, g.W);
      for (int64_t k = 0; k < g.K; k++) {
        const float* dyk[kGradGroup];
        for (int64_t i = 0; i < nb; i++)
          if (!(dyk[i] = planeOf(n0 + i, k, bufs.data() + i * planeFloats))) return stopped.store(true);
        for (int64_t c = 0; c < g.C; c++) {
          __m256 acc[9];
#pragma GCC unroll 9
          for (int t = 0; t < 9; t++) acc[t] = _mm256_setzero_ps();
          for (int64_t i = 0; i < nb; i++)
            gradTaps(g, dyk[i], frames.data() + i * frameFloats + c * plane, Wp, acc, n0 + i == g.N - 1 && k == g.K - 1);
          float* out = partial.data() + grp * wN + (k * g.C + c) * 9;
          for (int t = 0; t < 9; t++) {
            alignas(32) float l[8];
            _mm256_store_ps(l, acc[t]);
            out[t] = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
          }
        }
      }
    }
  });
  if (stopped.load()) return false;
  for (int64_t i = 0; i < wN; i++) {
    float s = partial[i];
    for (int64_t grp = 1; grp < groups; grp++) s += partial[grp * wN + i];
    dw[i] = s;
  }
  return true;
}

}  // namespace

void directConvWeightGrad3x3(const Conv3x3Geom& g, const float* x, const float* dy, float* dw) {
  weightGradGroups(g, x, dw, 0, [&](int64_t n, int64_t k, float*) { return dy + (n * g.K + k) * g.OH * g.OW; });
}

bool directConvPooledWeightGrad3x3(const Conv3x3Geom& g, const float* x, const float* dyPooled, const int32_t* am, const float* mask, float* dw,
                                   float* planeSums) {
  const int64_t PH = g.OH / 2, PW = g.OW / 2, outPlane = g.OH * g.OW;
  // Each dense gradient plane as maxPool2dBackward writes it, made in L1 rather than in
  // memory (and room after it for the row kernel's spilled stores); its sum as reduce makes it.
  return weightGradGroups(g, x, dw, outPlane + 16, [&](int64_t n, int64_t k, float* buf) -> const float* {
    const int64_t at = (n * g.K + k) * PH * PW;
    // Its last rows may spill into the room after it, and read past its pooled rows, but in
    // the inputs' very last plane.
    const bool more = n < g.N - 1 || k < g.K - 1;
    if (!maxPool2x2BackwardPlane(g.OH, g.OW, PH, PW, dyPooled + at, am + at, mask ? mask + at : nullptr, buf, more)) return nullptr;
    if (planeSums) planeSums[n * g.K + k] = static_cast<float>(sumContiguousFloats(buf, outPlane));
    return buf;
  });
}

#endif

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
