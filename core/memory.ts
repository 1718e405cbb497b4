// memory(): what the native caching allocator holds (native/src/storage.h). Tensor storage
// of at least 64 KiB comes from it when the addon is loaded; smaller storage is a plain
// typed array (a call into C++ costs more than V8's own allocation of it).
import { loadAddon } from "./backend/addon";
import { storageMinBytes, cachingAllocatorOn, releaseCache } from "./dtype";

export interface MemoryInfo {
  /** "caching" when large storage comes from the native allocator, else why not. */
  allocator: string;
  /** Bytes in storage handed out and not yet given back (its blocks rounded up to 4 KiB). */
  allocatedBytes: number;
  /** Bytes held for reuse, not in any tensor: given back to the system beyond `cacheLimitBytes`, or by `emptyCache()`. */
  cachedBytes: number;
  /** The most `allocatedBytes` has been since the process started. */
  peakBytes: number;
  /** The most the cache keeps (GRADLAB_CACHE_MAX_BYTES, else an eighth of physical memory). */
  cacheLimitBytes: number;
  /** Storage smaller than this is a plain typed array, counted by V8 rather than here. */
  minBlockBytes: number;
  /** Requests served from the cache, and those that went to the system. */
  hits: number;
  misses: number;
  /** Large outputs written into a block that had left the cache, with streaming stores (native/src/stream_store.h). */
  streamedWrites: number;
}

/**
 * The native allocator's bytes: allocated (in tensors alive or not yet collected), cached
 * (kept for reuse) and peak. Storage returns to the cache when the garbage collector frees
 * a tensor's buffer.
 */
export function memory(): MemoryInfo {
  const addon = loadAddon().addon;
  const on = cachingAllocatorOn();
  const base = { minBlockBytes: storageMinBytes() };
  if (!addon || typeof addon.storageStats !== "function") {
    return { allocator: "none: the native addon is not loaded (storage is plain typed arrays)", allocatedBytes: 0, cachedBytes: 0, peakBytes: 0, cacheLimitBytes: 0, hits: 0, misses: 0, streamedWrites: 0, ...base };
  }
  const s = addon.storageStats();
  return {
    allocator: on ? "caching" : "none: turned off by GRADLAB_CACHING_ALLOCATOR=0 (storage is plain typed arrays)",
    allocatedBytes: s.allocatedBytes,
    cachedBytes: s.cachedBytes,
    peakBytes: s.peakBytes,
    cacheLimitBytes: s.cacheLimitBytes,
    hits: s.hits,
    misses: s.misses,
    streamedWrites: s.streamedWrites,
    ...base,
  };
}

/** Gives every cached block back to the system (as torch.cuda.empty_cache); returns the bytes freed. */
export function emptyCache(): number {
  return releaseCache();
}
