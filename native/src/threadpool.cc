#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace gradlab {

namespace {

thread_local bool tlsInside = false;

// How long a thread spins for the next job (workers) or for the last chunk (the caller)
// before it sleeps. A training step's kernels follow one another within microseconds,
// while waking a sleeping thread takes tens to hundreds of them (on a VM, an idle vCPU is
// halted): without the spin, kernels of a fraction of a millisecond gained nothing from a
// second thread.
constexpr auto kSpin = std::chrono::microseconds(200);

// Collections running now (collectorBegins/collectorEnds), and begun since load.
std::atomic<int> collecting{0};
std::atomic<int64_t> collections{0};

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done(), kSpin has passed or a collection begins; returns done().
template <class F>
bool spinUntil(F&& done) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; i++) {
    if (done()) return true;
    cpuRelax();
    if (collecting.load(std::memory_order_relaxed) > 0) return done();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() > until) return done();
  }
}

class Pool {
 public:
  Pool() {
    unsigned hc = std::thread::hardware_concurrency();
    start(hc == 0 ? 1 : static_cast<int>(std::min(hc, 256u)));
  }
  ~Pool() { stop(); }

  int threads() const { return nthreads_.load(); }

  void resize(int n) {
    std::lock_guard<std::mutex> use(useMutex_);  // wait for any running parallel_for
    stop();
    start(n);
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> use(useMutex_, std::try_to_lock);
    if (!use.owns_lock() || workers_.empty()) {  // busy (another JS thread) or no workers
      fn(0, n);
      return;
    }
    int nt = static_cast<int>(workers_.size()) + 1;
    int64_t chunks = std::min<int64_t>((n + grain - 1) / grain, static_cast<int64_t>(nt) * 4);
    if (chunks < 2) {
      fn(0, n);
      return;
    }
    Job job;
    job.fn = &fn;
    job.n = n;
    job.chunks = chunks;
    {
      std::lock_guard<std::mutex> lk(m_);
      job_ = &job;
      generation_++;
    }
    cv_.notify_all();
    tlsInside = true;
    work(job);
    tlsInside = false;
    auto finished = [&] { return job.finishedChunks.load() == job.chunks && active_.load() == 0; };
    spinUntil(finished);
    {
      std::unique_lock<std::mutex> lk(m_);
      doneCv_.wait(lk, finished);
      job_ = nullptr;
    }
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  struct Job {
    const std::function<void(int64_t, int64_t)>* fn = nullptr;
    int64_t n = 0, chunks = 0;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> finishedChunks{0};
    std::mutex errMutex;
    std::exception_ptr error;
  };

  void work(Job& job) {
    for (;;) {
      int64_t c = job.next.fetch_add(1);
      if (c >= job.chunks) break;
      int64_t b = job.n * c / job.chunks, e = job.n * (c + 1) / job.chunks;
      try {
        (*job.fn)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lk(job.errMutex);
        if (!job.error) job.error = std::current_exception();
      }
      job.finishedChunks.fetch_add(1);
    }
  }

  void workerLoop() {
    tlsInside = true;
    uint64_t seen = 0;
    for (;;) {
      spinUntil([&] { return quit_.load() || generation_.load() != seen; });
      Job* job;
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return quit_ || (job_ != nullptr && generation_ != seen); });
        if (quit_) return;
        seen = generation_;
        job = job_;
        active_++;
      }
      work(*job);
      {
        std::lock_guard<std::mutex> lk(m_);
        active_--;
      }
      doneCv_.notify_all();
    }
  }

  void start(int n) {
    if (n < 1) n = 1;
    quit_ = false;
    nthreads_.store(n);
    for (int i = 1; i < n; i++) workers_.emplace_back([this] { workerLoop(); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::mutex useMutex_;
  std::mutex m_;
  std::condition_variable cv_, doneCv_;
  std::vector<std::thread> workers_;
  // Written under m_; atomic so that spinning threads may read them without it.
  Job* job_ = nullptr;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};
  std::atomic<bool> quit_{false};
  std::atomic<int> nthreads_{1};
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int numThreads() { return pool().threads(); }
void setNumThreads(int n) { pool().resize(n); }
bool inParallelRegion() { return tlsInside; }
void collectorBegins() {
  collecting.fetch_add(1, std::memory_order_relaxed);
  collections.fetch_add(1, std::memory_order_relaxed);
}
void collectorEnds() { collecting.fetch_sub(1, std::memory_order_relaxed); }
int64_t collectionsSeen() { return collections.load(); }
int collectionsRunning() { return collecting.load(); }

void parallelForImpl(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) { pool().run(n, grain, fn); }

}  // namespace gradlab
