// Data movement: strided copy / scatter, index select / add, gather / scatterAdd.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value StridedCopy(const Napi::CallbackInfo& info);
Napi::Value StridedScatter(const Napi::CallbackInfo& info);
Napi::Value IndexSelect(const Napi::CallbackInfo& info);
Napi::Value IndexAdd(const Napi::CallbackInfo& info);
Napi::Value Gather(const Napi::CallbackInfo& info);
Napi::Value ScatterAdd(const Napi::CallbackInfo& info);
}  // namespace gradlab
