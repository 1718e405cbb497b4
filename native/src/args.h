// Argument parsing and validation shared by every kernel.
//
// The rule: a kernel first copies its JavaScript arguments into plain C++ values
// (Buf, int64_t, double, bool, Shape), validating every one of them, and only then
// computes, without touching a JS value again. Any problem is reported by throwing
// ArgError, which the export wrapper (wrap<>) turns into a JS TypeError or RangeError
// whose message starts with the kernel's name.
#pragma once

#include <napi.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradlab {

// The largest element count any buffer may have (and any product of a shape).
constexpr int64_t kMaxElems = 2147483647LL;
constexpr int kMaxDims = 64;

enum class DType : int { F32 = 0, F64 = 1, I32 = 2, U8 = 3 };
enum DTypeMask : unsigned { M_F32 = 1, M_F64 = 2, M_I32 = 4, M_U8 = 8, M_FLOAT = 3, M_ANY = 15 };

const char* dtypeName(DType d);      // "float32", ...
const char* dtypeArrayName(DType d); // "Float32Array", ...
inline unsigned maskOf(DType d) { return 1u << static_cast<int>(d); }
size_t dtypeSize(DType d);

struct ArgError : std::runtime_error {
  bool isType;  // TypeError when true, RangeError when false
  ArgError(bool t, const std::string& m) : std::runtime_error(m), isType(t) {}
};

// Throws a TypeError / RangeError with message "<kernel>: <what>".
[[noreturn]] void typeError(const char* kernel, const std::string& what);
[[noreturn]] void rangeError(const char* kernel, const std::string& what);

// Formats a double the way JavaScript's String(x) would for the common cases.
std::string jsNum(double v);

struct Buf {
  DType dtype = DType::F32;
  void* data = nullptr;
  int64_t len = 0;
  template <class T> T* as() const { return static_cast<T*>(data); }
};

using Shape = std::vector<int64_t>;

// Call-site context. Kernels parse scalars and shapes (reading an array may run JS
// getters) before typed arrays, so that no JS code runs between taking a buffer's
// pointer and using it.: the kernel name and the CallbackInfo.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* kernel, size_t count, const char* const* names);
  const char* kernel() const { return kernel_; }
  Napi::Env env() const { return info_.Env(); }

  // A typed array of one of the allowed dtypes.
  Buf buf(size_t i, unsigned allowed) const;
  // A number that is a finite integer in [lo, hi].
  int64_t integer(size_t i, int64_t lo, int64_t hi) const;
  // A size: a finite integer in [0, 2^31-1].
  int64_t size(size_t i) const { return integer(i, 0, kMaxElems); }
  // Any number (NaN and infinities allowed).
  double number(size_t i) const;
  bool boolean(size_t i) const;
  // An array of sizes whose product fits in kMaxElems.
  Shape shape(size_t i) const;
  // An array of integers of fixed length (0 = any length) each in [lo, hi]. Errors name an
  // entry by slots[k] when given (the parameter it carries: "stride (height)"), else by its dimension.
  std::vector<int64_t> intArray(size_t i, size_t fixedLen, int64_t lo, int64_t hi, const char* const* slots = nullptr) const;

  // An object's integer field read by name (a geometry: batch, strideH, ...), in [lo, hi];
  // errors name the field. Read objects before typed arrays, as arrays (a getter may run).
  int64_t field(size_t i, const char* field, int64_t lo, int64_t hi) const;
  // Throws a TypeError unless argument i is a plain object (not an array); `expected` says which fields it needs.
  void requireObject(size_t i, const char* expected) const;

  const char* name(size_t i) const { return names_[i]; }

 private:
  const Napi::CallbackInfo& info_;
  const char* kernel_;
  const char* const* names_;
};

// Product of a shape (already known not to overflow, see Args::shape).
int64_t numel(const Shape& s);
std::string shapeStr(const Shape& s);

// Checks.
// "<kernel>: <what> has L elements but <why> needs N" unless len == need (exact) / len >= need.
void requireLen(const char* kernel, const char* what, const Buf& b, int64_t need, bool exact, const std::string& why);
void requireSameDtype(const char* kernel, const char* whatA, const Buf& a, const char* whatB, const Buf& b);
// Multiplies with overflow / cap checking; throws RangeError "<kernel>: <what> is too large".
int64_t mulChecked(const char* kernel, const char* what, std::initializer_list<int64_t> xs);

// Wraps a kernel body so that ArgError and std::exception become JS exceptions.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value wrap(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const ArgError& e) {
    if (e.isType) throw Napi::TypeError::New(info.Env(), e.what());
    throw Napi::RangeError::New(info.Env(), e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), "gradlab: out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("gradlab: internal error: ") + e.what());
  }
}

}  // namespace gradlab
