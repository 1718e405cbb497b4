#include "gemm.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "isa.h"

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

#ifdef GRADLAB_OPENBLAS
// Whether OpenBLAS chose AVX-512 kernels for itself. It dispatches on its own, from the
// CPU and OPENBLAS_CORETYPE: GRADLAB_ISA does not change its choice.
bool openblasAvx512() {
  std::string core = openblas_get_corename();
  for (auto& ch : core) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const char* fast : {"skylakex", "cooperlake", "sapphirerapids"})
    if (core == fast) return true;
  return false;
}

// gradlab's tile does float32 products where it is faster than OpenBLAS's kernels
// (measured: native/README.md). On the avx512 path, when OpenBLAS runs AVX2 kernels (as
// with OPENBLAS_CORETYPE=Haswell, or on a CPU it does not know) on a CPU with full-width
// 512-bit units: up to twice their speed. Where AVX-512 is double-pumped (Zen 4) the
// 12x32 tile is 5-12 % slower than OpenBLAS's AVX2 kernels (2 threads, n = 512-2048),
// so OpenBLAS keeps the products there.
// On the avx2 path, kAvx2TileWins says whether the 6x16 tile beats OpenBLAS's AVX2 kernels.
// OpenBLAS's own AVX-512 kernels, and the baseline path, always keep OpenBLAS.
constexpr bool kAvx2TileWins = false;
// GRADLAB_SGEMM=gradlab|openblas overrides the choice (the tests run every path's tile).
enum class SgemmChoice { Auto, Gradlab, Openblas };
SgemmChoice sgemmChoice = SgemmChoice::Auto;
// On the avx2 path the tile does win products with a short K (at most 128), unless only B
// is transposed. A transposed, a layer's weight gradient over a batch (dy^T x): OpenBLAS's
// packing of a transposed A costs most of such a call: 2 threads, 128x3136x64 254-274
// against 298-300 us, 256x784x64 126 against 187-194, 128x256x64 24 against 44-46,
// 256x784x128 252-256 against 313-351. Neither transposed, a layer's input gradient (dy W):
// 64x3136x128 278-281 against 287-288, 64x784x64 33 against 50-53, 256x784x128 240 against
// 299-307, 64x512x128 43-45 against 65, 128^3 23.5 against 24-25 (session 21; at K = 256
// even, at 512 OpenBLAS's). B alone transposed (x W^T) goes either way (64x3136x128 312-323
// against 294-296, 256x784x128 249-254 against 321-325): OpenBLAS keeps it.
constexpr int64_t kAvx2TileMaxK = 128;
bool ownSgemm(int64_t M, int64_t N, int64_t K = int64_t(1) << 20, bool ta = false, bool tb = false) {
  const IsaKernels& k = isa();
  // Thin products (the 10 classes of a last layer) waste most of a tile.
  if (M < k.sgemmMR || N < k.sgemmNR) return false;
  static const bool own = sgemmChoice == SgemmChoice::Auto
                              ? ((k.isa == Isa::Avx512 && avx512FullWidth()) || (k.isa == Isa::Avx2 && kAvx2TileWins)) && !openblasAvx512()
                              : sgemmChoice == SgemmChoice::Gradlab;
  static const bool ownShortK = sgemmChoice == SgemmChoice::Auto && k.isa == Isa::Avx2 && !openblasAvx512();
  if (ownShortK && (ta || !tb) && K <= kAvx2TileMaxK) return true;
  return own;
}
#endif

std::string chooseSgemm() {
  const char* env = std::getenv("GRADLAB_SGEMM");
  if (!env || !*env || std::strcmp(env, "auto") == 0) return "";
#ifdef GRADLAB_OPENBLAS
  if (std::strcmp(env, "gradlab") == 0) sgemmChoice = SgemmChoice::Gradlab;
  else if (std::strcmp(env, "openblas") == 0) sgemmChoice = SgemmChoice::Openblas;
  else
#else
  if (std::strcmp(env, "openblas") == 0) return "GRADLAB_SGEMM=openblas, but the addon was built without OpenBLAS";
  if (std::strcmp(env, "gradlab") != 0)
#endif
    return std::string("GRADLAB_SGEMM=") + env + " is not a choice: use gradlab, openblas or auto";
  return "";
}

const char* sgemmName() {
#ifdef GRADLAB_OPENBLAS
  if (!ownSgemm(1 << 20, 1 << 20)) return "openblas";
#endif
  static const std::string name = std::string("gradlab ") + isa().name + " (" + isa().sgemmTile + ")";
  return name.c_str();
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
bool useBlas(int64_t M, int64_t N, int64_t K, bool ta, bool tb) {
#ifdef GRADLAB_OPENBLAS
  return M > 0 && N > 0 && K > 0 && (!std::is_same<T, float>::value || !ownSgemm(M, N, K, ta, tb));
#else
  return false;
#endif
}

// A large product on the pool: one serial product (`serial`: OpenBLAS's or gradlab's
// tile) per block of C. Normally a block of rows (or of columns, for a wide product) per
// thread, each packing its own panels: no barrier between the threads, which measured
// faster than sharing one packed panel of B (gradlab's AVX2 tile on 2 threads, n = 512:
// +15-25 %). A product too long to run without looking for an interrupt is cut into
// squarish blocks of at most kInterruptBlock multiply-adds (each repacks its panels: a
// few percent more work). The cuts fall on multiples of rowAlign and colAlign (the
// tile's rows and columns). Cutting C does not change the sum of any element.
template <class Serial>
void onPool(int64_t M, int64_t N, int64_t K, int64_t rowAlign, int64_t colAlign, const Serial& serial) {
  const int64_t nt = numThreads();
  int64_t rowParts = M >= N ? nt : 1, colParts = M >= N ? 1 : nt;
  if (M * N * K > kInterruptBlock * nt) {
    int64_t side = 512;
    while (4 * side * side * K <= kInterruptBlock) side *= 2;
    rowParts = std::max<int64_t>(1, (M + side - 1) / side);
    colParts = std::max<int64_t>(1, (N + side - 1) / side);
  }
  auto cut = [](int64_t n, int64_t part, int64_t parts, int64_t align) { return std::min(n, (n * part / parts + align - 1) / align * align); };
  const int64_t parts = rowParts * colParts;
  parallel_for(parts, 1, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e && !interruptRequested(); p++) {
      const int64_t r = p / colParts, c = p % colParts;
      const int64_t i0 = cut(M, r, rowParts, rowAlign), i1 = cut(M, r + 1, rowParts, rowAlign);
      const int64_t j0 = cut(N, c, colParts, colAlign), j1 = cut(N, c + 1, colParts, colAlign);
      if (i1 > i0 && j1 > j0) serial(i0, i1 - i0, j0, j1 - j0);
    }
  });
}

// OpenBLAS where it is linked, unless gradlab's tile is faster; else the portable GEMM.
// `threaded`: on the pool when large enough.
template <class T>
void gemmAt(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C,
            int64_t ldc, bool threaded) {
  if (M == 0 || N == 0) return;
#ifdef GRADLAB_OPENBLAS
  const bool blas = useBlas<T>(M, N, K, ta, tb);
  // One block of C, serial, by OpenBLAS or gradlab's tile: the pool is shared out here.
  auto block = [&](int64_t i0, int64_t m, int64_t j0, int64_t n) {
    const T* a = ta ? A + i0 : A + i0 * lda;
    const T* b = tb ? B + j0 * ldb : B + j0;
    T* c = C + i0 * ldc + j0;
    if (blas) blasGemm(ta, tb, m, n, K, alpha, a, lda, b, ldb, beta, c, ldc);
    else if constexpr (std::is_same<T, float>::value) isa().sgemm(ta, tb, m, n, K, alpha, a, lda, b, ldb, beta, c, ldc, false);
    else isa().dgemm(ta, tb, m, n, K, alpha, a, lda, b, ldb, beta, c, ldc, false);
  };
  const int64_t work = M * N * std::max<int64_t>(K, 1);
  if (threaded && !inParallelRegion() && work >= kThreadedGemmMin && (numThreads() > 1 || work > kInterruptBlock))
    return onPool(M, N, K, blas ? 1 : isa().sgemmMR, blas ? 1 : isa().sgemmNR, block);
  block(0, M, 0, N);
#else
  if constexpr (std::is_same<T, float>::value) isa().sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
  else isa().dgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, threaded);
#endif
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

void checkOperand(const char* kernel, const char* name, const Buf& buf, int64_t batch, int64_t stride, int64_t r, const char* rn, int64_t c,
                  const char* cn, const char* strideName) {
  int64_t mat = mulChecked(kernel, name, {r, c});
  if (batch == 0 || mat == 0) return;
  int64_t need = (batch - 1) * stride + mat;  // < 2^31 * 2^31 + 2^31: no overflow in int64
  std::string why = batch == 1 ? dims(rn, r, cn, c)
                               : "batch " + std::to_string(batch) + " with " + strideName + " " + std::to_string(stride) + " and " + dims(rn, r, cn, c);
  requireLen(kernel, name, buf, need, false, why);
}

}  // namespace

GemmCall parseGemm(const Napi::CallbackInfo& info, const char* Kn) {
  static const char* const names[] = {"transA", "transB", "M", "N", "K", "A", "B", "C", "batch", "strideA", "strideB", "strideC", "accumulate"};
  Args args(info, Kn, 13, names);
  GemmCall g;
  g.ta = args.boolean(0);
  g.tb = args.boolean(1);
  g.M = args.size(2);
  g.N = args.size(3);
  g.K = args.size(4);
  g.batch = args.size(8);
  g.sA = args.size(9);
  g.sB = args.size(10);
  g.sC = args.size(11);
  g.acc = args.boolean(12);
  g.A = args.buf(5, M_FLOAT);
  g.B = args.buf(6, M_FLOAT);
  g.C = args.buf(7, M_FLOAT);
  requireSameDtype(Kn, "A", g.A, "B", g.B);
  requireSameDtype(Kn, "A", g.A, "C", g.C);
  checkOperand(Kn, "A", g.A, g.batch, g.sA, g.ta ? g.K : g.M, g.ta ? "K" : "M", g.ta ? g.M : g.K, g.ta ? "M" : "K", "strideA");
  checkOperand(Kn, "B", g.B, g.batch, g.sB, g.tb ? g.N : g.K, g.tb ? "N" : "K", g.tb ? g.K : g.N, g.tb ? "K" : "N", "strideB");
  checkOperand(Kn, "C", g.C, g.batch, g.sC, g.M, "M", g.N, "N", "strideC");
  return g;
}

bool longEnoughToWatch(const GemmCall& g) {
  return double(g.M) * double(g.N) * double(std::max<int64_t>(g.K, 1)) * double(g.batch) >= double(kInterruptBlock / 64);
}

// gemm(transA, transB, M, N, K, A, B, C, batch, strideA, strideB, strideC, accumulate)
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const GemmCall g = parseGemm(info, "gemm");
  if (g.batch == 0 || g.M == 0 || g.N == 0) return info.Env().Undefined();
  // Only products long enough to be worth interrupting pay for the watch (two syscalls).
  std::optional<InterruptWatch> watch;
  if (longEnoughToWatch(g)) watch.emplace();
  if (g.A.dtype == DType::F32)
    batchedGemm(g.ta, g.tb, g.M, g.N, g.K, g.A.as<float>(), g.B.as<float>(), g.C.as<float>(), g.batch, g.sA, g.sB, g.sC, g.acc);
  else
    batchedGemm(g.ta, g.tb, g.M, g.N, g.K, g.A.as<double>(), g.B.as<double>(), g.C.as<double>(), g.batch, g.sA, g.sB, g.sC, g.acc);
  if (watch) watch->throwIfInterrupted(info.Env(), "a matrix product");
  return info.Env().Undefined();
}

}  // namespace gradlab
