// Where reduce's order of terms changes (reduce.cc), for the code that must give its bits
// without calling it (direct_conv.cc) and the code that decides when it can (conv.cc).
#pragma once
#include <cstdint>

namespace gradlab {
// From this length on, reduce sums a contiguous run in chunks (in parallel, added in order).
constexpr int64_t kSumChunkedFrom = 4 * 16384;
}  // namespace gradlab
