// Fused optimiser steps: sgdStep and adamStep update a parameter in one pass.
#pragma once
#include <napi.h>

namespace gradlab {
Napi::Value SgdStep(const Napi::CallbackInfo& info);
Napi::Value AdamStep(const Napi::CallbackInfo& info);
}  // namespace gradlab
