// The caching allocator (storage.h).
#include "storage.h"

#include <emmintrin.h>
#include <unistd.h>
#include <v8.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <new>
#include <random>
#include <thread>
#include <unordered_map>
#include <vector>

#include "args.h"

namespace gradlab {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kClassBytes = 4096;
// The largest block: kMaxElems float64 elements.
constexpr size_t kMaxBytes = size_t(kMaxElems) * 8;

size_t classOf(size_t bytes) { return (bytes + kClassBytes - 1) / kClassBytes * kClassBytes; }

size_t defaultCap() {
  if (const char* env = std::getenv("GRADLAB_CACHE_MAX_BYTES")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end != env && *end == '\0') return static_cast<size_t>(v);
  }
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return size_t(1) << 30;
  return static_cast<size_t>(pages) * static_cast<size_t>(page) / 8;
}

// A block whose last hand-out lies this many handed-out bytes back has most likely left
// the cache: about half a 32 MiB last-level cache (what cpuid reports under a hypervisor
// cannot be trusted: 508 MiB on this project's machines), and the inputs the kernels read
// in between pass through the cache too.
constexpr uint64_t kColdDistance = uint64_t(16) << 20;

bool streamingEnabled() {
  const char* env = std::getenv("GRADLAB_STREAMING_STORES");
  return !(env && std::strcmp(env, "0") == 0);
}

struct Cached {
  void* p;
  size_t cls;
  uint64_t stamp;  // Cache::handedOut just after this block was last handed out
};

struct Live {
  uint64_t stamp;
  bool cold;  // not yet written since it was handed out, and probably not in cache
};

// One instance, never destroyed: deleters may still run while the process exits.
struct Cache {
  std::mutex mu;
  // Every cached block, oldest first (evicted from the front)...
  std::list<Cached> byAge;
  // ...and per size class, its entries in the same order (reused from the back: newest).
  std::unordered_map<size_t, std::deque<std::list<Cached>::iterator>> byClass;
  // The blocks handed out and not yet given back (storageFree checks a buffer against it).
  std::unordered_map<void*, Live> live;
  // Bytes handed out since load: the clock a block's coldness is measured on.
  uint64_t handedOut = 0;
  StorageStats s;

  // Frees the oldest cached blocks until at most `limit` bytes stay cached. mu held.
  void evictTo(size_t limit) {
    while (s.cached > limit && !byAge.empty()) {
      Cached c = byAge.front();
      auto& q = byClass[c.cls];
      q.pop_front();  // the oldest of its class is the oldest overall among them
      if (q.empty()) byClass.erase(c.cls);
      byAge.pop_front();
      s.cached -= c.cls;
      s.cachedBlocks--;
      std::free(c.p);
    }
  }
};

Cache& cache() {
  static Cache* c = [] {
    Cache* n = new Cache();
    n->s.cap = defaultCap();
    return n;
  }();
  return *c;
}

}  // namespace

void* storageAlloc(size_t bytes) {
  if (bytes == 0 || bytes > kMaxBytes) throw std::bad_alloc();
  const size_t cls = classOf(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.byClass.find(cls);
    if (it != c.byClass.end()) {
      auto entry = it->second.back();
      void* p = entry->p;
      const uint64_t since = c.handedOut - entry->stamp;
      it->second.pop_back();
      if (it->second.empty()) c.byClass.erase(it);
      c.byAge.erase(entry);
      c.s.cached -= cls;
      c.s.cachedBlocks--;
      c.s.allocated += cls;
      c.s.liveBlocks++;
      c.handedOut += cls;
      c.live[p] = Live{c.handedOut, since >= kColdDistance};
      c.s.hits++;
      if (c.s.allocated > c.s.peak) c.s.peak = c.s.allocated;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, cls);
  if (!p) {
    // Under pressure: what the cache holds goes back first.
    storageReleaseCached();
    p = std::aligned_alloc(kAlign, cls);
    if (!p) throw std::bad_alloc();
  }
  std::lock_guard<std::mutex> lock(c.mu);
  c.s.allocated += cls;
  c.s.liveBlocks++;
  c.handedOut += cls;
  c.live[p] = Live{c.handedOut, true};  // fresh from malloc: nothing of it is in cache
  c.s.misses++;
  if (c.s.allocated > c.s.peak) c.s.peak = c.s.allocated;
  return p;
}

void storageFree(void* p, size_t bytes) {
  if (!p) return;
  const size_t cls = classOf(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.s.allocated -= cls;
  c.s.liveBlocks--;
  auto lv = c.live.find(p);
  const uint64_t stamp = lv != c.live.end() ? lv->second.stamp : c.handedOut;
  if (lv != c.live.end()) c.live.erase(lv);
  if (cls > c.s.cap) {
    std::free(p);
    return;
  }
  c.evictTo(c.s.cap - cls);
  c.byAge.push_back(Cached{p, cls, stamp});
  c.byClass[cls].push_back(std::prev(c.byAge.end()));
  c.s.cached += cls;
  c.s.cachedBlocks++;
}

bool storageOwns(const void* p, size_t bytes) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return bytes > 0 && bytes <= kMaxBytes && c.live.count(const_cast<void*>(p)) > 0;
}

bool storageShouldStream(const void* p, size_t bytes) {
  static const bool enabled = streamingEnabled();
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto it = c.live.find(const_cast<void*>(p));
  if (it == c.live.end() || !it->second.cold) return false;
  it->second.cold = false;
  if (!enabled || bytes < kStreamMinBytes) return false;
  c.s.streamedWrites++;
  return true;
}

StorageStats storageStats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.s;
}

size_t storageReleaseCached() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  size_t before = c.s.cached;
  c.evictTo(0);
  return before;
}

size_t storageSetCap(size_t cap) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  size_t prev = c.s.cap;
  c.s.cap = cap;
  c.evictTo(cap);
  return prev;
}

namespace {

void returnToCache(void* data, size_t length, void* /*deleter_data*/) { storageFree(data, length); }

// Node-API has no way to make an ArrayBuffer whose memory is given back the moment V8
// frees it: napi_create_external_arraybuffer's finaliser is deferred to a later turn of
// the event loop (setImmediate in Node 20), which a synchronous training loop never
// reaches. V8's own BackingStore deleter runs when V8 frees it (maybe on a GC thread).
// The Local is handed to Node-API as Node's own v8impl::JsValueFromV8LocalValue does: a
// napi_value is the address of the handle's slot, which `*local` is (test/native/storage).
napi_value toNapi(v8::Local<v8::Value> local) { return reinterpret_cast<napi_value>(*local); }

// Zeroes a new block: a cold one past the cache (stream_store.h says why) with SSE2's
// streaming store, which every x86-64 CPU has (this unit is compiled for all of them).
void clearBlock(void* p, size_t bytes) {
  if (!storageShouldStream(p, bytes)) {
    std::memset(p, 0, bytes);
    return;
  }
  char* d = static_cast<char*>(p);  // 64-byte aligned (storageAlloc)
  const __m128i zero = _mm_setzero_si128();
  size_t i = 0;
  for (; i + 16 <= bytes; i += 16) _mm_stream_si128(reinterpret_cast<__m128i*>(d + i), zero);
  std::memset(d + i, 0, bytes - i);
  _mm_sfence();
}

}  // namespace

Napi::Value StorageAllocJs(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"bytes", "zero"};
  Args args(info, "storageAlloc", 2, names);
  const size_t bytes = static_cast<size_t>(args.integer(0, 1, static_cast<int64_t>(kMaxBytes)));
  const bool zero = args.boolean(1);
  void* p = storageAlloc(bytes);
  // One thread clears it, as calloc would: a parallel clear waits for the pool's other
  // thread, which on a loaded machine costs more than it saves (softmax 1000², measured).
  if (zero) clearBlock(p, bytes);
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(p, bytes, returnToCache, nullptr);
  v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(isolate, std::move(store));
  return Napi::Value(info.Env(), toNapi(ab));
}

// Gives a block back now, when gradlab knows no tensor needs it: the ArrayBuffer is
// detached (every view of it becomes zero-length, so nothing can read or write the block
// afterwards: a kernel handed one refuses it as too short), and V8 drops its backing
// store, whose deleter returns the block to the cache. Only buffers storageAlloc made
// (external and detachable) are accepted; anything else is left alone (false).
Napi::Value StorageFreeJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsArrayBuffer()) {
    throw Napi::TypeError::New(env, "storageFree: expected one ArrayBuffer");
  }
  // A napi_value is the address of a handle's slot, as a Local holds it (toNapi, reversed).
  napi_value handle = info[0];
  v8::Local<v8::Value> value;
  static_assert(sizeof value == sizeof handle, "a Local is one pointer");
  std::memcpy(static_cast<void*>(&value), &handle, sizeof value);
  v8::Local<v8::ArrayBuffer> ab = value.As<v8::ArrayBuffer>();
  std::shared_ptr<v8::BackingStore> store = ab->GetBackingStore();
  // Ours: memory from the cache, handed to V8 with returnToCache as its deleter. V8 does
  // not say which deleter a store has; the cache knows its live blocks.
  const bool ours = store->ByteLength() > 0 && storageOwns(store->Data(), store->ByteLength()) && ab->IsDetachable();
  store.reset();
  if (!ours) return Napi::Boolean::New(env, false);
  napi_status status = napi_detach_arraybuffer(env, info[0]);
  return Napi::Boolean::New(env, status == napi_ok);
}

Napi::Value StorageStatsJs(const Napi::CallbackInfo& info) {
  StorageStats s = storageStats();
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("allocatedBytes", double(s.allocated));
  o.Set("cachedBytes", double(s.cached));
  o.Set("peakBytes", double(s.peak));
  o.Set("cacheLimitBytes", double(s.cap));
  o.Set("liveBlocks", double(s.liveBlocks));
  o.Set("cachedBlocks", double(s.cachedBlocks));
  o.Set("hits", double(s.hits));
  o.Set("misses", double(s.misses));
  o.Set("streamedWrites", double(s.streamedWrites));
  return o;
}

Napi::Value StorageReleaseJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), double(storageReleaseCached()));
}

Napi::Value StorageSetCapJs(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"bytes"};
  Args args(info, "storageSetCap", 1, names);
  // Up to 2^53: any byte count a JS number holds exactly.
  const size_t cap = static_cast<size_t>(args.integer(0, 0, int64_t(1) << 53));
  return Napi::Number::New(info.Env(), double(storageSetCap(cap)));
}

Napi::Value StorageResetPeakJs(const Napi::CallbackInfo& info) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.s.peak = c.s.allocated;
  return info.Env().Undefined();
}

// For the tests: `threads` threads each take and give back blocks of a few sizes
// `iterations` times, as deleters on GC threads and kernels on the main thread would,
// stamping each block's first and last 8 bytes with a tag of their own and checking the
// stamp before giving it back. Returns false when a block was handed to two holders at once.
Napi::Value StorageStressJs(const Napi::CallbackInfo& info) {
  static const char* const names[] = {"threads", "iterations"};
  Args args(info, "storageStress", 2, names);
  const int threads = static_cast<int>(args.integer(0, 1, 64));
  const int64_t iters = args.integer(1, 0, int64_t(1) << 30);
  std::atomic<bool> ok{true};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++) {
    pool.emplace_back([t, iters, &ok] {
      std::mt19937 rng(1234u + unsigned(t));
      struct Held { void* p; size_t bytes; uint64_t tag; };
      std::vector<Held> held;
      auto stamp = [](const Held& h) {
        std::memcpy(h.p, &h.tag, 8);
        std::memcpy(static_cast<char*>(h.p) + h.bytes - 8, &h.tag, 8);
      };
      auto intact = [](const Held& h) {
        uint64_t a, b;
        std::memcpy(&a, h.p, 8);
        std::memcpy(&b, static_cast<char*>(h.p) + h.bytes - 8, 8);
        return a == h.tag && b == h.tag;
      };
      for (int64_t i = 0; i < iters; i++) {
        if (held.size() < 8 && (rng() & 1)) {
          size_t bytes = (65536u << (rng() % 4)) + (rng() % 3) * 4096u;
          Held h{storageAlloc(bytes), bytes, (uint64_t(t) << 40) | uint64_t(i)};
          stamp(h);
          held.push_back(h);
        } else if (!held.empty()) {
          if (!intact(held.back())) ok = false;
          storageFree(held.back().p, held.back().bytes);
          held.pop_back();
        }
      }
      for (auto& h : held) {
        if (!intact(h)) ok = false;
        storageFree(h.p, h.bytes);
      }
    });
  }
  for (auto& th : pool) th.join();
  return Napi::Boolean::New(info.Env(), ok.load());
}

}  // namespace gradlab
