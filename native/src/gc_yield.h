// Tells the thread pool when V8's garbage collector runs (threadpool.h: collectorBegins).
#pragma once

namespace gradlab {

// Registers the collector's prologue and epilogue callbacks on the calling thread's
// isolate, once per isolate.
void watchCollector();

}  // namespace gradlab
