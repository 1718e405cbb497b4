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
  // Slots are constants of the callers; an unknown one is a bug, kept in bounds all the same.
  return slots[static_cast<unsigned>(slot) % kScratchSlots];
}

}  // namespace gradlab
