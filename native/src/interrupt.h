// Interrupting long native work. Jupyter interrupts a kernel with SIGINT; while the main
// thread is inside a native call, neither Node's SIGINT handling nor vm's breakOnSigint
// runs until the call returns (an 8192^2 product took 11 s to notice). A long call holds
// an InterruptWatch: for its duration a SIGINT handler raises a flag and then calls the
// handler it displaced, so Node still sees the signal; the work checks the flag between
// blocks and stops early, and the call then throws a KeyboardInterrupt error.
#pragma once
#include <napi.h>

namespace gradlab {

// True once SIGINT arrived during the outermost InterruptWatch now alive (any thread may ask).
bool interruptRequested();

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
