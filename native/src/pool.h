// Max and average 2-D pooling and their gradients, parallel over (n, c) planes.
#pragma once
#include <napi.h>

#include <cstdint>

namespace gradlab {
// 2x2 stride-2 max pooling of `planes` planes of H x W into floor(H/2) x floor(W/2), by the
// same loop as MaxPool2d (the same values and winners); on the pool unless called from it.
template <class T>
void maxPool2x2Planes(const T* x, int64_t planes, int64_t H, int64_t W, T* y, int32_t* am);
// The gradient of one H x W plane's 2x2 stride-2 max pooling (OH x OW = floor halves): dy
// (relu's gradient first where mask is given) at each window's winner am, 0 elsewhere, as
// MaxPool2dBackward writes it. False at a winner outside its window. `more`: the caller
// writes the 16 floats after dx's end later (they may be written now).
template <class T>
bool maxPool2x2BackwardPlane(int64_t H, int64_t W, int64_t OH, int64_t OW, const T* dy, const int32_t* am, const T* mask, T* dx, bool more);
Napi::Value MaxPool2d(const Napi::CallbackInfo& info);
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info);
Napi::Value AvgPool2d(const Napi::CallbackInfo& info);
Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info);
}  // namespace gradlab
