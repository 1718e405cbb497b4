#include "isa_unit.h"
#include "sparse_conv.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "interrupt_flag.h"
#include "pool.h"
#include "reduce.h"
#include "scratch.h"
#include "simd.h"
#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

#if defined(__AVX2__)

namespace {

// A run: 96 floats of a patch row (3 taps x 32 channels), 12 ymm accumulators that stay in
// registers while every nonzero of one position adds to them. Channels are padded to 32,
// so that a patch row (3 taps of Cp channels, contiguous in the frame and in the filters'
// copy) is whole runs.
constexpr int64_t kRun = 96;
constexpr int64_t kRunVecs = kRun / 8;
inline int64_t padChannels(int64_t c) { return (c + 31) / 32 * 32; }

// The 8x8 transpose of r[0..7] in place.
inline void transpose8(__m256 (&r)[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20), r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20), r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31), r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31), r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// One image's dy[K][HW] by position: byPos[p][k] (K padded to Kp, a multiple of 8, with
// zeros), and each position's nonzeros (NaN included) as bits[p][k / 64] bit k % 64.
void byPosition(const float* dyn, int64_t K, int64_t HW, int64_t Kp, int64_t words, float* byPos, uint64_t* bits) {
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t k0 = 0; k0 < Kp; k0 += 8)
    for (int64_t p0 = 0; p0 < HW; p0 += 8) {
      const int64_t np = std::min<int64_t>(8, HW - p0);
      const __m256i m = firstLanes8(np);  // a plane's last block stops at its end
      __m256 r[8];
#pragma GCC unroll 8
      for (int q = 0; q < 8; q++) r[q] = k0 + q < K ? _mm256_maskload_ps(dyn + (k0 + q) * HW + p0, m) : zero;
      transpose8(r);
      for (int64_t q = 0; q < np; q++) _mm256_storeu_ps(byPos + (p0 + q) * Kp + k0, r[q]);
    }
  for (int64_t p = 0; p < HW; p++) {
    const float* row = byPos + p * Kp;
    for (int64_t wd = 0; wd < words; wd++) {
      uint64_t b = 0;
      for (int64_t q = 0; q < 8 && wd * 64 + q * 8 < Kp; q++)
        b |= uint64_t(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + wd * 64 + q * 8), zero, _CMP_NEQ_UQ))) << (8 * q);
      bits[p * words + wd] = b;
    }
  }
}

// at[0, kRun) (a run of a patch row) += each nonzero of the position (bits, values in
// vals) times its output channel's filter run (wr + k * kStride), in channel order. The
// weight gradient's loop below has the same shape; one template for both, the terms
// passed in by a lambda, kept the run in memory (1.29 -> 1.60 ms a call, measured).
inline void addNonzeros(float* at, const uint64_t* bits, int64_t words, const float* vals, const float* wr, int64_t kStride) {
  __m256 acc[kRunVecs];
#pragma GCC unroll 12
  for (int u = 0; u < kRunVecs; u++) acc[u] = _mm256_loadu_ps(at + 8 * u);
  for (int64_t wd = 0; wd < words; wd++)
    for (uint64_t m = bits[wd]; m; m &= m - 1) {
      const int64_t k = wd * 64 + __builtin_ctzll(m);
      const __m256 v = _mm256_set1_ps(vals[k]);
      const float* wt = wr + k * kStride;
#pragma GCC unroll 12
      for (int u = 0; u < kRunVecs; u++) acc[u] = _mm256_fmadd_ps(v, _mm256_loadu_ps(wt + 8 * u), acc[u]);
    }
#pragma GCC unroll 12
  for (int u = 0; u < kRunVecs; u++) _mm256_storeu_ps(at + 8 * u, acc[u]);
}

// The filters for the input gradient, by output channel, then filter row: its 3 taps and
// their channels in one run, as a patch row of the frame lies: wr[k * kStride + (i * 3 + j) *
// Cp + c], 0 past C.
std::vector<float> filtersByRow(const Conv3x3Geom& g, const float* w) {
  const int64_t C = g.C, K = g.K, Cp = padChannels(C), kStride = 9 * Cp;
  std::vector<float> wr(static_cast<size_t>(K * kStride), 0.0f);
  for (int64_t k = 0; k < K; k++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t t = 0; t < 9; t++) wr[static_cast<size_t>(k * kStride + t * Cp + c)] = w[(k * C + c) * 9 + t];
  return wr;
}

// An image's input gradient dxn[C][H][W] from its dy by position (byPosition), summed in
// frame f (FH * FW * Cp floats) of channel-last positions: row r, column s is dx's (r - pH,
// s - pW), so that dy's (i, j) adds its taps to rows i..i+2, columns j..j+2, all inside.
void inputGradImage(const Conv3x3Geom& g, const float* byPos, const uint64_t* bits, const float* wr, float* f, float* dxn) {
  const int64_t C = g.C, K = g.K, OH = g.OH, OW = g.OW, Cp = padChannels(C);
  const int64_t Kp = (K + 7) / 8 * 8, words = (K + 63) / 64;
  const int64_t FH = OH + 2, FW = OW + 2, rowFloats = 3 * Cp, kStride = 9 * Cp;
  std::fill(f, f + FH * FW * Cp, 0.0f);
  for (int64_t i = 0; i < OH; i++)
    for (int64_t j = 0; j < OW; j++) {
      const int64_t p = i * OW + j;
      const uint64_t* pb = bits + p * words;
      uint64_t any = 0;
      for (int64_t wd = 0; wd < words; wd++) any |= pb[wd];
      if (!any) continue;
      for (int64_t t = 0; t < 3; t++) {
        float* at = f + ((i + t) * FW + j) * Cp;
        for (int64_t q = 0; q < rowFloats; q += kRun) addNonzeros(at + q, pb, words, byPos + p * Kp, wr + t * rowFloats + q, kStride);
      }
    }
  // Out of the frame, channel-first.
  for (int64_t c = 0; c < C; c++)
    for (int64_t r = 0; r < g.H; r++) {
      const float* src = f + ((r + g.pH) * FW + g.pW) * Cp + c;
      float* dst = dxn + (c * g.H + r) * g.W;
      for (int64_t s = 0; s < g.W; s++) dst[s] = src[s * Cp];
    }
}

// ---- Weight gradient ----

// Images per group of the weight gradient: each group's sum is made by one thread, in
// order, and the groups' sums are added in order: the bits do not depend on the number of
// threads.
constexpr int64_t kGradGroup = 4;

// Image xn[C][H][W] channel-last and padded into frame f: row r, column s is x's (r - pH,
// s - pW), 0 outside.
void frameOf(const Conv3x3Geom& g, const float* xn, float* f) {
  const int64_t C = g.C, Cp = padChannels(C), FW = g.OW + 2;
  std::fill(f, f + (g.OH + 2) * FW * Cp, 0.0f);
  for (int64_t c = 0; c < C; c++)
    for (int64_t r = 0; r < g.H; r++) {
      const float* src = xn + (c * g.H + r) * g.W;
      float* dst = f + ((r + g.pH) * FW + g.pW) * Cp + c;
      for (int64_t s = 0; s < g.W; s++) dst[s * Cp] = src[s];
    }
}

// Where each position's patch starts in the frame; 0 past the last position (whole blocks of 8).
std::vector<int32_t> patchStarts(const Conv3x3Geom& g) {
  const int64_t Cp = padChannels(g.C), FW = g.OW + 2, HW = g.OH * g.OW;
  std::vector<int32_t> at(static_cast<size_t>((HW + 7) / 8 * 8), 0);
  for (int64_t i = 0; i < g.OH; i++)
    for (int64_t j = 0; j < g.OW; j++) at[static_cast<size_t>(i * g.OW + j)] = static_cast<int32_t>((i * FW + j) * Cp);
  return at;
}

// For each 8-bit mask, the indices of its set bits first, in order: a permutation that
// packs the lanes a compare selected to the front of a vector.
struct PackTable {
  alignas(32) int32_t lanes[256][8];
  constexpr PackTable() : lanes{} {
    for (int b = 0; b < 256; b++) {
      int n = 0;
      for (int i = 0; i < 8; i++)
        if (b >> i & 1) lanes[b][n++] = i;
    }
  }
};
constexpr PackTable kPack;

// part[k * kStride + (i * 3 + j) * Cp + c] += an image's terms: each nonzero of its dy
// dyn[K][OH][OW] (in position order) times the patch of its x's frame f under it.
// offs, vals: room for a plane's nonzeros and 8 more (OH * OW + 8 each).
void weightGradImage(const Conv3x3Geom& g, const float* f, const float* dyn, const int32_t* patchAt, int32_t* offs, float* vals, float* part) {
  const int64_t K = g.K, HW = g.OH * g.OW, Cp = padChannels(g.C);
  const int64_t FW = g.OW + 2, rowFloats = 3 * Cp, kStride = 9 * Cp;
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k++) {
    // The plane's nonzeros (NaN included), in position order, packed 8 positions at a time
    // without a branch per nonzero (a branch on random data mispredicts: 34 -> 23 us an
    // image, measured).
    const float* plane = dyn + k * HW;
    int64_t m = 0;
    for (int64_t p0 = 0; p0 < HW; p0 += 8) {
      const __m256 v = _mm256_maskload_ps(plane + p0, firstLanes8(HW - p0));
      const uint32_t sel = uint32_t(_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_NEQ_UQ)));
      const __m256i perm = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPack.lanes[sel]));
      _mm256_storeu_ps(vals + m, _mm256_permutevar8x32_ps(v, perm));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(offs + m),
                          _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(patchAt + p0)), perm));
      m += __builtin_popcount(sel);
    }
    if (m == 0) continue;
    float* pk = part + k * kStride;
    for (int64_t t = 0; t < 3; t++)
      for (int64_t q = 0; q < rowFloats; q += kRun) {
        float* at = pk + t * rowFloats + q;
        const float* fr = f + t * FW * Cp + q;
        __m256 acc[kRunVecs];
#pragma GCC unroll 12
        for (int u = 0; u < kRunVecs; u++) acc[u] = _mm256_loadu_ps(at + 8 * u);
        for (int64_t z = 0; z < m; z++) {
          const __m256 v = _mm256_set1_ps(vals[z]);
          const float* xr = fr + offs[z];
#pragma GCC unroll 12
          for (int u = 0; u < kRunVecs; u++) acc[u] = _mm256_fmadd_ps(v, _mm256_loadu_ps(xr + 8 * u), acc[u]);
        }
#pragma GCC unroll 12
        for (int u = 0; u < kRunVecs; u++) _mm256_storeu_ps(at + 8 * u, acc[u]);
      }
  }
}

// dw[k][c][i][j] = the groups' sums (parts, each K * kStride) added in order (whole rows at
// a time, which the compiler vectorises).
void addGroups(const Conv3x3Geom& g, const float* parts, int64_t groups, float* dw) {
  const int64_t C = g.C, K = g.K, kStride = 9 * padChannels(C);
  std::vector<float> total(static_cast<size_t>(K * kStride), 0.0f);
  for (int64_t grp = 0; grp < groups; grp++) {
    const float* src = parts + grp * K * kStride;
    for (int64_t i = 0; i < K * kStride; i++) total[static_cast<size_t>(i)] += src[i];
  }
  for (int64_t k = 0; k < K; k++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t t = 0; t < 9; t++) dw[(k * C + c) * 9 + t] = total[static_cast<size_t>(k * kStride + t * padChannels(C) + c)];
}

// A 64-byte aligned carve of a scratch block: n elements of T at `used` bytes, which moves on.
template <class T>
T* carve(unsigned char* base, size_t& used, int64_t n) {
  T* p = reinterpret_cast<T*>(base + used);
  used += (sizeof(T) * static_cast<size_t>(n) + 63) / 64 * 64;
  return p;
}

}  // namespace

void sparseConvBackwardInput3x3(const Conv3x3Geom& g, const float* dy, const float* w, float* dx) {
  const int64_t C = g.C, K = g.K, HW = g.OH * g.OW, Cp = padChannels(C);
  const int64_t Kp = (K + 7) / 8 * 8, words = (K + 63) / 64;
  const std::vector<float> wr = filtersByRow(g, w);
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    Scratch<float> frame(0, (g.OH + 2) * (g.OW + 2) * Cp);
    Scratch<float> positions(1, HW * Kp + 2 * HW * words);
    float* byPos = positions.data();
    uint64_t* bits = reinterpret_cast<uint64_t*>(byPos + HW * Kp);  // HW * Kp is a multiple of 8 floats
    for (int64_t n = b; n < e && !interruptRequested(); n++) {
      byPosition(dy + n * K * HW, K, HW, Kp, words, byPos, bits);
      inputGradImage(g, byPos, bits, wr.data(), frame.data(), dx + n * C * g.H * g.W);
    }
  });
}

void sparseConvBackwardWeight3x3(const Conv3x3Geom& g, const float* x, const float* dy, float* dw) {
  const int64_t C = g.C, K = g.K, HW = g.OH * g.OW, kStride = 9 * padChannels(C);
  const int64_t groups = (g.N + kGradGroup - 1) / kGradGroup;
  // Each group's sums by output channel, then filter row (cleared by the group's thread).
  std::unique_ptr<float[]> parts(new float[static_cast<size_t>(groups * K * kStride)]);
  const std::vector<int32_t> patchAt = patchStarts(g);
  parallel_for(groups, 1, [&](int64_t b, int64_t e) {
    Scratch<float> frame(0, (g.OH + 2) * (g.OW + 2) * padChannels(C));
    Scratch<int32_t> lists(1, 2 * (HW + 8));  // a plane's nonzeros: where their patches start, and their values
    int32_t* offs = lists.data();
    float* vals = reinterpret_cast<float*>(offs + HW + 8);
    for (int64_t grp = b; grp < e && !interruptRequested(); grp++) {
      float* part = parts.get() + grp * K * kStride;
      std::fill(part, part + K * kStride, 0.0f);
      for (int64_t n = grp * kGradGroup; n < std::min(g.N, (grp + 1) * kGradGroup); n++) {
        frameOf(g, x + n * C * g.H * g.W, frame.data());
        weightGradImage(g, frame.data(), dy + n * K * HW, patchAt.data(), offs, vals, part);
      }
    }
  });
  if (interruptRequested()) return;  // groups not reached hold no sums: dw stays as it was
  addGroups(g, parts.get(), groups, dw);
}

bool sparseConvPooledBackward3x3(const Conv3x3Geom& g, const float* x, const float* w, const float* dyPooled, const int32_t* am,
                                 const float* mask, float* dx, float* dw, float* planeSums) {
  const int64_t C = g.C, K = g.K, HW = g.OH * g.OW, Cp = padChannels(C), PH = g.OH / 2, PW = g.OW / 2;
  const int64_t Kp = (K + 7) / 8 * 8, words = (K + 63) / 64, kStride = 9 * Cp, frameFloats = (g.OH + 2) * (g.OW + 2) * Cp;
  const int64_t groups = (g.N + kGradGroup - 1) / kGradGroup;
  const std::vector<float> wr = filtersByRow(g, w);
  const std::vector<int32_t> patchAt = patchStarts(g);
  std::unique_ptr<float[]> parts(new float[static_cast<size_t>(groups * K * kStride)]);
  std::atomic<bool> outside{false};
  // Images in the weight gradient's groups; each image's dense gradient made once, in cache,
  // for both gradients (and the bias's plane sums).
  parallel_for(groups, 1, [&](int64_t b, int64_t e) {
    const size_t bytes = 64 * 8 + sizeof(float) * static_cast<size_t>(2 * frameFloats + HW * Kp + K * HW + 16 + 2 * (HW + 8)) +
                         sizeof(uint64_t) * static_cast<size_t>(HW * words);
    Scratch<unsigned char> block(0, static_cast<int64_t>(bytes));
    size_t used = 0;
    float* dxFrame = carve<float>(block.data(), used, frameFloats);
    float* xFrame = carve<float>(block.data(), used, frameFloats);
    float* byPos = carve<float>(block.data(), used, HW * Kp);
    uint64_t* bits = carve<uint64_t>(block.data(), used, HW * words);
    // The dense gradient's planes as maxPool2dBackward writes them, and room for the last
    // plane's spilled stores (pool.h).
    float* dense = carve<float>(block.data(), used, K * HW + 16);
    int32_t* offs = carve<int32_t>(block.data(), used, HW + 8);
    float* vals = carve<float>(block.data(), used, HW + 8);
    for (int64_t grp = b; grp < e && !interruptRequested() && !outside.load(std::memory_order_relaxed); grp++) {
      float* part = parts.get() + grp * K * kStride;
      std::fill(part, part + K * kStride, 0.0f);
      for (int64_t n = grp * kGradGroup; n < std::min(g.N, (grp + 1) * kGradGroup); n++) {
        for (int64_t k = 0; k < K; k++) {
          const int64_t at = (n * K + k) * PH * PW;
          // The row kernel may read past the pooled rows but in the inputs' very last plane.
          const bool more = n < g.N - 1 || k < K - 1;
          if (!maxPool2x2BackwardPlane(g.OH, g.OW, PH, PW, dyPooled + at, am + at, mask ? mask + at : nullptr, dense + k * HW, more))
            return outside.store(true);
          if (planeSums) planeSums[n * K + k] = static_cast<float>(sumContiguousFloats(dense + k * HW, HW));
        }
        byPosition(dense, K, HW, Kp, words, byPos, bits);
        inputGradImage(g, byPos, bits, wr.data(), dxFrame, dx + n * C * g.H * g.W);
        frameOf(g, x + n * C * g.H * g.W, xFrame);
        weightGradImage(g, xFrame, dense, patchAt.data(), offs, vals, part);
      }
    }
  });
  if (outside.load()) return false;
  if (interruptRequested()) return true;  // the caller reports it; groups not reached hold no sums: dw stays as it was
  addGroups(g, parts.get(), groups, dw);
  return true;
}

#endif  // __AVX2__

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
