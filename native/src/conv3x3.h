// The geometry of a 3x3, stride-1, undilated, ungrouped convolution, as the specialised
// kernels (winograd.h, direct_conv.h) take it.
#pragma once
#include <cstdint>

namespace gradlab {

struct Conv3x3Geom {
  int64_t N, C, H, W;  // input
  int64_t K, OH, OW;   // output channels and size: OH = H + 2*pH - 2
  int64_t pH, pW;      // zero padding, 0..2
};

// The direct kernel (direct_conv.h) takes at most this many input channels: beyond,
// Winograd or im2col's GEMM does better.
constexpr int64_t kDirectMaxChannels = 4;

}  // namespace gradlab
