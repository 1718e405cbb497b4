// The exports table of gradlab's native addon, plus info() and setNumThreads().
// Each kernel lives in the file of its family; see native/README.md.
#include <napi.h>

#include <malloc.h>
#include <v8.h>

#include <string>
#include <thread>

#include "args.h"
#include "conv.h"
#include "det_gemm.h"
#include "gc_yield.h"
#include "gemm.h"
#include "indexing.h"
#include "interrupt.h"
#include "isa.h"
#include "opcode_tables.h"
#include "pool.h"
#include "storage.h"
#include "threadpool.h"

#ifndef GRADLAB_VERSION
#define GRADLAB_VERSION "0.0.0"
#endif

namespace gradlab {
namespace {

// The instruction-set path in use (isa.h), with how it was chosen.
std::string simdLevel() {
  const IsaKernels& k = isa();
  std::string s = std::string(k.name) + ": " + k.target;
  if (isaForced()) s += std::string(", forced by GRADLAB_ISA (this CPU supports ") + cpuIsaName() + ")";
  else s += ", this CPU's best";
  return s;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  std::string blas = blasName(), sgemm = sgemmName();
  if (sgemm != "openblas" && blas != "portable") blas += "; float32 gemm: " + sgemm;
  o.Set("blas", blas);
  o.Set("threads", numThreads());
  o.Set("version", GRADLAB_VERSION);
  o.Set("simd", simdLevel());
  o.Set("isa", isa().name);
  o.Set("cpuIsa", cpuIsaName());
  return o;
}

// An export whose code is compiled per instruction-set path: the chosen path's (isa.h).
template <NapiKernel IsaKernels::*K>
Napi::Value viaIsa(const Napi::CallbackInfo& info) {
  return (isa().*K)(info);
}

// The chosen path's measured float32 peak (peak_flops.h), for the benchmark; ~50 ms.
Napi::Value PeakGflops(const Napi::CallbackInfo& info) {
  Args args(info, "peakGflops", 0, nullptr);
  return Napi::Number::New(info.Env(), isa().peakGflops());
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"n"};
  Args args(info, "setNumThreads", 1, names);
  int n = static_cast<int>(args.integer(0, 1, 1024));
  setNumThreads(n);
  return info.Env().Undefined();
}

// For the tests: the collections the thread pool has seen begin (gc_yield.cc), and how
// many are running now (0 whenever JavaScript runs).
Napi::Value CollectorWatch(const Napi::CallbackInfo& info) {
  Args args(info, "collectorWatch", 0, nullptr);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("seen", Napi::Number::New(info.Env(), double(collectionsSeen())));
  o.Set("running", Napi::Number::New(info.Env(), collectionsRunning()));
  return o;
}

// Hands memory held but unused back to the system: malloc's free memory (glibc keeps up
// to M_TRIM_THRESHOLD of it, below, and more in its per-thread arenas) and, with
// reduceHeap, V8's heap too, collected in its memory-reducing mode (a few hundred ms:
// for when the kernel is idle). Node-API has no call for the latter: V8's own API, as
// for storage and the collector's callbacks. A long kernel session's footprint then
// follows what it holds rather than its peak.
Napi::Value TrimMemory(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"reduceHeap"};
  Args args(info, "trimMemory", 1, names);
  if (args.boolean(0)) {
    if (v8::Isolate* isolate = v8::Isolate::GetCurrent()) isolate->LowMemoryNotification();
  }
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return info.Env().Undefined();
}

// The kernel's interrupt word for cell code (interrupt.h), armed again on every call. The
// first call also returns it as an Int32Array over the word itself; V8 refuses two
// buffers over one external pointer, so later calls return undefined and the caller
// keeps the first.
Napi::Value SigintFlag(const Napi::CallbackInfo& info) {
  static bool handedOut = false;
  int32_t* word = armSigintFlag();
  if (handedOut) return info.Env().Undefined();
  handedOut = true;
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), word, sizeof(int32_t));
  return Napi::TypedArrayOf<int32_t>::New(info.Env(), 1, buffer, 0, napi_int32_array);
}

// Tensor storage is calloc'd by V8. glibc serves blocks above 128 KiB from fresh mmaps
// and returns freed heap tops to the kernel, so every step of a training loop would pay
// a page fault per 4 KiB of activations; keeping blocks up to 64 MiB in the heap lets a
// freed buffer be handed out again already mapped (calloc then clears it, far cheaper).
void tuneMalloc() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Before any kernel: which vector kernels run, and who multiplies float32 matrices. A
  // GRADLAB_ISA this CPU cannot honour (or a GRADLAB_SGEMM that is not a choice) fails the load (the loader reports why and gradlab says so).
  std::string refused = chooseIsa();
  if (refused.empty()) refused = chooseSgemm();
  if (!refused.empty()) throw Napi::Error::New(env, "gradlab: " + refused);
  tuneMalloc();
  blasInit();
  watchCollector();
  auto add = [&](const char* name, Napi::Function::Callback cb) { exports.Set(name, Napi::Function::New(env, cb, name)); };
  add("unary", wrap<viaIsa<&IsaKernels::unary>>);
  add("unaryBackward", wrap<viaIsa<&IsaKernels::unaryBackward>>);
  add("binary", wrap<viaIsa<&IsaKernels::binary>>);
  add("where", wrap<viaIsa<&IsaKernels::where>>);
  add("reduce", wrap<viaIsa<&IsaKernels::reduce>>);
  add("gemm", wrap<Gemm>);
  add("gemmDeterministic", wrap<GemmDeterministic>);
  add("softmax", wrap<viaIsa<&IsaKernels::softmax>>);
  add("softmaxBackward", wrap<viaIsa<&IsaKernels::softmaxBackward>>);
  add("conv2d", wrap<Conv2d>);
  add("conv2dMaxPool2x2", wrap<Conv2dMaxPool2x2>);
  add("conv2dBackwardInput", wrap<Conv2dBackwardInput>);
  add("conv2dBackwardWeight", wrap<Conv2dBackwardWeight>);
  add("conv2dMaxPool2x2BackwardWeight", wrap<Conv2dMaxPool2x2BackwardWeight>);
  add("conv2dMaxPool2x2Backward", wrap<Conv2dMaxPool2x2Backward>);
  add("im2col", wrap<Im2col>);
  add("col2imAdd", wrap<Col2imAdd>);
  add("maxPool2d", wrap<MaxPool2d>);
  add("maxPool2dBackward", wrap<MaxPool2dBackward>);
  add("avgPool2d", wrap<AvgPool2d>);
  add("avgPool2dBackward", wrap<AvgPool2dBackward>);
  add("stridedCopy", wrap<StridedCopy>);
  add("stridedScatter", wrap<StridedScatter>);
  add("indexSelect", wrap<IndexSelect>);
  add("indexAdd", wrap<IndexAdd>);
  add("gather", wrap<Gather>);
  add("scatterAdd", wrap<ScatterAdd>);
  add("cast", wrap<viaIsa<&IsaKernels::cast>>);
  add("fill", wrap<viaIsa<&IsaKernels::fill>>);
  add("nonzero", wrap<viaIsa<&IsaKernels::nonzero>>);
  add("countNonFinite", wrap<viaIsa<&IsaKernels::countNonFinite>>);
  add("sgdStep", wrap<viaIsa<&IsaKernels::sgdStep>>);
  add("adamStep", wrap<viaIsa<&IsaKernels::adamStep>>);
  add("info", wrap<Info>);
  add("setNumThreads", wrap<SetNumThreads>);
  add("peakGflops", wrap<PeakGflops>);
  add("trimMemory", wrap<TrimMemory>);
  add("collectorWatch", wrap<CollectorWatch>);
  add("sigintFlag", wrap<SigintFlag>);
  add("opcodeTables", wrap<OpcodeTables>);
  add("storageAlloc", wrap<StorageAllocJs>);
  add("storageStats", wrap<StorageStatsJs>);
  add("storageRelease", wrap<StorageReleaseJs>);
  add("storageFree", wrap<StorageFreeJs>);
  add("storageSetCap", wrap<StorageSetCapJs>);
  add("storageResetPeak", wrap<StorageResetPeakJs>);
  add("storageStress", wrap<StorageStressJs>);
  return exports;
}

}  // namespace gradlab

static Napi::Object InitGradlab(Napi::Env env, Napi::Object exports) { return gradlab::Init(env, exports); }

NODE_API_MODULE(gradlab, InitGradlab)
