// Max and average 2-D pooling and their gradients, parallel over (n, c) planes.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value MaxPool2d(const Napi::CallbackInfo& info);
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info);
Napi::Value AvgPool2d(const Napi::CallbackInfo& info);
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info);
}  // namespace gradlab
