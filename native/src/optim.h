// Fused optimiser steps: sgdStep and adamStep update a parameter in one pass.
#pragma once
#include <napi.h>

#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); addon.cc exports the chosen path's.
namespace gradlab {
namespace GRADLAB_ISA_NS {
Napi::Value SgdStep(const Napi::CallbackInfo& info);
Napi::Value AdamStep(const Napi::CallbackInfo& info);
}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
