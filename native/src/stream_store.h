// Streaming (non-temporal) stores for large outputs written into a block that is not in
// cache. An ordinary store to such a block first reads each line from memory (a
// read-for-ownership) and later writes it back, and its lines push the kernel's inputs out
// of the cache on the way; a streaming store writes the line to memory once and leaves the
// cache alone. Where the block is still cached an ordinary store is cheaper, so kernels
// ask the allocator (storageShouldStream) before streaming. A kernel computes its output
// a line or a few at a time into a buffer that stays in L1 and streams each out
// (streamOut), or streams a stretch it already holds in its scratch (streamCopy).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "isa_unit.h"
#include "storage.h"

namespace gradlab {
namespace GRADLAB_ISA_NS {

// Whether a kernel should stream `bytes` of output into `out` (ask once per kernel call:
// asking counts as the block's first write).
inline bool shouldStream(const void* out, size_t bytes) {
  return bytes >= kStreamMinBytes && storageShouldStream(out, bytes);
}

// Streams `lines` 64-byte lines from src (in cache) to dst (64-byte aligned).
inline void streamLines(void* dst, const void* src, int64_t lines) {
  char* d = static_cast<char*>(dst);
  const char* s = static_cast<const char*>(src);
  for (int64_t l = 0; l < lines; l++, d += 64, s += 64) {
#if defined(__AVX512F__)
    _mm512_stream_si512(reinterpret_cast<__m512i*>(d), _mm512_loadu_si512(s));
#elif defined(__AVX2__)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + 32), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 32)));
#else
    for (int k = 0; k < 64; k += 16)
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + k), _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k)));
#endif
  }
}

// Orders this thread's streaming stores before whatever it does next (the pool's
// completion signal among them): streaming stores are weakly ordered.
inline void streamFence() { _mm_sfence(); }

// Writes out[begin, end): fill(dst, i, n) writes the n outputs from index i to dst. The
// stretch up to the first 64-byte boundary and the tail are written in place; in between,
// each 64-byte line is filled into a buffer in L1 (n a constant there, so an inlined fill
// compiles to one vector operation) and streamed out at once, which keeps the reads of the
// inputs and the streaming stores overlapped. kLines: lines per fill, 1 for fills that
// inline, more for fills that cost a call (a dispatch) each. The caller fences
// (streamFence) once its thread's share is written.
template <int64_t kLines = 1, class T, class Fill>
inline void streamOut(T* out, int64_t begin, int64_t end, Fill fill) {
  constexpr int64_t kPerLine = int64_t(64 / sizeof(T));
  constexpr int64_t kChunk = kLines * kPerLine;
  const int64_t misalign = int64_t(reinterpret_cast<uintptr_t>(out + begin) & 63) / int64_t(sizeof(T));
  int64_t i = begin;
  if (misalign) {
    const int64_t head = std::min(end - begin, kPerLine - misalign);
    fill(out + i, i, head);
    i += head;
  }
  alignas(64) T buf[kChunk];
  for (; i + kChunk <= end; i += kChunk) {
    fill(buf, i, kChunk);
    streamLines(out + i, buf, kLines);
  }
  for (; i + kPerLine <= end; i += kPerLine) {
    fill(buf, i, kPerLine);
    streamLines(out + i, buf, 1);
  }
  if (i < end) fill(out + i, i, end - i);
}

// Copies n values from src (in cache: a kernel's scratch) to dst, streaming every whole
// 64-byte line of dst. The caller fences.
template <class T>
inline void streamCopy(T* dst, const T* src, int64_t n) {
  constexpr int64_t kPerLine = int64_t(64 / sizeof(T));
  const int64_t misalign = int64_t(reinterpret_cast<uintptr_t>(dst) & 63) / int64_t(sizeof(T));
  const int64_t head = misalign ? std::min(n, kPerLine - misalign) : 0;
  std::copy(src, src + head, dst);
  const int64_t lines = (n - head) / kPerLine;
  streamLines(dst + head, src + head, lines);
  const int64_t done = head + lines * kPerLine;
  std::copy(src + done, src + n, dst + done);
}

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
