// 2-D convolution (cross-correlation, as PyTorch) by im2col + GEMM over chunks of the batch.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value Conv2d(const Napi::CallbackInfo& info);
// conv2d then 2x2 stride-2 max pooling, the convolution's output kept in cache.
Napi::Value Conv2dMaxPool2x2(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info);
// conv2dMaxPool2x2's weight gradient from its pooled output's gradient (the direct kernel's).
Napi::Value Conv2dMaxPool2x2BackwardWeight(const Napi::CallbackInfo& info);
Napi::Value Conv2dMaxPool2x2Backward(const Napi::CallbackInfo& info);
// Deterministic mode's column matrices (core/backend/det_conv.ts): group `group`'s patches of
// x as a (C/groups*KH*KW) x (N*OH*OW) matrix, zeros on the padding; and its adjoint, added
// into a float64 accumulator of x's size, in the TypeScript's order of terms.
Napi::Value Im2col(const Napi::CallbackInfo& info);
Napi::Value Col2imAdd(const Napi::CallbackInfo& info);
}  // namespace gradlab
