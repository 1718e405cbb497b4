// This path's table of kernels (isa.h), compiled once per instruction-set path.
#include "isa_unit.h"
#include "isa.h"

#include "direct_conv.h"
#include "elementwise.h"
#include "gemm_tile.h"
#include "peak_flops.h"
#include "optim.h"
#include "reduce.h"
#include "sparse_conv.h"
#include "winograd.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

// Defined in pool_rows.cc, softmax_rows.cc, gemm_tile.cc and det_gemm_rows.cc of this path.
int64_t maxPool2x2Row(const float* r0, const float* r1, int64_t OW, int32_t base, int32_t W, float* y, int32_t* am, bool spill);
int64_t maxPool2x2BackwardRow(const float* dy, const int32_t* am, const float* mask, int64_t OW, int32_t base, int32_t W, float* d0,
                              float* d1, bool spill);
void softmaxRow(const float* x, float* o, int64_t n, bool log);
void sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc, bool threaded);
void dgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
           double beta, double* C, int64_t ldc, bool threaded);
void detSgemmRows(bool ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C, int64_t i0, int64_t i1, bool accumulate);
void detDgemmRows(bool ta, int64_t M, int64_t N, int64_t K, const double* A, const double* B, double* C, int64_t i0, int64_t i1,
                  bool accumulate);

#if defined(__AVX512F__)
#define GRADLAB_ISA_TABLE Isa::Avx512, "avx512", "x86-64-v4 (AVX-512 F/BW/CD/DQ/VL)", "12x32 tile"
#elif defined(__AVX2__)
#define GRADLAB_ISA_TABLE Isa::Avx2, "avx2", "x86-64-v3 (AVX2, FMA)", "6x16 tile"
#elif defined(__x86_64__)
#define GRADLAB_ISA_TABLE Isa::Baseline, "baseline", "x86-64-v2 (SSE4.2)", "4x16 tile, compiler-vectorised"
#else
#define GRADLAB_ISA_TABLE Isa::Baseline, "baseline", "this CPU's baseline", "4x16 tile, compiler-vectorised"
#endif

namespace {
struct Names { Isa i; const char *name, *target, *tile; };
constexpr Names kNames{GRADLAB_ISA_TABLE};
}  // namespace

#if defined(__AVX2__)
#define GRADLAB_DIRECT_CONV directConv3x3, directConvWeightGrad3x3, directConvPooledWeightGrad3x3
#else
#define GRADLAB_DIRECT_CONV nullptr, nullptr, nullptr  // the baseline has no direct kernels: im2col + GEMM
#endif
// The sparse gradients on the AVX2 and AVX-512 paths (ymm on both). With AVX-512, Winograd's
// input gradient alone is about as fast (1.41-1.45 ms a call against 1.36-1.56 on the course
// CNN's second layer), its weight gradient slower (1.64-1.77 against 1.22-1.33), and the
// fused layer's one pass makes a training step 9.5-9.7 -> 8.2-8.7 ms (bench/README.md).
#if defined(__AVX2__)
#define GRADLAB_SPARSE_CONV sparseConvBackwardInput3x3, sparseConvBackwardWeight3x3, sparseConvPooledBackward3x3
#else
#define GRADLAB_SPARSE_CONV nullptr, nullptr, nullptr
#endif

// A constant expression, so the table is filled at compile time: no code of a path runs
// at load, before it is chosen (on a CPU without it, that code would fault).
constexpr IsaKernels kTable = {kNames.i, kNames.name, kNames.target, winogradConv3x3, winogradWeightGrad3x3, GRADLAB_DIRECT_CONV,
                               GRADLAB_SPARSE_CONV, maxPool2x2Row, maxPool2x2BackwardRow, softmaxRow, sgemm, dgemm, detSgemmRows, detDgemmRows, kNames.tile, Tile<float>::MR, Tile<float>::NR,
                               Unary, UnaryBackward, Binary, Where, Cast, Fill, CountNonFinite, Nonzero,
                               Reduce, Softmax, SoftmaxBackward, SgdStep, AdamStep, peakGflops};
extern const IsaKernels kernels = kTable;

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
