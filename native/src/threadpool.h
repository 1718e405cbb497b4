// A small persistent thread pool. parallel_for splits [0, n) into chunks of at least
// `grain` indices and runs fn(begin, end) on the pool's workers and the calling thread.
// Called from inside a worker (re-entrantly), or while another thread is using the pool,
// it simply runs serially; it never blocks waiting for itself.
#pragma once

#include <cstdint>
#include <functional>

namespace gradlab {

int numThreads();
void setNumThreads(int n);
// True when the calling thread is one of the pool's workers or is inside parallel_for.
bool inParallelRegion();
// While the JavaScript garbage collector runs (gc_yield.cc), the pool's idle workers sleep
// instead of spinning for the next job: a spinning worker holds a core that the
// collector's helper threads need (begin and end nest).
void collectorBegins();
void collectorEnds();
// For the tests: collections begun since load, and running now.
int64_t collectionsSeen();
int collectionsRunning();

void parallelForImpl(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

template <class F>
inline void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n <= grain || numThreads() <= 1 || inParallelRegion()) {
    fn(int64_t(0), n);
    return;
  }
  parallelForImpl(n, grain, std::function<void(int64_t, int64_t)>(fn));
}

// Elementwise work below this many elements runs on the calling thread alone.
constexpr int64_t kParallelMin = 32768;

}  // namespace gradlab
