// Interrupting long native work. Jupyter interrupts a kernel with SIGINT; while the main
// thread is inside a native call, neither Node's SIGINT handling nor vm's breakOnSigint
// runs until the call returns (an 8192^2 product took 11 s to notice). A long call holds
// an InterruptWatch: for its duration a SIGINT handler raises a flag and then calls the
// handler it displaced, so Node still sees the signal; the work checks the flag between
// blocks and stops early, and the call then throws a KeyboardInterrupt error.
#pragma once
#include <napi.h>

#include <cstdint>

#include "interrupt_flag.h"

namespace gradlab {

// For interrupting JavaScript that no longer runs under vm's breakOnSigint (a cell's code
// after its first `await`): from now on SIGINT sets the returned word to 1 (and is passed
// on, as above); the kernel's instrumented loops poll it and JavaScript clears it. Call
// again to re-install the handler if something replaced it.
int32_t* armSigintFlag();

class InterruptWatch {
 public:
  InterruptWatch();
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;
  // Throws the JS error `KeyboardInterrupt: <op> was interrupted` if SIGINT arrived.
  void throwIfInterrupted(Napi::Env env, const char* op) const;

 private:
  bool outermost_;
};

}  // namespace gradlab
