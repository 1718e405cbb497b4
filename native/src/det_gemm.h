// The deterministic matrix product: gemm's arguments and validation, and the TypeScript
// reference's operation sequence for every element (det_gemm_rows.cc), so that its bits
// depend on neither the thread count nor the instruction-set path, and equal the
// TypeScript backend's. What gradlab's deterministic mode multiplies with.
#pragma once
#include <napi.h>

namespace gradlab {

// gemmDeterministic(transA, transB, M, N, K, A, B, C, batch, strideA, strideB, strideC, accumulate)
Napi::Value GemmDeterministic(const Napi::CallbackInfo& info);

}  // namespace gradlab
