// The addon's export opcodeTables(): the op-code tables this build was compiled with
// (opcodes.h, generated from core/backend/opcodes.ts), so that the TypeScript loader can
// refuse an addon built from other tables (core/backend/addon.ts) instead of running,
// say, exp where log was asked for. Included by addon.cc only.
#pragma once

#include <napi.h>

#include "opcodes.h"

namespace gradlab {

// {unary, unaryIntOk, binary, binaryBoolOut, reduce}: names in code order; the two
// subsets in code order too.
inline Napi::Value OpcodeTables(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto list = [&](const char* const* names, int count, bool (*keep)(int)) {
    Napi::Array a = Napi::Array::New(env);
    uint32_t k = 0;
    for (int op = 0; op < count; op++) {
      if (!keep || keep(op)) a.Set(k++, Napi::String::New(env, names[op]));
    }
    return a;
  };
  Napi::Object o = Napi::Object::New(env);
  o.Set("unary", list(kUnaryNames, U_COUNT, nullptr));
  o.Set("unaryIntOk", list(kUnaryNames, U_COUNT, unaryIntOk));
  o.Set("binary", list(kBinaryNames, B_COUNT, nullptr));
  o.Set("binaryBoolOut", list(kBinaryNames, B_COUNT, binaryBoolOut));
  o.Set("reduce", list(kReduceNames, R_COUNT, nullptr));
  return o;
}

}  // namespace gradlab
