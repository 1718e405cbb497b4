// Reductions along the middle axis of [outer, n, inner], softmax and its gradient.
#pragma once
#include <napi.h>

#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); addon.cc exports the chosen path's.
namespace gradlab {
namespace GRADLAB_ISA_NS {
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info);
}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
