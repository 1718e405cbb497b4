#include "winograd.h"

#include <algorithm>
#include <vector>

#include "gemm.h"
#include "scratch.h"
#include "threadpool.h"

namespace gradlab {

namespace {

// A chunk of images' transformed inputs and products (16 planes of each): large enough
// that the 16 channel products are GEMMs worth their packing, small enough for L2/L3,
// and at least 4 chunks a thread so the threads finish together.
constexpr int64_t kChunkBytes = 4ll << 20;

// U[xi][k][c] = (G f G^T)[xi] for the filter f = w[k][c], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
void transformFilters(const WinogradGeom& g, const float* w, float* U) {
  const int64_t KC = g.K * g.C;
  parallel_for(KC, 1024, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i++) {
      const float* f = w + i * 9;
      float t[4][3];
      for (int j = 0; j < 3; j++) {
        const float f0 = f[j], f1 = f[3 + j], f2 = f[6 + j];
        t[0][j] = f0;
        t[1][j] = 0.5f * (f0 + f1 + f2);
        t[2][j] = 0.5f * (f0 - f1 + f2);
        t[3][j] = f2;
      }
      for (int r = 0; r < 4; r++) {
        const float a = t[r][0], b1 = t[r][1], c = t[r][2];
        const float u[4] = {a, 0.5f * (a + b1 + c), 0.5f * (a - b1 + c), c};
        for (int s = 0; s < 4; s++) U[(r * 4 + s) * KC + i] = u[s];
      }
    }
  });
}

// The image plane copied into a zeroed (2*TH + 2) x (2*TW + 2) frame at (pH, pW), so every
// 4x4 patch lies inside it and the transform runs branch-free along a row of tiles.
void padPlane(const float* plane, int64_t H, int64_t W, int64_t pH, int64_t pW, int64_t Hp, int64_t Wp, float* frame) {
  std::fill(frame, frame + Hp * Wp, 0.0f);
  for (int64_t h = 0; h < H && h + pH < Hp; h++)
    std::copy(plane + h * W, plane + h * W + std::min(W, Wp - pW), frame + (h + pH) * Wp + pW);
}

// V[xi][c][t] = (B^T d B)[xi] for the 4x4 input patch d under tile t of images n0..n0+nb,
// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Outside the image, d is 0 (the padding).
void transformInput(const WinogradGeom& g, const float* x, int64_t n0, int64_t nb, int64_t TH, int64_t TW, float* V) {
  const int64_t Pc = nb * TH * TW, CP = g.C * Pc, Hp = 2 * TH + 2, Wp = 2 * TW + 2;
  std::vector<float> frame(static_cast<size_t>(Hp * Wp));
  for (int64_t nl = 0; nl < nb; nl++) {
    for (int64_t c = 0; c < g.C; c++) {
      padPlane(x + ((n0 + nl) * g.C + c) * g.H * g.W, g.H, g.W, g.pH, g.pW, Hp, Wp, frame.data());
      float* v = V + c * Pc + nl * TH * TW;
      for (int64_t th = 0; th < TH; th++) {
        const float* __restrict r0 = frame.data() + (2 * th) * Wp;
        const float* __restrict r1 = r0 + Wp;
        const float* __restrict r2 = r1 + Wp;
        const float* __restrict r3 = r2 + Wp;
        float* __restrict out = v + th * TW;
        for (int64_t tw = 0; tw < TW; tw++) {
          const int64_t j = 2 * tw;
          float t[4][4];
          for (int s = 0; s < 4; s++) {
            t[0][s] = r0[j + s] - r2[j + s];
            t[1][s] = r1[j + s] + r2[j + s];
            t[2][s] = r2[j + s] - r1[j + s];
            t[3][s] = r1[j + s] - r3[j + s];
          }
          for (int r = 0; r < 4; r++) {
            out[(r * 4 + 0) * CP + tw] = t[r][0] - t[r][2];
            out[(r * 4 + 1) * CP + tw] = t[r][1] + t[r][2];
            out[(r * 4 + 2) * CP + tw] = t[r][2] - t[r][1];
            out[(r * 4 + 3) * CP + tw] = t[r][1] - t[r][3];
          }
        }
      }
    }
  }
}

// y tile = A^T m A for the 16 products m of tile t, A^T = [1 1 1 0; 0 1 -1 -1]; the tiles
// cover the output exactly, those on the far edges clipped.
void transformOutput(const WinogradGeom& g, const float* M, int64_t n0, int64_t nb, int64_t TH, int64_t TW, float* y) {
  const int64_t Pc = nb * TH * TW, KP = g.K * Pc;
  for (int64_t nl = 0; nl < nb; nl++) {
    for (int64_t k = 0; k < g.K; k++) {
      const float* mk = M + k * Pc + nl * TH * TW;
      float* plane = y + ((n0 + nl) * g.K + k) * g.OH * g.OW;
      for (int64_t th = 0; th < TH; th++) {
        for (int64_t tw = 0; tw < TW; tw++) {
          const float* m = mk + th * TW + tw;
          float a[2][4];
          for (int s = 0; s < 4; s++) {
            const float m0 = m[(0 * 4 + s) * KP], m1 = m[(1 * 4 + s) * KP], m2 = m[(2 * 4 + s) * KP], m3 = m[(3 * 4 + s) * KP];
            a[0][s] = m0 + m1 + m2;
            a[1][s] = m1 - m2 - m3;
          }
          for (int r = 0; r < 2; r++) {
            const int64_t oh = 2 * th + r;
            if (oh >= g.OH) break;
            float* row = plane + oh * g.OW + 2 * tw;
            row[0] = a[r][0] + a[r][1] + a[r][2];
            if (2 * tw + 1 < g.OW) row[1] = a[r][1] - a[r][2] - a[r][3];
          }
        }
      }
    }
  }
}

// The weight gradient is the transpose of the forward map in the filter: per tile,
// dW += G^T [(A dY A^T) ⊙ (B^T d B)] G, summed over tiles in the transformed domain, where
// one GEMM per position adds up all tiles. Here: U[xi][k][t] = (A a A^T)[xi] for the 2x2
// block a of dy under tile t (0 past the edge), A = [1 0; 1 1; 1 -1; 0 -1].
void transformGrad(const WinogradGeom& g, const float* dy, int64_t n0, int64_t nb, int64_t TH, int64_t TW, float* U) {
  const int64_t Pc = nb * TH * TW, KP = g.K * Pc, Hp = 2 * TH, Wp = 2 * TW;
  std::vector<float> frame(static_cast<size_t>(Hp * Wp));
  for (int64_t nl = 0; nl < nb; nl++) {
    for (int64_t k = 0; k < g.K; k++) {
      padPlane(dy + ((n0 + nl) * g.K + k) * g.OH * g.OW, g.OH, g.OW, 0, 0, Hp, Wp, frame.data());
      float* u = U + k * Pc + nl * TH * TW;
      for (int64_t th = 0; th < TH; th++) {
        const float* __restrict a0 = frame.data() + (2 * th) * Wp;
        const float* __restrict a1 = a0 + Wp;
        float* __restrict out = u + th * TW;
        for (int64_t tw = 0; tw < TW; tw++) {
          const float p0 = a0[2 * tw], q0 = a0[2 * tw + 1], p1 = a1[2 * tw], q1 = a1[2 * tw + 1];
          const float rows[4][2] = {{p0, q0}, {p0 + p1, q0 + q1}, {p0 - p1, q0 - q1}, {-p1, -q1}};
          for (int r = 0; r < 4; r++) {
            const float p = rows[r][0], q = rows[r][1];
            out[(r * 4 + 0) * KP + tw] = p;
            out[(r * 4 + 1) * KP + tw] = p + q;
            out[(r * 4 + 2) * KP + tw] = p - q;
            out[(r * 4 + 3) * KP + tw] = -q;
          }
        }
      }
    }
  }
}

// dw[k][c] = G^T m G for the 16 sums m of (k, c), G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1].
void transformWeightGrad(const WinogradGeom& g, const float* M, float* dw) {
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

// Images per chunk: see kChunkBytes.
int64_t imagesPerChunk(const WinogradGeom& g, int64_t tiles) {
  const int64_t perImage = 16 * (g.C + g.K) * tiles * static_cast<int64_t>(sizeof(float));
  const int64_t fair = (g.N + 4 * numThreads() - 1) / (4 * numThreads());
  return std::max<int64_t>(1, std::min({g.N, fair, kChunkBytes / std::max<int64_t>(perImage, 1)}));
}

}  // namespace

void winogradWeightGrad3x3(const WinogradGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t KC = g.K * g.C;
  if (g.N == 0) {
    std::fill(dw, dw + KC * 9, 0.0f);
    return;
  }
  const int64_t TH = (g.OH + 1) / 2, TW = (g.OW + 1) / 2, T = TH * TW;
  const int64_t nb = imagesPerChunk(g, T), chunks = (g.N + nb - 1) / nb;
  // Each chunk sums into its own 16 x K x C block; the blocks are added in chunk order, so
  // the result does not depend on the number of threads.
  std::vector<float> partial(static_cast<size_t>(chunks * 16 * KC));
  {
    SerialBlasScope serial;
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; c++) {
        const int64_t n0 = c * nb, m = std::min(nb, g.N - n0), Pc = m * T;
        Scratch<float> V(0, 16 * g.C * Pc), U(1, 16 * g.K * Pc);
        transformInput(g, x, n0, m, TH, TW, V.data());
        transformGrad(g, dy, n0, m, TH, TW, U.data());
        for (int xi = 0; xi < 16; xi++)
          gemmSerial(false, true, g.K, g.C, Pc, 1.0f, U.data() + xi * g.K * Pc, Pc, V.data() + xi * g.C * Pc, Pc, 0.0f,
                     partial.data() + (c * 16 + xi) * KC, g.C);
      }
    });
  }
  for (int64_t c = 1; c < chunks; c++)
    for (int64_t i = 0; i < 16 * KC; i++) partial[i] += partial[c * 16 * KC + i];
  transformWeightGrad(g, partial.data(), dw);
}

void winogradConv3x3(const WinogradGeom& g, const float* x, const float* w, float* y) {
  if (g.N == 0) return;
  const int64_t TH = (g.OH + 1) / 2, TW = (g.OW + 1) / 2, T = TH * TW;
  std::vector<float> U(static_cast<size_t>(16 * g.K * g.C));
  transformFilters(g, w, U.data());
  const int64_t nb = imagesPerChunk(g, T);
  const int64_t chunks = (g.N + nb - 1) / nb;
  auto chunk = [&](int64_t c) {
    const int64_t n0 = c * nb, m = std::min(nb, g.N - n0), Pc = m * T;
    Scratch<float> V(0, 16 * g.C * Pc), M(1, 16 * g.K * Pc);
    transformInput(g, x, n0, m, TH, TW, V.data());
    for (int xi = 0; xi < 16; xi++)
      gemmSerial(false, false, g.K, Pc, g.C, 1.0f, U.data() + xi * g.K * g.C, g.C, V.data() + xi * g.C * Pc, Pc, 0.0f,
                 M.data() + xi * g.K * Pc, Pc);
    transformOutput(g, M.data(), n0, m, TH, TW, y);
  };
  // Chunks in parallel, each with a single-threaded GEMM (as the im2col path does).
  SerialBlasScope serial;
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; c++) chunk(c);
  });
}

}  // namespace gradlab
