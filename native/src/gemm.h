// Matrix multiply: the exported batched gemm and the internal gemmCore used by conv.
#pragma once
#include <napi.h>

#include <cstdint>

#include "gemm_core.h"

namespace gradlab {

Napi::Value Gemm(const Napi::CallbackInfo& info);

// What BLAS the addon was built with: "openblas 0.3.21" or "portable".
const char* blasName();
// Who does float32 products: "openblas", or gradlab's own tile where it is faster.
const char* sgemmName();
// Once, at load: OpenBLAS single-threaded (gradlab's pool does the threading).
void blasInit();

}  // namespace gradlab
