// Instruction-set paths. The kernels that gain from wide vectors are compiled once per
// path (baseline x86-64-v2, AVX2+FMA x86-64-v3, AVX-512 x86-64-v4), each copy in its own
// namespace gradlab::<path> (binding.gyp's gradlab_isa_* libraries); one table of
// function pointers per path (isa_table.cc), and the addon picks one at load from what
// the CPU and its operating system support (cpuid, xgetbv), or from GRADLAB_ISA.
// Everything else is compiled for the baseline, so the addon runs on any x86-64-v2 CPU.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "conv3x3.h"

namespace gradlab {

enum class Isa : int { Baseline = 0, Avx2 = 1, Avx512 = 2 };

// An exported kernel (the arguments straight from JavaScript).
using NapiKernel = Napi::Value (*)(const Napi::CallbackInfo&);

struct IsaKernels {
  Isa isa;
  const char* name;    // "baseline", "avx2", "avx512": GRADLAB_ISA's values
  const char* target;  // what the unit was compiled for
  // winograd.h
  void (*winogradConv3x3)(const Conv3x3Geom& g, const float* x, const float* w, const float* bias, float* y, int32_t* am);
  void (*winogradWeightGrad3x3)(const Conv3x3Geom& g, const float* x, const float* dy, float* dw);
  // direct_conv.h; null where the path has no direct kernel (im2col + GEMM runs instead)
  void (*directConv3x3)(const Conv3x3Geom& g, const float* x, const float* w, const float* bias, float* y, int32_t* am);
  void (*directConvWeightGrad3x3)(const Conv3x3Geom& g, const float* x, const float* dy, float* dw);
  bool (*directConvPooledWeightGrad3x3)(const Conv3x3Geom& g, const float* x, const float* dyPooled, const int32_t* am, const float* mask,
                                        float* dw, float* planeSums);
  // sparse_conv.h: a 3x3 convolution's gradients from a mostly-zero output gradient; null where the path has none
  void (*sparseConvBackwardInput3x3)(const Conv3x3Geom& g, const float* dy, const float* w, float* dx);
  void (*sparseConvBackwardWeight3x3)(const Conv3x3Geom& g, const float* x, const float* dy, float* dw);
  bool (*sparseConvPooledBackward3x3)(const Conv3x3Geom& g, const float* x, const float* w, const float* dyPooled, const int32_t* am,
                                      const float* mask, float* dx, float* dw, float* planeSums);
  // pool_rows.cc: the first outputs of a 2x2 stride-2 max-pooling row; returns how many it wrote.
  // `spill`: the data goes on past these rows, in this plane or the next (at least 16 floats
  // after r1's start, 8 outputs after y's), and its caller writes what follows later, so a
  // short row may read and write whole vectors past its end instead of masking them.
  int64_t (*maxPool2x2Row)(const float* r0, const float* r1, int64_t OW, int32_t base, int32_t W, float* y, int32_t* am, bool spill);
  // pool_rows.cc: its gradient, straight into the two input rows; returns how many windows it
  // wrote (it stops at an argmax outside its window). `spill` as for maxPool2x2Row: 8 entries
  // of dy and am readable, 16 floats past d1's start rewritten later by the caller. With
  // `mask` (a relu's output over the pooling's, as dy), dy only where mask > 0: relu's gradient.
  int64_t (*maxPool2x2BackwardRow)(const float* dy, const int32_t* am, const float* mask, int64_t OW, int32_t base, int32_t W, float* d0,
                                   float* d1, bool spill);
  // softmax_rows.cc: softmax (or log-softmax) of one contiguous float row
  void (*softmaxRow)(const float* x, float* o, int64_t n, bool log);
  // gemm_tile.cc: gradlab's packed GEMM, C = alpha op(A) op(B) + beta C
  void (*sgemm)(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                int64_t ldb, float beta, float* C, int64_t ldc, bool threaded);
  void (*dgemm)(bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda, const double* B,
                int64_t ldb, double beta, double* C, int64_t ldc, bool threaded);
  // det_gemm_rows.cc: rows [i0, i1) of the deterministic GEMM (det_gemm.h); B is K x N row-major
  void (*detSgemmRows)(bool ta, int64_t M, int64_t N, int64_t K, const float* A, const float* B, float* C, int64_t i0, int64_t i1,
                       bool accumulate);
  void (*detDgemmRows)(bool ta, int64_t M, int64_t N, int64_t K, const double* A, const double* B, double* C, int64_t i0, int64_t i1,
                       bool accumulate);
  const char* sgemmTile;  // e.g. "12x32 tile"
  int sgemmMR, sgemmNR;   // its rows and columns: thinner products waste most of it
  // The exports of elementwise.h, reduce.h and optim.h: whole files compiled per path, for
  // the loops the compiler vectorises (exp, sigmoid, relu, add, sums, the optimisers).
  NapiKernel unary, unaryBackward, binary, where, cast, fill, countNonFinite, nonzero;
  NapiKernel reduce, softmax, softmaxBackward, sgdStep, adamStep;
  // peak_flops.h: this path's float32 multiply-add peak on all pool threads, measured (GFLOP/s)
  double (*peakGflops)();
};

// The path in use. Set once by chooseIsa() at load, before any kernel runs.
const IsaKernels& isa();
// Picks the path: the CPU's best, or GRADLAB_ISA's when set. Returns "" or, when
// GRADLAB_ISA asks for an unknown path or one this CPU lacks, why it refused.
std::string chooseIsa();
// The best path this CPU and OS support, and whether GRADLAB_ISA chose a lower one.
const char* cpuIsaName();
bool isaForced();
// Whether the CPU executes 512-bit instructions at full width. AMD's family 19h (Zen 4)
// runs each as two 256-bit halves, so a 512-bit tile gains nothing there (isa.cc).
bool avx512FullWidth();

// One table per path, defined in isa_table.cc compiled in that path's namespace.
namespace baseline { extern const IsaKernels kernels; }
#if defined(__x86_64__)
namespace avx2 { extern const IsaKernels kernels; }
namespace avx512 { extern const IsaKernels kernels; }
#endif

}  // namespace gradlab
