// The pool's workers spin for ~200 us after each job (threadpool.cc). A young collection
// often starts within that window, right after an op, and V8 shares it out to helper
// threads; on a machine of 2 cores a helper then waits for the core the spinning worker
// holds, and the main thread waits for the helper. Measured with 10^6-float adds whose
// results are dropped (2 cores, avx2 path): scavenges of 300-500 us against 74-144 with
// V8's collection on one thread. So the workers stop spinning while a collection runs.
#include "gc_yield.h"

#include <v8.h>

#include "threadpool.h"

namespace gradlab {

namespace {

void onBegin(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void*) { collectorBegins(); }
void onEnd(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void*) { collectorEnds(); }

// One isolate per thread: the main thread's, or a worker_threads Worker's.
thread_local v8::Isolate* watched = nullptr;

}  // namespace

void watchCollector() {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (!isolate || isolate == watched) return;
  watched = isolate;
  isolate->AddGCPrologueCallback(onBegin, nullptr, v8::kGCTypeAll);
  isolate->AddGCEpilogueCallback(onEnd, nullptr, v8::kGCTypeAll);
}

}  // namespace gradlab
