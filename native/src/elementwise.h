// Elementwise kernels: unary, unaryBackward, binary (broadcasting), where, cast, fill,
// countNonFinite, nonzero.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value UnaryBackward(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Where(const Napi::CallbackInfo& info);
Napi::Value Cast(const Napi::CallbackInfo& info);
Napi::Value Fill(const Napi::CallbackInfo& info);
Napi::Value CountNonFinite(const Napi::CallbackInfo& info);
Napi::Value Nonzero(const Napi::CallbackInfo& info);
}  // namespace gradlab
