// Matrix multiply: the exported batched gemm and the internal gemmCore used by conv.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "args.h"
#include "gemm_core.h"

namespace gradlab {

Napi::Value Gemm(const Napi::CallbackInfo& info);

// A gemm call's arguments, validated, errors starting with `kernel`: what Gemm and GemmDeterministic share.
struct GemmCall {
  bool ta, tb, acc;
  int64_t M, N, K, batch, sA, sB, sC;
  Buf A, B, C;
};
GemmCall parseGemm(const Napi::CallbackInfo& info, const char* kernel);
// Whether a product runs long enough to be worth watching for an interrupt.
bool longEnoughToWatch(const GemmCall& g);

// What BLAS the addon was built with: "openblas 0.3.21" or "portable".
const char* blasName();
// Who does float32 products: "openblas", or gradlab's own tile where it is faster.
const char* sgemmName();
// At load: GRADLAB_SGEMM (gradlab | openblas | auto) forces who does float32 products
// of a tile's size or more; returns "" or why the value was refused.
std::string chooseSgemm();
// Once, at load: OpenBLAS single-threaded (gradlab's pool does the threading).
void blasInit();

}  // namespace gradlab
