// Reductions along the middle axis of [outer, n, inner], softmax and its gradient.
#pragma once
#include <napi.h>

#include <cstdint>

#include "isa_unit.h"
#include "sum_chunks.h"

// Compiled once per instruction-set path (isa.h); addon.cc exports the chosen path's.
namespace gradlab {
namespace GRADLAB_ISA_NS {
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info);
// The sum reduce makes of a contiguous run of n floats (before rounding it to float), for
// the kernels that must give its bits on data they hold (direct_conv.cc: a bias's gradient
// from a pooled one). For n < kSumChunkedFrom only: longer runs are summed in chunks.
double sumContiguousFloats(const float* p, int64_t n);
}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
