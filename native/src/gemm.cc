#include "gemm.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "simd.h"

#include "args.h"
#include "interrupt.h"
#include "scratch.h"
#include "threadpool.h"

#ifdef GRADLAB_OPENBLAS
#include <cblas.h>
#endif

namespace gradlab {

namespace {

// Multiply-adds below which a product runs on one thread.
constexpr int64_t kThreadedGemmMin = int64_t(1) << 20;
// Multiply-adds of the longest piece of a product that runs without looking for an
// interrupt: tens of milliseconds on one core.
constexpr int64_t kInterruptBlock = int64_t(1) << 32;

// ---- Portable GEMM: packed panels, an MR x NR register tile the compiler vectorises. ----

template <class T> struct Tile;
#if defined(__AVX512F__)
// 12 rows x 32 columns: 24 zmm accumulators, two for B and one broadcast of A.
template <> struct Tile<float> { static constexpr int MR = 12, NR = 32, KC = 256, MC = 144, NC = 4096; };
#else
template <> struct Tile<float> { static constexpr int MR = 4, NR = 16, KC = 256, MC = 128, NC = 4096; };
#endif
template <> struct Tile<double> { static constexpr int MR = 4, NR = 8, KC = 256, MC = 96, NC = 2048; };

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

template <class T>
inline void microKernel(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict C, int64_t ldc, int64_t rows,
                        int64_t cols, T alpha, bool overwrite) {
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
    b += NR;
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++) C[r * ldc + c] = (overwrite ? T(0) : C[r * ldc + c]) + alpha * acc[r][c];
}

#if defined(__AVX512F__)
// The float tile in AVX-512 FMAs (2 per broadcast of A), for the first R rows of a panel.
// Edge tiles are computed over the zero-padded packed panels and stored through masks.
template <int R>
inline void floatTile(int64_t kc, const float* __restrict a, const float* __restrict b, float* __restrict C, int64_t ldc, int64_t rows,
                      int64_t cols, float alpha, bool overwrite) {
  constexpr int MR = Tile<float>::MR;
  __m512 lo[R], hi[R];
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
    b += 32;
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
                               int64_t rows, int64_t cols, float alpha, bool overwrite) {
  if (rows > 8) floatTile<12>(kc, a, b, C, ldc, rows, cols, alpha, overwrite);
  else if (rows > 4) floatTile<8>(kc, a, b, C, ldc, rows, cols, alpha, overwrite);
  else floatTile<4>(kc, a, b, C, ldc, rows, cols, alpha, overwrite);
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
      microKernel<T>(kc, Ap + (ip / MR) * kc * MR, b, C + ip * ldc + jp, ldc, rows, cols, alpha, overwrite);
    }
  }
}

// A portable build carries an AVX2+FMA clone chosen at run time; a build for this CPU
// (the default) is vectorised for it already.
#if defined(__AVX2__)
#define GRADLAB_CLONES
#else
#define GRADLAB_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#endif

GRADLAB_CLONES
void macroKernelF(int64_t mc, int64_t nc, int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, float alpha, bool overwrite) {
  macroKernel<float>(mc, nc, kc, Ap, Bp, C, ldc, alpha, overwrite);
}
GRADLAB_CLONES
void macroKernelD(int64_t mc, int64_t nc, int64_t kc, const double* Ap, const double* Bp, double* C, int64_t ldc, double alpha, bool overwrite) {
  macroKernel<double>(mc, nc, kc, Ap, Bp, C, ldc, alpha, overwrite);
}
inline void macro(int64_t mc, int64_t nc, int64_t kc, const float* Ap, const float* Bp, float* C, int64_t ldc, float alpha, bool overwrite) {
  macroKernelF(mc, nc, kc, Ap, Bp, C, ldc, alpha, overwrite);
}
inline void macro(int64_t mc, int64_t nc, int64_t kc, const double* Ap, const double* Bp, double* C, int64_t ldc, double alpha, bool overwrite) {
  macroKernelD(mc, nc, kc, Ap, Bp, C, ldc, alpha, overwrite);
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
  int64_t MC = Tile<T>::MC;
  if (nt > 1 && M < MC * nt) MC = std::max<int64_t>(MR, ((M + nt - 1) / nt + MR - 1) / MR * MR);
  // Packed panels in per-thread scratch: no allocation or zero-fill per call.
  Scratch<T> Bp(kGemmPackedB, int64_t(KC) * ((std::min<int64_t>(NC, N) + NR - 1) / NR) * NR);
  for (int64_t jc = 0; jc < N; jc += NC) {
    int64_t nc = std::min<int64_t>(NC, N - jc);
    int64_t npanels = (nc + NR - 1) / NR;
    for (int64_t pc = 0; pc < K; pc += KC) {
      if (interruptRequested()) return;
      int64_t kc = std::min<int64_t>(KC, K - pc);
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

#ifdef GRADLAB_OPENBLAS
// "openblas 0.3.21 (SkylakeX kernels)": the version from its build config, the kernels it chose at load.
const char* blasName() {
  static std::string name = [] {
    std::string config = openblas_get_config(), version = "openblas";
    auto at = config.find(' ');
    if (at != std::string::npos) version += config.substr(at, config.find(' ', at + 1) - at);
    return version + " (" + openblas_get_corename() + " kernels)";
  }();
  return name.c_str();
}
// OpenBLAS's own threads spin for milliseconds after each call, taking the cores from
// gradlab's pool (a CNN step ran 20 ms of CPU in 10 ms); it runs single-threaded, and
// large products are shared out on the pool instead (blasOnPool).
void blasInit() { openblas_set_num_threads(1); }
#else
const char* blasName() { return "portable"; }
void blasInit() {}
#endif

#if defined(GRADLAB_OPENBLAS) && defined(__AVX512F__)
// OpenBLAS runs AVX2 kernels on an AVX-512 CPU when told to (OPENBLAS_CORETYPE=Haswell)
// or when it does not know the CPU; gradlab's AVX-512 tile then does float32 products at
// up to twice their speed. Its AVX-512 kernels (SkylakeX and later) are used as they are.
bool ownSgemm(int64_t M, int64_t N) {
  // Thin products (the 10 classes of a last layer) waste most of a 12x32 tile.
  if (M < 12 || N < 32) return false;
  static const bool own = [] {
    std::string core = openblas_get_corename();
    for (auto& ch : core) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const char* fast : {"skylakex", "cooperlake", "sapphirerapids"})
      if (core == fast) return false;
    return true;
  }();
  return own;
}
#else
constexpr bool ownSgemm(int64_t, int64_t) { return false; }
#endif

const char* sgemmName() {
#ifdef GRADLAB_OPENBLAS
  if (!ownSgemm(1 << 20, 1 << 20)) return "openblas";
#endif
  return Tile<float>::MR == 12 ? "gradlab avx512 (12x32 tile)" : "gradlab portable";
}

namespace {

#ifdef GRADLAB_OPENBLAS
void blasGemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
              float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)M, (blasint)N, (blasint)K, alpha, A,
              (blasint)std::max<int64_t>(1, lda), B, (blasint)std::max<int64_t>(1, ldb), beta, C, (blasint)std::max<int64_t>(1, ldc));
}
void blasGemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
              double beta, double* C, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)M, (blasint)N, (blasint)K, alpha, A,
              (blasint)std::max<int64_t>(1, lda), B, (blasint)std::max<int64_t>(1, ldb), beta, C, (blasint)std::max<int64_t>(1, ldc));
}
#endif

template <class T>
bool useBlas(int64_t M, int64_t N, int64_t K) {
#ifdef GRADLAB_OPENBLAS
  return M > 0 && N > 0 && K > 0 && (!std::is_same<T, float>::value || !ownSgemm(M, N));
#else
  return false;
#endif
}

#ifdef GRADLAB_OPENBLAS
// A large product on the pool: one serial OpenBLAS call per block of C. Normally a block
// of rows (or of columns, for a wide product) per thread; a product too long to run
// without looking for an interrupt is cut into squarish blocks of at most
// kInterruptBlock multiply-adds (each repacks its panels: a few percent more work).
template <class T>
void blasOnPool(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
                int64_t ldc) {
  const int64_t nt = numThreads();
  int64_t rowParts = M >= N ? nt : 1, colParts = M >= N ? 1 : nt;
  if (M * N * K > kInterruptBlock * nt) {
    int64_t side = 512;
    while (4 * side * side * K <= kInterruptBlock) side *= 2;
    rowParts = std::max<int64_t>(1, (M + side - 1) / side);
    colParts = std::max<int64_t>(1, (N + side - 1) / side);
  }
  const int64_t parts = rowParts * colParts;
  parallel_for(parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e && !interruptRequested(); p++) {
      const int64_t r = p / colParts, c = p % colParts;
      const int64_t i0 = M * r / rowParts, i1 = M * (r + 1) / rowParts, j0 = N * c / colParts, j1 = N * (c + 1) / colParts;
      if (i1 > i0 && j1 > j0)
        blasGemm(ta, tb, i1 - i0, j1 - j0, K, alpha, ta ? A + i0 : A + i0 * lda, lda, tb ? B + j0 * ldb : B + j0, ldb, beta,
                 C + i0 * ldc + j0, ldc);
    }
  });
}
#endif

// OpenBLAS where it is linked, unless gradlab's tile is faster; else the portable GEMM.
// `threaded`: on the pool when large enough.
template <class T>
void gemmAt(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
            int64_t ldc, bool threaded) {
  if (M == 0 || N == 0) return;
#ifdef GRADLAB_OPENBLAS
  if (useBlas<T>(M, N, K)) {
    const int64_t work = M * N * K;
    if (threaded && !inParallelRegion() && work >= kThreadedGemmMin && (numThreads() > 1 || work > kInterruptBlock))
      blasOnPool(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    else
      blasGemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
#endif
  portableGemm<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
}

}  // namespace

void gemmSerial(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
                float beta, float* C, int64_t ldc) {
  gemmAt(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, false);
}
void gemmSerial(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda, const double* B,
                int64_t ldb, double beta, double* C, int64_t ldc) {
  gemmAt(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, false);
}
void gemmCore(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
              float beta, float* C, int64_t ldc, bool threaded) {
  gemmAt(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
}
void gemmCore(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
              double beta, double* C, int64_t ldc, bool threaded) {
  gemmAt(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
}

namespace {

template <class T>
void batchedGemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* A, const T* B, T* C, int64_t batch, int64_t sA, int64_t sB,
                 int64_t sC, bool acc) {
  const int64_t lda = ta ? M : K, ldb = tb ? K : N, ldc = N;
  const T beta = acc ? T(1) : T(0);
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  // Many small independent products: one per task on the pool, each single-threaded.
  if (batch > 1 && sC >= M * N && work <= (int64_t(1) << 18) && numThreads() > 1) {
    parallel_for(batch, std::max<int64_t>(1, (int64_t(1) << 16) / work), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e && !interruptRequested(); i++) gemmCore(ta, tb, M, N, K, T(1), A + i * sA, lda, B + i * sB, ldb, beta, C + i * sC, ldc, false);
    });
    return;
  }
  for (int64_t i = 0; i < batch && !interruptRequested(); i++) gemmCore(ta, tb, M, N, K, T(1), A + i * sA, lda, B + i * sB, ldb, beta, C + i * sC, ldc, true);
}

std::string dims(const char* a, int64_t x, const char* b, int64_t y) {
  return std::string(a) + "=" + std::to_string(x) + ", " + b + "=" + std::to_string(y);
}

void checkOperand(const char* name, const Buf& buf, int64_t batch, int64_t stride, int64_t r, const char* rn, int64_t c, const char* cn,
                  const char* strideName) {
  int64_t mat = mulChecked("gemm", name, {r, c});
  if (batch == 0 || mat == 0) return;
  int64_t need = (batch - 1) * stride + mat;  // < 2^31 * 2^31 + 2^31: no overflow in int64
  std::string why = batch == 1 ? dims(rn, r, cn, c)
                               : "batch " + std::to_string(batch) + " with " + strideName + " " + std::to_string(stride) + " and " + dims(rn, r, cn, c);
  requireLen("gemm", name, buf, need, false, why);
}

}  // namespace

// gemm(transA, transB, M, N, K, A, B, C, batch, strideA, strideB, strideC, accumulate)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"transA", "transB", "M", "N", "K", "A", "B", "C", "batch", "strideA", "strideB", "strideC", "accumulate"};
  const char* Kn = "gemm";
  Args args(info, Kn, 13, names);
  bool ta = args.boolean(0), tb = args.boolean(1);
  int64_t M = args.size(2), N = args.size(3), K = args.size(4);
  int64_t batch = args.size(8), sA = args.size(9), sB = args.size(10), sC = args.size(11);
  bool acc = args.boolean(12);
  Buf A = args.buf(5, M_FLOAT), B = args.buf(6, M_FLOAT), C = args.buf(7, M_FLOAT);
  requireSameDtype(Kn, "A", A, "B", B);
  requireSameDtype(Kn, "A", A, "C", C);
  checkOperand("A", A, batch, sA, ta ? K : M, ta ? "K" : "M", ta ? M : K, ta ? "M" : "K", "strideA");
  checkOperand("B", B, batch, sB, tb ? N : K, tb ? "N" : "K", tb ? K : N, tb ? "K" : "N", "strideB");
  checkOperand("C", C, batch, sC, M, "M", N, "N", "strideC");
  if (batch == 0 || M == 0 || N == 0) return info.Env().Undefined();
  // Only products long enough to be worth interrupting pay for the watch (two syscalls).
  std::optional<InterruptWatch> watch;
  if (double(M) * double(N) * double(std::max<int64_t>(K, 1)) * double(batch) >= double(kInterruptBlock / 64)) watch.emplace();
  if (A.dtype == DType::F32) batchedGemm(ta, tb, M, N, K, A.as<float>(), B.as<float>(), C.as<float>(), batch, sA, sB, sC, acc);
  else batchedGemm(ta, tb, M, N, K, A.as<double>(), B.as<double>(), C.as<double>(), batch, sA, sB, sC, acc);
  if (watch) watch->throwIfInterrupted(info.Env(), "a matrix product");
  return info.Env().Undefined();
}

}  // namespace gradlab
