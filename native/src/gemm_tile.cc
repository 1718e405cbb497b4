// gradlab's own packed GEMM (panels of A and B packed for an MR x NR register tile),
// compiled once per instruction-set path (isa.h); gemm.cc decides when it runs instead of
// OpenBLAS and calls it through isa().sgemm / isa().dgemm.
#include "isa_unit.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "gemm_tile.h"
#include "simd.h"

#include "interrupt_flag.h"
#include "scratch.h"
#include "threadpool.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

namespace {

// Multiply-adds below which a product runs on one thread.
constexpr int64_t kThreadedGemmMin = int64_t(1) << 20;

// ---- Portable GEMM: packed panels, an MR x NR register tile the compiler vectorises. ----

// Packs rows [i0, i0+mc) x cols [k0, k0+kc) of op(A) into MR-row panels, k-major.
template <class T>
void packA(bool ta, const T* A, int64_t lda, int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* dst) {
  constexpr int MR = Tile<T>::MR;
  for (int64_t ip = 0; ip < mc; ip += MR) {
    int64_t rows = std::min<int64_t>(MR, mc - ip);
    if (ta && rows == MR) {  // op(A) = A^T: each k's MR values are contiguous
      for (int64_t k = 0; k < kc; k++, dst += MR) std::memcpy(dst, A + (k0 + k) * lda + i0 + ip, sizeof(T) * MR);
      continue;
    }
    for (int64_t k = 0; k < kc; k++) {
      for (int64_t r = 0; r < MR; r++) {
        T v = 0;
        if (r < rows) {
          int64_t i = i0 + ip + r, kk = k0 + k;
          v = ta ? A[kk * lda + i] : A[i * lda + kk];
        }
        *dst++ = v;
      }
    }
  }
}

// Packs rows [k0, k0+kc) x cols [j0, j0+nc) of op(B) into NR-column panels, k-major.
template <class T>
void packBPanel(bool tb, const T* B, int64_t ldb, int64_t k0, int64_t kc, int64_t j, int64_t cols, T* dst) {
  constexpr int NR = Tile<T>::NR;
  int64_t k = 0;
#if defined(__AVX512F__)
  // op(B) = B^T (a Linear layer's weight): 16 x 16 blocks transposed in registers. With
  // few rows of A the panel is used only a few times, so its packing must be cheap.
  if constexpr (std::is_same<T, float>::value && NR == 32) {
    if (tb && cols == NR) {
      for (; k + 16 <= kc; k += 16)
        for (int h = 0; h < 2; h++) {
          __m512 r[16];
          for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(B + (j + 16 * h + i) * ldb + k0 + k);
          transpose16(r);
          for (int i = 0; i < 16; i++) _mm512_storeu_ps(dst + (k + i) * NR + 16 * h, r[i]);
        }
    }
  }
#endif
  for (dst += k * NR; k < kc; k++) {
    int64_t kk = k0 + k;
    if (!tb && cols == NR) {
      std::memcpy(dst, B + kk * ldb + j, sizeof(T) * NR);
      dst += NR;
      continue;
    }
    for (int64_t c = 0; c < NR; c++) *dst++ = c < cols ? (tb ? B[(j + c) * ldb + kk] : B[kk * ldb + j + c]) : T(0);
  }
}

// b's rows are ldb apart: NR in a packed panel, a matrix's leading dimension when B is
// read in place (productsPackedA).
template <class T>
inline void microKernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict C, int64_t ldc, int64_t rows,
                        int64_t cols, T alpha, bool overwrite, int64_t ldb) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  T acc[MR][NR];
  for (int r = 0; r < MR; r++)
    for (int c = 0; c < NR; c++) acc[r][c] = 0;
  for (int64_t k = 0; k < kc; k++) {
    for (int r = 0; r < MR; r++) {
      T av = a[r];
      for (int c = 0; c < NR; c++) acc[r][c] += av * b[c];
    }
    a += MR;
    b += ldb;
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++) C[r * ldc + c] = (overwrite ? T(0) : C[r * ldc + c]) + alpha * acc[r][c];
}

#if defined(__AVX512F__)
// The float tile in AVX-512 FMAs (2 per broadcast of A), for the first R rows of a panel.
// Edge tiles are computed over the zero-padded packed panels and stored through masks.
template <int R>
inline void floatTile(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict C, int64_t ldc, int64_t rows,
                      int64_t cols, float alpha, bool overwrite, int64_t ldb) {
  constexpr int MR = Tile<float>::MR;
  __m512 lo[R], hi[R];
  // C's rows are read (or written) only after the whole depth: fetched into L1 meanwhile.
#pragma GCC unroll 12
  for (int r = 0; r < R; r++) {
    if (r < rows) {
      _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(C + r * ldc + 31), _MM_HINT_T0);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; r++) {
      const __m512 av = _mm512_set1_ps(a[r]);
      lo[r] = _mm512_fmadd_ps(av, b0, lo[r]);
      hi[r] = _mm512_fmadd_ps(av, b1, hi[r]);
    }
    a += MR;
    b += ldb;
  }
  const __m512 al = _mm512_set1_ps(alpha);
  const __mmask16 mlo = firstLanes(cols), mhi = firstLanes(cols - 16);
  // With beta = 0 the first block of K overwrites C instead of reading it back.
  const __mmask16 rlo = overwrite ? __mmask16(0) : mlo, rhi = overwrite ? __mmask16(0) : mhi;
#pragma GCC unroll 12
  for (int r = 0; r < R; r++) {
    if (r >= rows) break;
    float* c = C + r * ldc;
    _mm512_mask_storeu_ps(c, mlo, _mm512_fmadd_ps(al, lo[r], _mm512_maskz_loadu_ps(rlo, c)));
    _mm512_mask_storeu_ps(c + 16, mhi, _mm512_fmadd_ps(al, hi[r], _mm512_maskz_loadu_ps(rhi, c + 16)));
  }
}

// A panel's last rows (M not a multiple of 12: 64 output channels are 5 panels and 4
// rows) run a tile of 4 or 8 rows rather than all 12.
template <>
inline void microKernel<float>(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict C, int64_t ldc,
                               int64_t rows, int64_t cols, float alpha, bool overwrite, int64_t ldb) {
  if (rows > 8) floatTile<12>(kc, a, b, C, ldc, rows, cols, alpha, overwrite, ldb);
  else if (rows > 4) floatTile<8>(kc, a, b, C, ldc, rows, cols, alpha, overwrite, ldb);
  else floatTile<4>(kc, a, b, C, ldc, rows, cols, alpha, overwrite, ldb);
}
#elif defined(__AVX2__)
// The float tile in AVX2 FMAs (2 per broadcast of A), for the first R rows of a panel;
// edge tiles are stored through masks, as the AVX-512 tile's.
template <int R>
inline void floatTile(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict C, int64_t ldc, int64_t rows,
                      int64_t cols, float alpha, bool overwrite, int64_t ldb) {
  constexpr int MR = Tile<float>::MR;
  __m256 lo[R], hi[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; r++) {
      const __m256 av = _mm256_broadcast_ss(a + r);
      lo[r] = _mm256_fmadd_ps(av, b0, lo[r]);
      hi[r] = _mm256_fmadd_ps(av, b1, hi[r]);
    }
    a += MR;
    b += ldb;
  }
  const __m256 al = _mm256_set1_ps(alpha), zero = _mm256_setzero_ps();
  const __m256i mlo = firstLanes8(cols), mhi = firstLanes8(cols - 8);
  // Every loop over the accumulators is unrolled: one indexed by a run-time count makes
  // the compiler keep them in memory, storing all 12 to the stack on every step of K
  // (measured: half OpenBLAS's speed).
#pragma GCC unroll 6
  for (int r = 0; r < R; r++) {
    if (r >= rows) break;
    float* c = C + r * ldc;
    if (cols >= 16) {
      _mm256_storeu_ps(c, _mm256_fmadd_ps(al, lo[r], overwrite ? zero : _mm256_loadu_ps(c)));
      _mm256_storeu_ps(c + 8, _mm256_fmadd_ps(al, hi[r], overwrite ? zero : _mm256_loadu_ps(c + 8)));
    } else {
      _mm256_maskstore_ps(c, mlo, _mm256_fmadd_ps(al, lo[r], overwrite ? zero : _mm256_maskload_ps(c, mlo)));
      _mm256_maskstore_ps(c + 8, mhi, _mm256_fmadd_ps(al, hi[r], overwrite ? zero : _mm256_maskload_ps(c + 8, mhi)));
    }
  }
}

template <>
inline void microKernel<float>(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict C, int64_t ldc,
                               int64_t rows, int64_t cols, float alpha, bool overwrite, int64_t ldb) {
  if (rows > 4) floatTile<6>(kc, a, b, C, ldc, rows, cols, alpha, overwrite, ldb);
  else if (rows > 2) floatTile<4>(kc, a, b, C, ldc, rows, cols, alpha, overwrite, ldb);
  else floatTile<2>(kc, a, b, C, ldc, rows, cols, alpha, overwrite, ldb);
}
#endif

// C[mc x nc] += alpha * Ap * Bp for one packed block.
template <class T>
void macroKernel(int64_t mc, int64_t nc, int64_t kc, const T* Ap, const T* Bp, T* C, int64_t ldc, T alpha, bool overwrite) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  for (int64_t jp = 0; jp < nc; jp += NR) {
    int64_t cols = std::min<int64_t>(NR, nc - jp);
    const T* b = Bp + (jp / NR) * kc * NR;
    for (int64_t ip = 0; ip < mc; ip += MR) {
      int64_t rows = std::min<int64_t>(MR, mc - ip);
      microKernel<T>(kc, Ap + (ip / MR) * kc * MR, b, C + ip * ldc + jp, ldc, rows, cols, alpha, overwrite, NR);
    }
  }
}

inline void macro(int64_t mc, int64_t nc, int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, float alpha, bool overwrite) {
  macroKernel<float>(mc, nc, kc, Ap, Bp, C, ldc, alpha, overwrite);
}
inline void macro(int64_t mc, int64_t nc, int64_t kc, const double* Ap, const double* Bp, double* C, int64_t ldc, double alpha, bool overwrite) {
  macroKernel<double>(mc, nc, kc, Ap, Bp, C, ldc, alpha, overwrite);
}

template <class T>
void scaleC(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < M; i++) {
    T* c = C + i * ldc;
    if (beta == T(0)) std::fill(c, c + N, T(0));
    else for (int64_t j = 0; j < N; j++) c[j] *= beta;
  }
}

template <class T>
void portableGemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
                  T* C, int64_t ldc, bool threaded) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, KC = Tile<T>::KC, NC = Tile<T>::NC;
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) return scaleC(M, N, beta, C, ldc);
  // beta = 0: the first block of K writes C without reading it (C may hold anything).
  const bool overwrite = beta == T(0);
  if (!overwrite) scaleC(M, N, beta, C, ldc);
  // Waking the pool costs microseconds: small products stay on the calling thread.
  threaded = threaded && M * N * K >= kThreadedGemmMin;
  int nt = threaded ? numThreads() : 1;
  // Row blocks of at most MC rows, as many as a multiple of the threads so that each
  // thread gets the same share (512 rows in blocks of 120 were 5 blocks: 3 on one thread
  // against 2 on the other). Blocking rows does not change any element's sum.
  int64_t MC = Tile<T>::MC;
  if (nt > 1) {
    int64_t blocks = (M + MC - 1) / MC;
    blocks = (blocks + nt - 1) / nt * nt;
    MC = std::max<int64_t>(MR, ((M + blocks - 1) / blocks + MR - 1) / MR * MR);
  }
  // Packed panels in per-thread scratch: no allocation or zero-fill per call.
  // Blocks of K of equal depth, at most KC: 288 (a 3x3 convolution over 32 channels) is
  // two blocks of 144, not 256 and a 32 that reads and writes C for little work.
  const int64_t kSteps = (K + KC - 1) / KC, kcMax = (K + kSteps - 1) / kSteps;
  Scratch<T> Bp(kGemmPackedB, kcMax * ((std::min<int64_t>(NC, N) + NR - 1) / NR) * NR);
  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = std::min<int64_t>(NC, N - jc);
    int64_t npanels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += kcMax) {
      if (interruptRequested()) return;
      int64_t kc = std::min<int64_t>(kcMax, K - pc);
      auto packB = [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; p++)
          packBPanel(tb, B, ldb, pc, kc, jc + p * NR, std::min<int64_t>(NR, nc - p * NR), Bp.data() + p * kc * NR);
      };
      if (threaded) parallel_for(npanels, 16, packB);
      else packB(0, npanels);
      int64_t mblocks = (M + MC - 1) / MC;
      auto body = [&](int64_t b, int64_t e) {
        Scratch<T> Ap(kGemmPackedA, (MC + MR) * kc);
        for (int64_t ib = b; ib < e && !interruptRequested(); ib++) {
          int64_t i0 = ib * MC, mc = std::min<int64_t>(MC, M - i0);
          packA(ta, A, lda, i0, mc, pc, kc, Ap.data());
          macro(mc, nc, kc, Ap.data(), Bp.data(), C + i0 * ldc + jc, ldc, alpha, overwrite && pc == 0);
        }
      };
      if (threaded) parallel_for(mblocks, 1, body);
      else body(0, mblocks);
    }
  }
}

}  // namespace

int64_t packedASize(int64_t M, int64_t K) { return (M + Tile<float>::MR - 1) / Tile<float>::MR * Tile<float>::MR * K; }

void packAFull(bool ta, const float* A, int64_t lda, int64_t M, int64_t K, float* Ap) { packA<float>(ta, A, lda, 0, M, 0, K, Ap); }

void productsPackedA(int64_t M, int64_t N, int64_t K, const float* Ap, const float* B, int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  constexpr int MR = Tile<float>::MR, NR = Tile<float>::NR;
  // A column panel of B (K rows of NR) stays in L1 while every row panel of A passes over it.
  for (int64_t jp = 0; jp < N; jp += NR) {
    const int64_t cols = std::min<int64_t>(NR, N - jp);
    for (int64_t ip = 0; ip < M; ip += MR)
      microKernel<float>(K, Ap + (ip / MR) * K * MR, B + jp, C + ip * ldc + jp, ldc, std::min<int64_t>(MR, M - ip), cols, 1.0f, !accumulate, ldb);
  }
}

void sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc, bool threaded) {
  portableGemm<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
}
void dgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
           double beta, double* C, int64_t ldc, bool threaded) {
  portableGemm<double>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
