// The caching allocator behind large tensor storage (core/dtype.ts). Blocks are 64-byte
// aligned and kept, once V8 frees the ArrayBuffer over them, in a free list per size class
// (the request rounded up to 4 KiB), newest first, so that the next request of that size
// gets memory that is still mapped and probably still in cache, as PyTorch's caching
// allocators do. The cached-but-unused bytes are capped (GRADLAB_CACHE_MAX_BYTES, else an
// eighth of physical memory); beyond the cap the oldest cached blocks go back to malloc.
// Blocks return from V8's ArrayBuffer deleter, which may run on a GC thread: every entry
// point takes one mutex.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace gradlab {

struct StorageStats {
  size_t allocated = 0;  // bytes in blocks handed out and not yet returned
  size_t cached = 0;     // bytes in blocks held for reuse
  size_t peak = 0;       // the most `allocated` has been since load (or the last resetPeak)
  size_t cap = 0;        // the most `cached` may be
  size_t liveBlocks = 0;
  size_t cachedBlocks = 0;
  uint64_t hits = 0;     // requests served from the cache
  uint64_t misses = 0;   // requests that went to malloc
  uint64_t streamedWrites = 0;  // first writes told to stream (storageShouldStream said true)
};

// A block of at least `bytes` (> 0) bytes, 64-byte aligned; throws std::bad_alloc when
// neither the cache nor malloc (after releasing the cache) has one.
void* storageAlloc(size_t bytes);
// Gives a block back (bytes: what storageAlloc was asked for).
void storageFree(void* p, size_t bytes);
StorageStats storageStats();
// Frees every cached block; returns the bytes freed.
size_t storageReleaseCached();
// Whether p is a block storageAlloc handed out and nobody gave back yet.
bool storageOwns(const void* p, size_t bytes);
// Outputs smaller than this are written with ordinary stores: they fit in L2, where the
// next op reads them.
constexpr size_t kStreamMinBytes = size_t(1) << 20;
// Whether a write of `bytes` (at least kStreamMinBytes) into the block at p should go past
// the cache (stream_store.h): the first write since storageAlloc handed the block out, and
// the block probably not in cache (fresh from malloc, or last handed out more than about
// half a last-level cache's worth of allocations ago). Asking counts as that first write.
// GRADLAB_STREAMING_STORES=0 makes it always false.
bool storageShouldStream(const void* p, size_t bytes);
// Sets the cap on cached bytes (evicting down to it); returns the previous cap.
size_t storageSetCap(size_t cap);

// The exports (addon.cc adds them): storageAlloc(bytes, zero) → ArrayBuffer,
// storageStats() → object, storageRelease() → bytes, storageSetCap(bytes) → previous,
// storageResetPeak(), storageStress(threads, iterations) → true (for the tests),
// storageFree(arrayBuffer) → whether it gave the block back.
Napi::Value StorageAllocJs(const Napi::CallbackInfo& info);
Napi::Value StorageFreeJs(const Napi::CallbackInfo& info);
Napi::Value StorageStatsJs(const Napi::CallbackInfo& info);
Napi::Value StorageReleaseJs(const Napi::CallbackInfo& info);
Napi::Value StorageSetCapJs(const Napi::CallbackInfo& info);
Napi::Value StorageResetPeakJs(const Napi::CallbackInfo& info);
Napi::Value StorageStressJs(const Napi::CallbackInfo& info);

}  // namespace gradlab
