// Reductions along the middle axis of [outer, n, inner], softmax and its gradient.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value Softmax(const Napi::CallbackInfo& info);
Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info);
}  // namespace gradlab
