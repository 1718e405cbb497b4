#include "args.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace gradlab {

const char* dtypeName(DType d) {
  switch (d) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I32: return "int32";
    case DType::U8: return "bool";
  }
  return "?";
}

const char* dtypeArrayName(DType d) {
  switch (d) {
    case DType::F32: return "Float32Array";
    case DType::F64: return "Float64Array";
    case DType::I32: return "Int32Array";
    case DType::U8: return "Uint8Array";
  }
  return "?";
}

size_t dtypeSize(DType d) {
  switch (d) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I32: return 4;
    case DType::U8: return 1;
  }
  return 1;
}

void typeError(const char* kernel, const std::string& what) { throw ArgError(true, std::string(kernel) + ": " + what); }
void rangeError(const char* kernel, const std::string& what) { throw ArgError(false, std::string(kernel) + ": " + what); }

std::string jsNum(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == std::trunc(v) && std::fabs(v) < 1e21) {
    char b[32];
    snprintf(b, sizeof b, "%.0f", v);
    return b;
  }
  char b[40];
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(b, sizeof b, "%.*g", prec, v);
    if (std::strtod(b, nullptr) == v) break;
  }
  return b;
}

static std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsNumber()) return "the number " + jsNum(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "a string";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_int8_array: return "an Int8Array";
      case napi_uint8_array: return "a Uint8Array";
      case napi_uint8_clamped_array: return "a Uint8ClampedArray";
      case napi_int16_array: return "an Int16Array";
      case napi_uint16_array: return "a Uint16Array";
      case napi_int32_array: return "an Int32Array";
      case napi_uint32_array: return "a Uint32Array";
      case napi_float32_array: return "a Float32Array";
      case napi_float64_array: return "a Float64Array";
      case napi_bigint64_array: return "a BigInt64Array";
      case napi_biguint64_array: return "a BigUint64Array";
      default: return "a typed array";
    }
  }
  if (v.IsArray()) return "an array";
  if (v.IsFunction()) return "a function";
  if (v.IsBigInt()) return "a bigint";
  if (v.IsSymbol()) return "a symbol";
  if (v.IsArrayBuffer()) return "an ArrayBuffer";
  if (v.IsObject()) return "an object";
  return "an unknown value";
}

Args::Args(const Napi::CallbackInfo& info, const char* kernel, size_t count, const char* const* names)
    : info_(info), kernel_(kernel), names_(names) {
  if (info.Length() < count) {
    std::ostringstream m;
    m << "expected " << count << " argument" << (count == 1 ? "" : "s") << " (";
    for (size_t i = 0; i < count; i++) m << (i ? ", " : "") << names[i];
    m << "), got " << info.Length();
    typeError(kernel, m.str());
  }
}

Buf Args::buf(size_t i, unsigned allowed) const {
  Napi::Value v = info_[i];
  auto fail = [&]() {
    std::string want;
    const DType all[] = {DType::F32, DType::F64, DType::I32, DType::U8};
    int n = 0, k = 0;
    for (DType d : all) n += (allowed & maskOf(d)) ? 1 : 0;
    for (DType d : all) {
      if (!(allowed & maskOf(d))) continue;
      if (k) want += (k == n - 1) ? " or " : ", ";
      want += dtypeArrayName(d);
      k++;
    }
    typeError(kernel_, std::string(names_[i]) + " must be " + (n > 1 ? "a " : "a ") + want + ", got " + describe(v));
  };
  if (!v.IsTypedArray()) fail();
  napi_typedarray_type t;
  size_t length = 0;
  void* data = nullptr;
  napi_value ab;
  size_t off = 0;
  if (napi_get_typedarray_info(info_.Env(), v, &t, &length, &data, &ab, &off) != napi_ok) fail();
  Buf b;
  switch (t) {
    case napi_float32_array: b.dtype = DType::F32; break;
    case napi_float64_array: b.dtype = DType::F64; break;
    case napi_int32_array: b.dtype = DType::I32; break;
    case napi_uint8_array: b.dtype = DType::U8; break;
    default: fail();
  }
  if (!(allowed & maskOf(b.dtype))) fail();
  if (length > static_cast<size_t>(kMaxElems))
    rangeError(kernel_, std::string(names_[i]) + " has " + std::to_string(length) + " elements, more than the limit of 2147483647");
  if (length > 0 && data == nullptr) rangeError(kernel_, std::string(names_[i]) + " has no backing store (detached?)");
  b.data = data;
  b.len = static_cast<int64_t>(length);
  return b;
}

static int64_t toInt(const char* kernel, const std::string& what, const Napi::Value& v, int64_t lo, int64_t hi) {
  if (!v.IsNumber()) typeError(kernel, what + " must be a number, got " + describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::trunc(d))
    rangeError(kernel, what + " must be an integer, got " + jsNum(d));
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    if (lo == 0 && hi == kMaxElems)
      rangeError(kernel, what + " must be a non-negative integer no larger than 2147483647, got " + jsNum(d));
    rangeError(kernel, what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + jsNum(d));
  }
  return static_cast<int64_t>(d);
}

int64_t Args::integer(size_t i, int64_t lo, int64_t hi) const { return toInt(kernel_, names_[i], info_[i], lo, hi); }

double Args::number(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) typeError(kernel_, std::string(names_[i]) + " must be a number, got " + describe(v));
  return v.As<Napi::Number>().DoubleValue();
}

bool Args::boolean(size_t i) const {
  Napi::Value v = info_[i];
  if (!v.IsBoolean()) typeError(kernel_, std::string(names_[i]) + " must be a boolean, got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

void Args::requireObject(size_t i, const char* expected) const {
  Napi::Value v = info_[i];
  if (!v.IsObject() || v.IsArray() || v.IsTypedArray() || v.IsFunction())
    typeError(kernel_, std::string(names_[i]) + " must be an object {" + expected + "}, got " + describe(v));
}

int64_t Args::field(size_t i, const char* field, int64_t lo, int64_t hi) const {
  Napi::Object o = info_[i].As<Napi::Object>();
  return toInt(kernel_, field, o.Get(field), lo, hi);
}

std::vector<int64_t> Args::intArray(size_t i, size_t fixedLen, int64_t lo, int64_t hi, const char* const* slots) const {
  Napi::Value v = info_[i];
  if (!v.IsArray()) typeError(kernel_, std::string(names_[i]) + " must be an array of numbers, got " + describe(v));
  Napi::Array a = v.As<Napi::Array>();
  uint32_t n = a.Length();
  if (fixedLen && n != fixedLen)
    rangeError(kernel_, std::string(names_[i]) + " must have " + std::to_string(fixedLen) + " entries, got " + std::to_string(n));
  if (!fixedLen && n > static_cast<uint32_t>(kMaxDims))
    rangeError(kernel_, std::string(names_[i]) + " has " + std::to_string(n) + " dimensions, more than the limit of " + std::to_string(kMaxDims));
  std::vector<int64_t> out(n);
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value e = a.Get(k);
    out[k] = toInt(kernel_, slots ? std::string(slots[k]) : std::string(names_[i]) + " (dimension " + std::to_string(k) + ")", e, lo, hi);
  }
  return out;
}

Shape Args::shape(size_t i) const {
  Shape s = intArray(i, 0, 0, kMaxElems);
  int64_t p = 1;
  bool zero = false;
  for (int64_t d : s) {
    if (d == 0) zero = true;
    else if (!zero) {
      p *= d;
      if (p > kMaxElems) break;
    }
  }
  if (!zero && p > kMaxElems)
    rangeError(kernel_, std::string(names_[i]) + " " + shapeStr(s) + " has more than 2147483647 elements");
  return s;
}

int64_t numel(const Shape& s) {
  int64_t p = 1;
  for (int64_t d : s) p *= d;
  return p;
}

std::string shapeStr(const Shape& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); i++) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

void requireLen(const char* kernel, const char* what, const Buf& b, int64_t need, bool exact, const std::string& why) {
  if (exact ? b.len == need : b.len >= need) return;
  rangeError(kernel, std::string(what) + " has " + std::to_string(b.len) + " element" + (b.len == 1 ? "" : "s") + " but " + why +
                         " needs " + std::to_string(need));
}

void requireSameDtype(const char* kernel, const char* whatA, const Buf& a, const char* whatB, const Buf& b) {
  if (a.dtype != b.dtype)
    typeError(kernel, std::string(whatA) + " is " + dtypeName(a.dtype) + " (" + dtypeArrayName(a.dtype) + ") but " + whatB + " is " +
                          dtypeName(b.dtype) + " (" + dtypeArrayName(b.dtype) + "); they must match");
}

int64_t mulChecked(const char* kernel, const char* what, std::initializer_list<int64_t> xs) {
  int64_t p = 1;
  for (int64_t x : xs) {
    if (x == 0) return 0;
  }
  for (int64_t x : xs) {
    if (x < 0) rangeError(kernel, std::string(what) + " is negative");
    if (p > kMaxElems / x) rangeError(kernel, std::string(what) + " has more than 2147483647 elements");
    p *= x;
  }
  return p;
}

}  // namespace gradlab
