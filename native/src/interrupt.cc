#include "interrupt.h"

#include <signal.h>

#include <atomic>
#include <string>

namespace gradlab {

namespace {

std::atomic<bool> requested{false};
// Watches are made on the JS thread only, so a plain depth counter nests them.
int depth = 0;
struct sigaction displaced;

// Passes the signal on to the handler a chained one displaced, so Node still sees it.
void forward(const struct sigaction& to, int sig, siginfo_t* info, void* context) {
  if (to.sa_flags & SA_SIGINFO) {
    if (to.sa_sigaction) to.sa_sigaction(sig, info, context);
  } else if (to.sa_handler == SIG_DFL) {
    // Nobody handled SIGINT before: it ends the process, as it would have.
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  } else if (to.sa_handler != SIG_IGN) {
    to.sa_handler(sig);
  }
}

void onSigint(int sig, siginfo_t* info, void* context) {
  requested.store(true, std::memory_order_relaxed);
  forward(displaced, sig, info, context);
}

// The word cell code polls (see armSigintFlag); a plain aligned int32 so that JavaScript
// reads it through an Int32Array, and written with an atomic store from the handler.
alignas(4) int32_t flagWord = 0;
struct sigaction displacedByFlag;

void onSigintFlag(int sig, siginfo_t* info, void* context) {
  __atomic_store_n(&flagWord, 1, __ATOMIC_RELAXED);
  forward(displacedByFlag, sig, info, context);
}

bool installed(void (*handler)(int, siginfo_t*, void*)) {
  struct sigaction current;
  sigaction(SIGINT, nullptr, &current);
  return (current.sa_flags & SA_SIGINFO) && current.sa_sigaction == handler;
}

}  // namespace

bool interruptRequested() { return requested.load(std::memory_order_relaxed); }

InterruptWatch::InterruptWatch() : outermost_(depth++ == 0) {
  if (!outermost_) return;
  requested.store(false, std::memory_order_relaxed);
  struct sigaction mine = {};
  mine.sa_sigaction = onSigint;
  mine.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&mine.sa_mask);
  sigaction(SIGINT, &mine, &displaced);
}

InterruptWatch::~InterruptWatch() {
  depth--;
  if (!outermost_) return;
  // Put back what was there, unless someone replaced our handler meanwhile.
  if (installed(onSigint)) sigaction(SIGINT, &displaced, nullptr);
  // Work outside a watch is never cut short.
  requested.store(false, std::memory_order_relaxed);
}

int32_t* armSigintFlag() {
  // Node's vm module swaps SIGINT handlers around a breakOnSigint script, so the kernel
  // arms again before each stretch of cell code; a watch in progress already chains to us.
  if (!installed(onSigintFlag) && !installed(onSigint)) {
    struct sigaction mine = {};
    mine.sa_sigaction = onSigintFlag;
    mine.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&mine.sa_mask);
    sigaction(SIGINT, &mine, &displacedByFlag);
  }
  return &flagWord;
}

void InterruptWatch::throwIfInterrupted(Napi::Env env, const char* op) const {
  if (!outermost_ || !interruptRequested()) return;
  Napi::Error e = Napi::Error::New(env, std::string(op) + " was interrupted (its result is discarded; the kernel's state is kept)");
  e.Set("name", Napi::String::New(env, "KeyboardInterrupt"));
  throw e;
}

}  // namespace gradlab
