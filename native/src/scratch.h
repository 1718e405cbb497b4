// Scratch memory for kernels that need a temporary buffer (im2col columns, transposes).
// A fresh std::vector of tens of megabytes costs a zero-fill and, being mmapped anew by
// malloc, a page fault per 4 KiB on every call: more than the convolution's arithmetic.
// Each calling thread keeps one grow-only block instead, uninitialised, reused across
// calls. Blocks above kScratchKeepBytes are freed after use so a one-off giant call does
// not pin its memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace gradlab {

constexpr size_t kScratchKeepBytes = size_t(256) << 20;

class ScratchSlot {
 public:
  // Returns at least `bytes` of uninitialised, 64-byte aligned memory, valid until the
  // next call on this slot from the same thread.
  void* get(size_t bytes);
  void release();  // frees the block if it is larger than kScratchKeepBytes

 private:
  std::unique_ptr<unsigned char[]> block_;
  size_t cap_ = 0;
};

// Independent slots per thread: 0 and 1 for kernels (a kernel may need two buffers at
// once), 2 and 3 for the GEMM's packed panels, which such a kernel calls, 4 for a fused
// kernel's intermediate (a convolution's output before its pooling), which calls both.
constexpr int kScratchSlots = 5;
enum : int { kGemmPackedB = 2, kGemmPackedA = 3, kFusedIntermediate = 4 };
ScratchSlot& scratch(int slot);

// Holds `count` elements of T in a scratch slot for the duration of a scope.
template <class T>
class Scratch {
 public:
  Scratch(int slot, int64_t count) : slot_(scratch(slot)), p_(count > 0 ? static_cast<T*>(slot_.get(sizeof(T) * size_t(count))) : nullptr) {}
  ~Scratch() { slot_.release(); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() const { return p_; }

 private:
  ScratchSlot& slot_;
  T* p_;
};

}  // namespace gradlab
