#include "scratch.h"

#include <new>

namespace gradlab {

void* ScratchSlot::get(size_t bytes) {
  if (bytes > cap_) {
    block_.reset();  // free first: the old block's contents are not needed
    cap_ = 0;
    block_.reset(new unsigned char[bytes + 64]);
    cap_ = bytes;
  }
  auto addr = reinterpret_cast<uintptr_t>(block_.get());
  return block_.get() + ((64 - (addr & 63)) & 63);
}

void ScratchSlot::release() {
  if (cap_ > kScratchKeepBytes) {
    block_.reset();
    cap_ = 0;
  }
}

ScratchSlot& scratch(int slot) {
  thread_local ScratchSlot slots[kScratchSlots];
  return slots[slot & (kScratchSlots - 1)];
}

}  // namespace gradlab
