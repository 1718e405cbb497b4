// 2-D convolution (cross-correlation, as PyTorch) by im2col + GEMM over chunks of the batch.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value Conv2d(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info);
}  // namespace gradlab
