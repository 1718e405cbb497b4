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

void onSigint(int sig, siginfo_t* info, void* context) {
  requested.store(true, std::memory_order_relaxed);
  if (displaced.sa_flags & SA_SIGINFO) {
    if (displaced.sa_sigaction) displaced.sa_sigaction(sig, info, context);
  } else if (displaced.sa_handler == SIG_DFL) {
    // Nobody handled SIGINT before the watch: it ends the process, as it would have.
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  } else if (displaced.sa_handler != SIG_IGN) {
    displaced.sa_handler(sig);
  }
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
  struct sigaction current;
  sigaction(SIGINT, nullptr, &current);
  // Put back what was there, unless someone replaced our handler meanwhile.
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == onSigint) sigaction(SIGINT, &displaced, nullptr);
  // Work outside a watch is never cut short.
  requested.store(false, std::memory_order_relaxed);
}

void InterruptWatch::throwIfInterrupted(Napi::Env env, const char* op) const {
  if (!outermost_ || !interruptRequested()) return;
  Napi::Error e = Napi::Error::New(env, std::string(op) + " was interrupted (its result is discarded; the kernel's state is kept)");
  e.Set("name", Napi::String::New(env, "KeyboardInterrupt"));
  throw e;
}

}  // namespace gradlab
