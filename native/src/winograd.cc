#include "isa_unit.h"
#include "winograd.h"

#include <algorithm>
#include <vector>

#include "simd.h"

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

#include "gemm_core.h"
#include "gemm_tile.h"
#include "scratch.h"
#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

// The batch's 2x2 output tiles are numbered across images (tile th, tw of image n is
// n*T + th*TW + tw) and cut into chunks of consecutive tiles. A chunk's transformed
// inputs and products (16 planes of each) stay in one core's L2 cache from the transform
// through the 16 products to the inverse transform; a chunk of whole images would not.
constexpr int64_t kChunkBytes = 640ll << 10;

// Slack after a frame: a run of 16 tiles reads 34 floats of each of its rows, past the
// end of the last row; the lanes that read there are masked off when stored.
constexpr int64_t kFrameSlack = 48;

struct Tiling {
  int64_t TH, TW, T, total;
  Tiling(const Conv3x3Geom& g, int64_t N) : TH((g.OH + 1) / 2), TW((g.OW + 1) / 2), T(TH * TW), total(N * TH * TW) {}
  // A padded frame of one plane's rows, as large as the input transforms need.
  int64_t frameFloats() const { return (2 * TH + 2) * (2 * TW + 2) + kFrameSlack; }
};

// Tiles per chunk for `floatsPerTile` floats of transformed data a tile: a multiple of the
// GEMM tile's 32 columns, at least 32.
int64_t chunkTiles(int64_t floatsPerTile) {
  const int64_t p = kChunkBytes / (floatsPerTile * static_cast<int64_t>(sizeof(float)));
  return std::max<int64_t>(32, p / 32 * 32);
}

// The batch's tiles cut for the pool's threads: `parts` runs of equal numbers of whole
// units of `unit` tiles (the GEMM tile's width, so that no product computes columns it
// then drops), each cut into chunks of equal numbers of units, at most about 1.25 P tiles.
// Chunks of P handed out in turn (33 of 96 for the course's second layer, in 8 shares of
// 4 or 5) left a thread waiting for most of a chunk at the end of every pass.
struct ChunkPlan {
  std::vector<int64_t> bounds;  // chunk c is the tiles [bounds[c], bounds[c + 1])
  std::vector<int64_t> first;   // part s is the chunks [first[s], first[s + 1])
  int64_t ld = 0;               // the largest chunk, rounded up to a unit: the planes' row length
  ChunkPlan(int64_t total, int64_t P, int64_t parts, int64_t unit) {
    const int64_t units = (total + unit - 1) / unit, most = std::max<int64_t>(1, (P + P / 4) / unit);
    parts = std::max<int64_t>(1, std::min(parts, units));
    bounds.push_back(0);
    for (int64_t s = 0; s < parts; s++) {
      first.push_back(int64_t(bounds.size()) - 1);
      const int64_t u0 = units * s / parts, u1 = units * (s + 1) / parts, n = (u1 - u0 + most - 1) / most;
      for (int64_t c = 1; c <= n; c++) {
        const int64_t end = std::min(total, unit * (u0 + (u1 - u0) * c / n));
        ld = std::max(ld, end - bounds.back());
        bounds.push_back(end);
      }
    }
    first.push_back(int64_t(bounds.size()) - 1);
    ld = std::max<int64_t>(unit, (ld + unit - 1) / unit * unit);
  }
  int64_t parts() const { return int64_t(first.size()) - 1; }
};

// Distance between two of the 16 planes of a chunk holding `floats` each: one cache line
// more, so that the 16 streams a transform reads or writes at once do not all fall in the
// same L1 set (the planes' sizes are multiples of 4 KiB more often than not).
inline int64_t planeStride(int64_t floats) { return floats + 16; }

// Calls fn(n, th, tw0, tw1, q, rows) for each run of the tiles [p0, p1) within one row of
// tiles: image n, tile row th, columns tw0..tw1-1, q = the run's first index in the chunk
// that starts at tile `base`. With `pairs`, two whole rows th and th + 1 of one image come
// as one run with rows = 2 (the vector transforms fill 16 lanes from two short rows).
template <class F>
void forEachTileRun(const Tiling& t, int64_t p0, int64_t p1, int64_t base, bool pairs, F&& fn) {
  for (int64_t p = p0; p < p1;) {
    const int64_t n = p / t.T, r = p % t.T, th = r / t.TW, tw0 = r % t.TW;
    if (pairs && tw0 == 0 && p + 2 * t.TW <= p1 && r + 2 * t.TW <= t.T) {
      fn(n, th, int64_t(0), t.TW, p - base, 2);
      p += 2 * t.TW;
      continue;
    }
    const int64_t tw1 = std::min(t.TW, tw0 + (p1 - p));
    fn(n, th, tw0, tw1, p - base, 1);
    p += tw1 - tw0;
  }
}

// Calls fn(n, a, b) for each image n that the tiles [p0, p1) touch, with its tiles [a, b) of them.
template <class F>
void forEachImage(const Tiling& t, int64_t p0, int64_t p1, F&& fn) {
  for (int64_t n = p0 / t.T; n * t.T < p1; n++) fn(n, std::max(p0, n * t.T), std::min(p1, (n + 1) * t.T));
}

// Rows [r0, r1) of the plane padded by (pH, pW) with zeros, into frame rows 0.. of width Wp.
// Every 4x4 patch a tile reads lies inside the frame, so the transforms run branch-free.
void padRows(const float* plane, int64_t H, int64_t W, int64_t pH, int64_t pW, int64_t Wp, int64_t r0, int64_t r1, float* frame) {
  const int64_t cols = std::max<int64_t>(0, std::min(W, Wp - pW));
  for (int64_t r = r0; r < r1; r++) {
    float* dst = frame + (r - r0) * Wp;
    std::fill(dst, dst + Wp, 0.0f);
    const int64_t h = r - pH;
    if (h >= 0 && h < H) std::copy(plane + h * W, plane + h * W + cols, dst + pW);
  }
}

// ---- Forward (and input gradient): products over channels, tile columns ----

// U[xi][c][k] = (G f G^T)[xi] for the filter f = w[k][c], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1];
// channel-major, so the GEMM reads it as a transposed A with contiguous rows.
void transformFilters(const Conv3x3Geom& g, const float* w, float* U) {
  const int64_t KC = g.K * g.C;
  // In U's order (c, then k), so that each of the 16 planes is written in sequence; the
  // other order wrote 16 places K floats apart per filter.
  parallel_for(KC, 1024, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const int64_t c = i / g.K, k = i % g.K;
      const float* f = w + (k * g.C + c) * 9;
      float t[4][3];
      for (int j = 0; j < 3; j++) {
        const float f0 = f[j], f1 = f[3 + j], f2 = f[6 + j];
        t[0][j] = f0;
        t[1][j] = 0.5f * (f0 + f1 + f2);
        t[2][j] = 0.5f * (f0 - f1 + f2);
        t[3][j] = f2;
      }
      for (int r = 0; r < 4; r++) {
        const float a = t[r][0], b1 = t[r][1], cc = t[r][2];
        const float u[4] = {a, 0.5f * (a + b1 + cc), 0.5f * (a - b1 + cc), cc};
        for (int s = 0; s < 4; s++) U[(r * 4 + s) * KC + c * g.K + k] = u[s];
      }
    }
  });
}

// The input transform of one tile: the 4x4 patch whose rows start at r0..r3, into V's 16
// planes (CP apart). Written for a scalar or for 16 tiles in vector lanes.
template <class X, class Store>
inline void inputTile(const X (&row)[4][4], Store&& store) {
  X d[4][4];
  for (int s = 0; s < 4; s++) {
    d[0][s] = row[0][s] - row[2][s];
    d[1][s] = row[1][s] + row[2][s];
    d[2][s] = row[2][s] - row[1][s];
    d[3][s] = row[1][s] - row[3][s];
  }
  for (int r = 0; r < 4; r++) {
    store(r * 4 + 0, d[r][0] - d[r][2]);
    store(r * 4 + 1, d[r][1] + d[r][2]);
    store(r * 4 + 2, d[r][2] - d[r][1]);
    store(r * 4 + 3, d[r][1] - d[r][3]);
  }
}

// The inverse transform of one tile from its 16 products: y[r][c] for the 2x2 outputs.
template <class X>
inline void outputTile(const X (&m)[16], X (&y)[2][2]) {
  X a[2][4];
  for (int s = 0; s < 4; s++) {
    a[0][s] = m[0 * 4 + s] + m[1 * 4 + s] + m[2 * 4 + s];
    a[1][s] = m[1 * 4 + s] - m[2 * 4 + s] - m[3 * 4 + s];
  }
  for (int r = 0; r < 2; r++) {
    y[r][0] = a[r][0] + a[r][1] + a[r][2];
    y[r][1] = a[r][1] - a[r][2] - a[r][3];
  }
}

template <class X>
inline void addBias(X (&y)[2][2], X b) {
  for (int r = 0; r < 2; r++)
    for (int s = 0; s < 2; s++) y[r][s] = y[r][s] + b;
}

#if defined(__AVX512F__)
// Lane indices for the two-source permutes of the vector transforms (see their use).
struct PairIndex {
  __m512i cols[4], rows[2];
  explicit PairIndex(int64_t TW) {
    alignas(64) int32_t c[4][16], r[2][16];
    for (int l = 0; l < 16; l++) {
      const int j = l < TW ? 0 : 1, tw = static_cast<int>(l - j * TW);
      for (int s = 0; s < 4; s++) c[s][l] = l < 2 * TW ? 16 * j + 2 * tw + s : 0;
      for (int jj = 0; jj < 2; jj++) r[jj][l] = static_cast<int32_t>((l & 1) * 16 + jj * TW + l / 2) & 31;
    }
    for (int s = 0; s < 4; s++) cols[s] = _mm512_load_si512(c[s]);
    for (int jj = 0; jj < 2; jj++) rows[jj] = _mm512_load_si512(r[jj]);
  }
};
#endif

// V[xi][c][q] = (B^T d B)[xi] for the 4x4 input patch d under tile p0 + q, ld = P,
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Outside the image, d is 0 (the padding).
void transformInput(const Conv3x3Geom& g, const Tiling& t, const float* x, int64_t p0, int64_t p1, int64_t P, float* V, float* frame) {
  const int64_t CP = planeStride(g.C * P), Wp = 2 * t.TW + 2;
#if defined(__AVX512F__)
  const PairIndex pi(t.TW);
  const bool pairs = Wp <= 16;
#else
  const bool pairs = false;
#endif
  forEachImage(t, p0, p1, [&](int64_t n, int64_t a, int64_t b) {
    const int64_t thA = (a - n * t.T) / t.TW, thB = (b - 1 - n * t.T) / t.TW;
    for (int64_t c = 0; c < g.C; c++) {
      padRows(x + (n * g.C + c) * g.H * g.W, g.H, g.W, g.pH, g.pW, Wp, 2 * thA, 2 * thB + 4, frame);
      forEachTileRun(t, a, b, p0, pairs, [&](int64_t, int64_t th, int64_t tw0, int64_t tw1, int64_t q, int nrows) {
        const float* r0 = frame + (2 * (th - thA)) * Wp;
        float* out = V + c * P + q;
#if defined(__AVX512F__)
        if (nrows == 2) {
          // Two rows of tiles (Wp <= 16 floats a frame row): tile row th in the first TW
          // lanes, th + 1 in the next, column s of each tile picked from two frame rows.
          __m512 row[4][4];
          for (int r = 0; r < 4; r++) {
            const __m512 lo = _mm512_loadu_ps(r0 + r * Wp), hi = _mm512_loadu_ps(r0 + (r + 2) * Wp);
            for (int s = 0; s < 4; s++) row[r][s] = _mm512_permutex2var_ps(lo, pi.cols[s], hi);
          }
          const __mmask16 keep = firstLanes(2 * t.TW);
          inputTile(row, [&](int xi, __m512 v) { _mm512_mask_storeu_ps(out + xi * CP, keep, v); });
          return;
        }
        // 16 tiles a step: tile i's columns 2i..2i+3 are the even and odd lanes of a row and
        // of the row 2 floats on, gathered by two-source permutes.
        const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        for (int64_t tw = tw0; tw < tw1; tw += 16) {
          const __mmask16 keep = firstLanes(tw1 - tw);
          __m512 row[4][4];
          for (int r = 0; r < 4; r++) {
            const float* f = r0 + r * Wp + 2 * tw;
            const __m512 lo = _mm512_loadu_ps(f), hi = _mm512_loadu_ps(f + 16), lo2 = _mm512_loadu_ps(f + 2), hi2 = _mm512_loadu_ps(f + 18);
            row[r][0] = _mm512_permutex2var_ps(lo, even, hi);
            row[r][1] = _mm512_permutex2var_ps(lo, odd, hi);
            row[r][2] = _mm512_permutex2var_ps(lo2, even, hi2);
            row[r][3] = _mm512_permutex2var_ps(lo2, odd, hi2);
          }
          float* o = out + (tw - tw0);
          inputTile(row, [&](int xi, __m512 v) { _mm512_mask_storeu_ps(o + xi * CP, keep, v); });
        }
#elif defined(__AVX2__)
        // 8 tiles a step, gathered as above by two-register deinterleaves. A full store may
        // run past the run's last tile into later tiles of the same plane row, which are
        // written after it (images, then channels, then runs, in order); only a step that
        // would run past the row (the chunk's P tiles) is stored through a mask (slow on
        // some CPUs, so only there).
        for (int64_t tw = tw0; tw < tw1; tw += 8) {
          const __m256i keep = firstLanes8(tw1 - tw);
          const bool full = q + (tw - tw0) + 8 <= P;
          __m256 row[4][4];
          for (int r = 0; r < 4; r++) {
            const float* f = r0 + r * Wp + 2 * tw;
            const __m256 lo = _mm256_loadu_ps(f), hi = _mm256_loadu_ps(f + 8), lo2 = _mm256_loadu_ps(f + 2), hi2 = _mm256_loadu_ps(f + 10);
            row[r][0] = evenLanes(lo, hi);
            row[r][1] = oddLanes(lo, hi);
            row[r][2] = evenLanes(lo2, hi2);
            row[r][3] = oddLanes(lo2, hi2);
          }
          float* o = out + (tw - tw0);
          inputTile(row, [&](int xi, __m256 v) {
            if (full) _mm256_storeu_ps(o + xi * CP, v);
            else _mm256_maskstore_ps(o + xi * CP, keep, v);
          });
        }
#else
        for (int64_t tw = tw0; tw < tw1; tw++) {
          float row[4][4];
          for (int r = 0; r < 4; r++)
            for (int s = 0; s < 4; s++) row[r][s] = r0[r * Wp + 2 * tw + s];
          float* o = out + (tw - tw0);
          inputTile(row, [&](int xi, float v) { o[xi * CP] = v; });
        }
#endif
      });
    }
  });
}

// y tile = A^T m A for the 16 products m[xi][k][q] of tile p0 + q, A^T = [1 1 1 0; 0 1 -1 -1];
// the tiles cover the output exactly, those on the far edges clipped.
// `bias` (K values, or null) is added to each output after its sum, as a separate add would.
void transformOutput(const Conv3x3Geom& g, const Tiling& t, const float* M, int64_t p0, int64_t p1, int64_t P, const float* bias, float* y) {
  const int64_t KP = planeStride(g.K * P), OHW = g.OH * g.OW;
#if defined(__AVX512F__)
  const PairIndex pi(t.TW);
  const bool pairs = 2 * t.TW <= 16;
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
#else
  const bool pairs = false;
#endif
  for (int64_t k = 0; k < g.K; k++) {
    forEachTileRun(t, p0, p1, p0, pairs, [&](int64_t n, int64_t th, int64_t tw0, int64_t tw1, int64_t q, int nrows) {
      const float* mk = M + k * P + q;
      float* plane = y + (n * g.K + k) * OHW;
#if defined(__AVX512F__)
      if (nrows == 2) {
        // Two rows of tiles in 2 * TW lanes; each output row's pairs are interleaved out of
        // the lanes of its tile row.
        const __mmask16 keep = firstLanes(2 * t.TW), cols = firstLanes(g.OW);
        __m512 m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = _mm512_maskz_loadu_ps(keep, mk + xi * KP);
        outputTile(m, out);
        if (bias) addBias(out, _mm512_set1_ps(bias[k]));
        for (int j = 0; j < 2; j++)
          for (int r = 0; r < 2; r++) {
            const int64_t oh = 2 * (th + j) + r;
            if (oh < g.OH) _mm512_mask_storeu_ps(plane + oh * g.OW, cols, _mm512_permutex2var_ps(out[r][0], pi.rows[j], out[r][1]));
          }
        return;
      }
      // 16 tiles a step; the two outputs of a tile's row are interleaved into place.
      for (int64_t tw = tw0; tw < tw1; tw += 16) {
        const int64_t tiles = std::min<int64_t>(16, tw1 - tw), cols = std::min(2 * tiles, g.OW - 2 * tw);
        const __mmask16 keep = firstLanes(tiles), first = firstLanes(cols), second = firstLanes(cols - 16);
        __m512 m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = _mm512_maskz_loadu_ps(keep, mk + (tw - tw0) + xi * KP);
        outputTile(m, out);
        if (bias) addBias(out, _mm512_set1_ps(bias[k]));
        for (int r = 0; r < 2 && 2 * th + r < g.OH; r++) {
          float* dst = plane + (2 * th + r) * g.OW + 2 * tw;
          _mm512_mask_storeu_ps(dst, first, _mm512_permutex2var_ps(out[r][0], lo, out[r][1]));
          if (second) _mm512_mask_storeu_ps(dst + 16, second, _mm512_permutex2var_ps(out[r][0], hi, out[r][1]));
        }
      }
#elif defined(__AVX2__)
      // 8 tiles a step. The products are read past the run's end (within the chunk's planes
      // and their slack; those lanes are not stored); each output row's two halves are
      // interleaved into place, the row's end stored through a mask.
      for (int64_t tw = tw0; tw < tw1; tw += 8) {
        const int64_t tiles = std::min<int64_t>(8, tw1 - tw), cols = std::min(2 * tiles, g.OW - 2 * tw);
        __m256 m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = _mm256_loadu_ps(mk + (tw - tw0) + xi * KP);
        outputTile(m, out);
        if (bias) addBias(out, _mm256_set1_ps(bias[k]));
        for (int r = 0; r < 2 && 2 * th + r < g.OH; r++) {
          float* dst = plane + (2 * th + r) * g.OW + 2 * tw;
          const __m256 lo = _mm256_unpacklo_ps(out[r][0], out[r][1]), hi = _mm256_unpackhi_ps(out[r][0], out[r][1]);
          const __m256 first = _mm256_permute2f128_ps(lo, hi, 0x20), second = _mm256_permute2f128_ps(lo, hi, 0x31);
          if (cols >= 16) {
            _mm256_storeu_ps(dst, first);
            _mm256_storeu_ps(dst + 8, second);
          } else if (cols >= 8) {
            _mm256_storeu_ps(dst, first);
            _mm256_maskstore_ps(dst + 8, firstLanes8(cols - 8), second);
          } else {
            _mm256_maskstore_ps(dst, firstLanes8(cols), first);
          }
        }
      }
#else
      for (int64_t tw = tw0; tw < tw1; tw++) {
        float m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = mk[(tw - tw0) + xi * KP];
        outputTile(m, out);
        if (bias) addBias(out, bias[k]);
        for (int r = 0; r < 2 && 2 * th + r < g.OH; r++) {
          float* row = plane + (2 * th + r) * g.OW;
          row[2 * tw] = out[r][0];
          if (2 * tw + 1 < g.OW) row[2 * tw + 1] = out[r][1];
        }
      }
#endif
    });
  }
}

// The output pooled 2x2 at stride 2 as it is made: y[N,K,OH/2,OW/2] and am, each window's
// winner as a flat index into the convolution's output plane. A tile is a pooling window
// (both are 2x2 at even coordinates); tiles past floor(OH/2) rows or floor(OW/2) columns are
// dropped, as the pooling drops them. The four outputs are taken in the order (0,0),
// (0,1), (1,0), (1,1), a later one winning where it is larger or is the first NaN: the
// values and winners of maxPool2d's 2x2 loop (pool.cc, pool_rows.cc) on the stored output.
void transformOutputPooled(const Conv3x3Geom& g, const Tiling& t, const float* M, int64_t p0, int64_t p1, int64_t P, const float* bias,
                           float* y, int32_t* am) {
  const int64_t KP = planeStride(g.K * P), PH = g.OH / 2, PW = g.OW / 2, PHW = PH * PW;
  const int32_t OW = static_cast<int32_t>(g.OW);
#if defined(__AVX512F__)
  const __m512i lane2 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  auto takes = [](__m512 v, __m512 best) {
    return static_cast<__mmask16>(_mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) |
                                  (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q)));
  };
#elif defined(__AVX2__)
  const __m256i lane2 = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  auto takes = [](__m256 v, __m256 best) {
    return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
  };
  auto pick = [](__m256i k, __m256 t, int32_t v) { return _mm256_blendv_epi8(k, _mm256_set1_epi32(v), _mm256_castps_si256(t)); };
#endif
  for (int64_t k = 0; k < g.K; k++) {
    forEachTileRun(t, p0, p1, p0, false, [&](int64_t n, int64_t th, int64_t tw0, int64_t tw1, int64_t q, int) {
      if (th >= PH) return;
      tw1 = std::min(tw1, PW);
      const float* mk = M + k * P + q;
      float* yr = y + (n * g.K + k) * PHW + th * PW;
      int32_t* ar = am + (n * g.K + k) * PHW + th * PW;
      const int32_t rowBase = static_cast<int32_t>(2 * th * g.OW);
#if defined(__AVX512F__)
      for (int64_t tw = tw0; tw < tw1; tw += 16) {
        const __mmask16 keep = firstLanes(tw1 - tw);
        __m512 m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = _mm512_maskz_loadu_ps(keep, mk + (tw - tw0) + xi * KP);
        outputTile(m, out);
        if (bias) addBias(out, _mm512_set1_ps(bias[k]));
        __m512 best = out[0][0];
        __m512i win = _mm512_setzero_si512();
        const __m512 cand[3] = {out[0][1], out[1][0], out[1][1]};
        const int32_t offset[3] = {1, OW, OW + 1};
        for (int c = 0; c < 3; c++) {
          const __mmask16 tk = takes(cand[c], best);
          best = _mm512_mask_mov_ps(best, tk, cand[c]);
          win = _mm512_mask_mov_epi32(win, tk, _mm512_set1_epi32(offset[c]));
        }
        _mm512_mask_storeu_ps(yr + tw, keep, best);
        const __m512i idx = _mm512_add_epi32(_mm512_add_epi32(_mm512_set1_epi32(rowBase + static_cast<int32_t>(2 * tw)), lane2), win);
        _mm512_mask_storeu_epi32(ar + tw, keep, idx);
      }
#elif defined(__AVX2__)
      // The products are read past the run's end, as in transformOutput; only the run's
      // windows are stored.
      for (int64_t tw = tw0; tw < tw1; tw += 8) {
        const int64_t tiles = std::min<int64_t>(8, tw1 - tw);
        __m256 m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = _mm256_loadu_ps(mk + (tw - tw0) + xi * KP);
        outputTile(m, out);
        if (bias) addBias(out, _mm256_set1_ps(bias[k]));
        __m256 best = out[0][0];
        __m256i win = _mm256_setzero_si256();
        const __m256 cand[3] = {out[0][1], out[1][0], out[1][1]};
        const int32_t offset[3] = {1, OW, OW + 1};
        for (int c = 0; c < 3; c++) {
          const __m256 tk = takes(cand[c], best);
          best = _mm256_blendv_ps(best, cand[c], tk);
          win = pick(win, tk, offset[c]);
        }
        const __m256i idx = _mm256_add_epi32(_mm256_add_epi32(_mm256_set1_epi32(rowBase + static_cast<int32_t>(2 * tw)), lane2), win);
        if (tiles == 8) {
          _mm256_storeu_ps(yr + tw, best);
          _mm256_storeu_si256(reinterpret_cast<__m256i*>(ar + tw), idx);
        } else {
          const __m256i mask = firstLanes8(tiles);
          _mm256_maskstore_ps(yr + tw, mask, best);
          _mm256_maskstore_epi32(ar + tw, mask, idx);
        }
      }
#elif defined(__SSE4_1__)
      // 4 windows a step, as the AVX2 path (a scalar loop's branches mispredict on data).
      for (int64_t tw = tw0; tw < tw1; tw += 4) {
        const int64_t tiles = std::min<int64_t>(4, tw1 - tw);
        __m128 m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = _mm_loadu_ps(mk + (tw - tw0) + xi * KP);
        outputTile(m, out);
        if (bias) addBias(out, _mm_set1_ps(bias[k]));
        __m128 best = out[0][0];
        __m128i win = _mm_setzero_si128();
        const __m128 cand[3] = {out[0][1], out[1][0], out[1][1]};
        const int32_t offset[3] = {1, OW, OW + 1};
        for (int c = 0; c < 3; c++) {
          const __m128 tk = _mm_or_ps(_mm_cmpgt_ps(cand[c], best), _mm_and_ps(_mm_cmpunord_ps(cand[c], cand[c]), _mm_cmpord_ps(best, best)));
          best = _mm_blendv_ps(best, cand[c], tk);
          win = _mm_blendv_epi8(win, _mm_set1_epi32(offset[c]), _mm_castps_si128(tk));
        }
        const __m128i idx = _mm_add_epi32(_mm_add_epi32(_mm_set1_epi32(rowBase + static_cast<int32_t>(2 * tw)), _mm_setr_epi32(0, 2, 4, 6)), win);
        if (tiles == 4) {
          _mm_storeu_ps(yr + tw, best);
          _mm_storeu_si128(reinterpret_cast<__m128i*>(ar + tw), idx);
        } else {
          alignas(16) float bv[4];
          alignas(16) int32_t iv[4];
          _mm_store_ps(bv, best);
          _mm_store_si128(reinterpret_cast<__m128i*>(iv), idx);
          std::copy(bv, bv + tiles, yr + tw);
          std::copy(iv, iv + tiles, ar + tw);
        }
      }
#else
      for (int64_t tw = tw0; tw < tw1; tw++) {
        float m[16], out[2][2];
        for (int xi = 0; xi < 16; xi++) m[xi] = mk[(tw - tw0) + xi * KP];
        outputTile(m, out);
        if (bias) addBias(out, bias[k]);
        const float v[4] = {out[0][0], out[0][1], out[1][0], out[1][1]};
        const int32_t offset[4] = {0, 1, OW, OW + 1};
        int w = 0;
        for (int c = 1; c < 4; c++)
          if (v[c] > v[w] || (v[c] != v[c] && v[w] == v[w])) w = c;
        yr[tw] = v[w];
        ar[tw] = rowBase + static_cast<int32_t>(2 * tw) + offset[w];
      }
#endif
    });
  }
}

// ---- Weight gradient: products over tiles, 16 channels a vector ----

// 16 floats as one GCC vector: a zmm register with AVX-512, several narrower ones without
// (where GCC notes that passing it changes the ABI; these helpers are all inlined).
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v16 __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
inline int64_t roundLanes(int64_t n) { return (n + kLanes - 1) / kLanes * kLanes; }
inline v16 load16(const float* p) {
  v16 v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store16(float* p, v16 v) { __builtin_memcpy(p, &v, sizeof v); }

// Rows [r0, r1) of channels c0..c0+15 of image `img` (channel planes H x W), padded by
// (pH, pW), interleaved: frame[((r - r0) * Wp + s) * 16 + l] is channel c0 + l, 0 past C.
void padRowsInterleaved(const float* img, int64_t C, int64_t c0, int64_t H, int64_t W, int64_t pH, int64_t pW, int64_t Wp, int64_t r0,
                        int64_t r1, float* frame) {
  std::fill(frame, frame + (r1 - r0) * Wp * kLanes, 0.0f);
  const int64_t lanes = std::min(kLanes, C - c0), cols = std::max<int64_t>(0, std::min(W, Wp - pW));
  for (int64_t r = r0; r < r1; r++) {
    const int64_t h = r - pH;
    if (h < 0 || h >= H) continue;
    float* dst = frame + ((r - r0) * Wp + pW) * kLanes;
#if defined(__AVX512F__)
    // 16 channels x 16 columns a step, transposed in registers.
    for (int64_t w0 = 0; w0 < cols; w0 += 16) {
      const int64_t n = std::min<int64_t>(16, cols - w0);
      const __mmask16 keep = firstLanes(n);
      __m512 v[16];
      for (int64_t l = 0; l < 16; l++)
        v[l] = l < lanes ? _mm512_maskz_loadu_ps(keep, img + (c0 + l) * H * W + h * W + w0) : _mm512_setzero_ps();
      transpose16(v);
      for (int64_t j = 0; j < n; j++) _mm512_storeu_ps(dst + (w0 + j) * kLanes, v[j]);
    }
#elif defined(__AVX2__)
    // 8 channels x 8 columns a step, transposed in registers (the frame is zero already
    // where there are no channels).
    for (int64_t w0 = 0; w0 < cols; w0 += 8) {
      const int64_t n = std::min<int64_t>(8, cols - w0);
      const __m256i keep = firstLanes8(n);
      for (int64_t h8 = 0; h8 < lanes; h8 += 8) {
        __m256 v[8];
        for (int64_t l = 0; l < 8; l++) {
          const float* src = img + (c0 + h8 + l) * H * W + h * W + w0;
          v[l] = h8 + l >= lanes ? _mm256_setzero_ps() : n == 8 ? _mm256_loadu_ps(src) : _mm256_maskload_ps(src, keep);
        }
        transpose8(v);
        for (int64_t j = 0; j < n; j++) _mm256_storeu_ps(dst + (w0 + j) * kLanes + h8, v[j]);
      }
    }
#else
    for (int64_t l = 0; l < lanes; l++) {
      const float* src = img + (c0 + l) * H * W + h * W;
      for (int64_t w = 0; w < cols; w++) dst[w * kLanes + l] = src[w];
    }
#endif
  }
}

// V[xi][q][c] (ld Cp, channels rounded up to 16): the input transform of transformInput,
// tile-major, for the weight gradient's products over tiles.
void transformInputTiles(const Conv3x3Geom& g, const Tiling& t, const float* x, int64_t p0, int64_t p1, int64_t P, float* V, float* frame) {
  const int64_t Cp = roundLanes(g.C), XS = planeStride(P * Cp), Wp = 2 * t.TW + 2;
  forEachImage(t, p0, p1, [&](int64_t n, int64_t a, int64_t b) {
    const int64_t thA = (a - n * t.T) / t.TW, thB = (b - 1 - n * t.T) / t.TW;
    for (int64_t c0 = 0; c0 < g.C; c0 += kLanes) {
      padRowsInterleaved(x + n * g.C * g.H * g.W, g.C, c0, g.H, g.W, g.pH, g.pW, Wp, 2 * thA, 2 * thB + 4, frame);
      forEachTileRun(t, a, b, p0, false, [&](int64_t, int64_t th, int64_t tw0, int64_t tw1, int64_t q, int) {
        for (int64_t tw = tw0; tw < tw1; tw++) {
          const float* f = frame + ((2 * (th - thA)) * Wp + 2 * tw) * kLanes;
          float* out = V + (q + tw - tw0) * Cp + c0;
          v16 row[4][4];
          for (int r = 0; r < 4; r++)
            for (int s = 0; s < 4; s++) row[r][s] = load16(f + (r * Wp + s) * kLanes);
          inputTile(row, [&](int xi, v16 v) { store16(out + xi * XS, v); });
        }
      });
    }
  });
}

// The weight gradient is the transpose of the forward map in the filter: per tile,
// dW += G^T [(A dY A^T) ⊙ (B^T d B)] G, summed over tiles in the transformed domain, where
// one GEMM per position adds up all tiles. Here: U[xi][q][k] (ld Kp) = (A a A^T)[xi] for the
// 2x2 block a of dy under tile p0 + q (0 past the edge), A = [1 0; 1 1; 1 -1; 0 -1].
void transformGradTiles(const Conv3x3Geom& g, const Tiling& t, const float* dy, int64_t p0, int64_t p1, int64_t P, float* U, float* frame) {
  const int64_t Kp = roundLanes(g.K), XS = planeStride(P * Kp), Wp = 2 * t.TW;
  forEachImage(t, p0, p1, [&](int64_t n, int64_t a, int64_t b) {
    const int64_t thA = (a - n * t.T) / t.TW, thB = (b - 1 - n * t.T) / t.TW;
    for (int64_t k0 = 0; k0 < g.K; k0 += kLanes) {
      padRowsInterleaved(dy + n * g.K * g.OH * g.OW, g.K, k0, g.OH, g.OW, 0, 0, Wp, 2 * thA, 2 * thB + 2, frame);
      forEachTileRun(t, a, b, p0, false, [&](int64_t, int64_t th, int64_t tw0, int64_t tw1, int64_t q, int) {
        for (int64_t tw = tw0; tw < tw1; tw++) {
          const float* f = frame + ((2 * (th - thA)) * Wp + 2 * tw) * kLanes;
          float* out = U + (q + tw - tw0) * Kp + k0;
          const v16 a0 = load16(f), b0 = load16(f + kLanes), a1 = load16(f + Wp * kLanes), b1 = load16(f + (Wp + 1) * kLanes);
          const v16 rows[4][2] = {{a0, b0}, {a0 + a1, b0 + b1}, {a0 - a1, b0 - b1}, {-a1, -b1}};
          for (int r = 0; r < 4; r++) {
            const v16 p = rows[r][0], qv = rows[r][1];
            store16(out + (r * 4 + 0) * XS, p);
            store16(out + (r * 4 + 1) * XS, p + qv);
            store16(out + (r * 4 + 2) * XS, p - qv);
            store16(out + (r * 4 + 3) * XS, -qv);
          }
        }
      });
    }
  });
}

// dw[k][c] = G^T m G for the 16 sums m of (k, c), G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
void transformWeightGrad(const Conv3x3Geom& g, const float* M, float* dw) {
  const int64_t KC = g.K * g.C;
  for (int64_t i = 0; i < KC; i++) {
    float t[3][4];
    for (int s = 0; s < 4; s++) {
      const float m0 = M[(0 * 4 + s) * KC + i], m1 = M[(1 * 4 + s) * KC + i], m2 = M[(2 * 4 + s) * KC + i], m3 = M[(3 * 4 + s) * KC + i];
      t[0][s] = m0 + 0.5f * (m1 + m2);
      t[1][s] = 0.5f * (m1 - m2);
      t[2][s] = 0.5f * (m1 + m2) + m3;
    }
    float* f = dw + i * 9;
    for (int r = 0; r < 3; r++) {
      f[r * 3 + 0] = t[r][0] + 0.5f * (t[r][1] + t[r][2]);
      f[r * 3 + 1] = 0.5f * (t[r][1] - t[r][2]);
      f[r * 3 + 2] = 0.5f * (t[r][1] + t[r][2]) + t[r][3];
    }
  }
}

// Chunks are summed in this many fixed groups, each in order, and the groups in order:
// the result does not depend on the number of threads.
constexpr int64_t kWeightGradGroups = 8;

}  // namespace

void winogradWeightGrad3x3(const Conv3x3Geom& g, const float* x, const float* dy, float* dw) {
  const int64_t KC = g.K * g.C;
  if (g.N == 0) {
    std::fill(dw, dw + KC * 9, 0.0f);
    return;
  }
  const Tiling t(g, g.N);
  const int64_t Cp = roundLanes(g.C), Kp = roundLanes(g.K);
  // The groups by tiles, whatever the number of threads; ld is the chunks' tile count at most.
  const ChunkPlan plan(t.total, chunkTiles(16 * (Cp + Kp)), kWeightGradGroups, Tile<float>::NR);
  const int64_t P = plan.ld, groups = plan.parts();
  std::vector<float> partial(static_cast<size_t>(groups * 16 * KC));
  parallel_for(groups, 1, [&](int64_t b, int64_t e) {
    const int64_t VS = planeStride(P * Cp), US = planeStride(P * Kp);
    Scratch<float> V(0, 16 * VS), U(1, 16 * US + t.frameFloats() * kLanes);
    float* frame = U.data() + 16 * US;
#if defined(__AVX2__)
    // The vector paths multiply with gradlab's tile (as the forward, winogradConv3x3): each
    // product's A packed from the transformed gradient (a copy of rows), B read in place.
    const int64_t AS = packedASize(g.K, P);
    std::vector<float> Ap(static_cast<size_t>(AS));
#endif
    for (int64_t grp = b; grp < e; grp++) {
      float* sum = partial.data() + grp * 16 * KC;
      for (int64_t c = plan.first[grp]; c < plan.first[grp + 1]; c++) {
        const int64_t p0 = plan.bounds[c], p1 = plan.bounds[c + 1], first = c == plan.first[grp];
        transformInputTiles(g, t, x, p0, p1, P, V.data(), frame);
        transformGradTiles(g, t, dy, p0, p1, P, U.data(), frame);
        for (int xi = 0; xi < 16; xi++) {
#if defined(__AVX2__)
          packAFull(true, U.data() + xi * US, Kp, g.K, p1 - p0, Ap.data());
          productsPackedA(g.K, g.C, p1 - p0, Ap.data(), V.data() + xi * VS, Cp, sum + xi * KC, g.C, !first);
#else
          gemmSerial(true, false, g.K, g.C, p1 - p0, 1.0f, U.data() + xi * US, Kp, V.data() + xi * VS, Cp, first ? 0.0f : 1.0f,
                     sum + xi * KC, g.C);
#endif
        }
      }
    }
  });
  for (int64_t grp = 1; grp < groups; grp++)
    for (int64_t i = 0; i < 16 * KC; i++) partial[i] += partial[grp * 16 * KC + i];
  transformWeightGrad(g, partial.data(), dw);
}

void winogradConv3x3(const Conv3x3Geom& g, const float* x, const float* w, const float* bias, float* y, int32_t* am) {
  if (g.N == 0) return;
  const Tiling t(g, g.N);
  std::vector<float> U(static_cast<size_t>(16 * g.K * g.C));
  transformFilters(g, w, U.data());
  const ChunkPlan plan(t.total, chunkTiles(16 * (g.C + g.K)), 2 * numThreads(), Tile<float>::NR);
  const int64_t P = plan.ld;
#if defined(__AVX2__)
  // The vector paths multiply with gradlab's tile: the 16 filter matrices packed once here,
  // each chunk's transformed inputs read where the transform wrote them. 16 library calls
  // a chunk (528 for the course's second layer) each packed both operands again.
  const int64_t AS = packedASize(g.K, g.C);
  std::vector<float> Ap(static_cast<size_t>(16 * AS));
  for (int64_t xi = 0; xi < 16; xi++) packAFull(true, U.data() + xi * g.K * g.C, g.K, g.K, g.C, Ap.data() + xi * AS);
#endif
  // Parts in parallel, each chunk with single-threaded products (as the im2col path does).
  parallel_for(plan.parts(), 1, [&](int64_t b, int64_t e) {
    const int64_t VS = planeStride(g.C * P), MS = planeStride(g.K * P);
    Scratch<float> V(0, 16 * VS + t.frameFloats()), M(1, 16 * MS);
    float* frame = V.data() + 16 * VS;
    for (int64_t c = plan.first[b]; c < plan.first[e]; c++) {
      const int64_t p0 = plan.bounds[c], p1 = plan.bounds[c + 1];
      transformInput(g, t, x, p0, p1, P, V.data(), frame);
      for (int xi = 0; xi < 16; xi++) {
#if defined(__AVX2__)
        productsPackedA(g.K, p1 - p0, g.C, Ap.data() + xi * AS, V.data() + xi * VS, P, M.data() + xi * MS, P, false);
#else
        gemmSerial(true, false, g.K, p1 - p0, g.C, 1.0f, U.data() + xi * g.K * g.C, g.K, V.data() + xi * VS, P, 0.0f,
                   M.data() + xi * MS, P);
#endif
      }
      if (am) transformOutputPooled(g, t, M.data(), p0, p1, P, bias, y, am);
      else transformOutput(g, t, M.data(), p0, p1, P, bias, y);
    }
  });
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
