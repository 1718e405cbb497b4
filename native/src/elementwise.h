// Elementwise kernels: unary, unaryBackward, binary (broadcasting), where, cast, fill,
// countNonFinite, nonzero.
#pragma once
#include <napi.h>

#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); addon.cc exports the chosen path's.
namespace gradlab {
namespace GRADLAB_ISA_NS {
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value UnaryBackward(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Where(const Napi::CallbackInfo& info);
Napi::Value Cast(const Napi::CallbackInfo& info);
Napi::Value Fill(const Napi::CallbackInfo& info);
Napi::Value CountNonFinite(const Napi::CallbackInfo& info);
Napi::Value Nonzero(const Napi::CallbackInfo& info);
}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
