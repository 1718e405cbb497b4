// Max and average 2-D pooling and their gradients, parallel over (n, c) planes.
#pragma once
#include <napi.h>

#include <cstdint>

namespace gradlab {
// 2x2 stride-2 max pooling of `planes` planes of H x W into floor(H/2) x floor(W/2), by the
// same loop as MaxPool2d (the same values and winners); on the pool unless called from it.
template <class T>
void maxPool2x2Planes(const T* x, int64_t planes, int64_t H, int64_t W, T* y, int32_t* am);
Napi::Value MaxPool2d(const Napi::CallbackInfo& info);
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info);
Napi::Value AvgPool2d(const Napi::CallbackInfo& info);
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info);
}  // namespace gradlab
