// The input gradient of a 3x3 stride-1 convolution for an output gradient that is mostly
// zeros, as max pooling leaves it (2x2 pooling keeps one value of four): each nonzero of
// dy adds its filter, scaled, to the 3x3 patch of dx it came from. At the course CNN's
// second layer (about a fifth of dy nonzero) that is fewer multiply-adds than Winograd's
// dense products, and no transforms.
#pragma once
#include <cstdint>

#include "conv3x3.h"
#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); the AVX2 and AVX-512 paths have it,
// and conv.cc calls it through isa().sparseConvBackwardInput3x3 where dy is sparse enough.
namespace gradlab {
namespace GRADLAB_ISA_NS {

// dx[N,C,H,W] (overwritten) = the input gradient of y = conv(x, w) (w[K,C,3,3], padding
// pH, pW up to 2) for dy[N,K,OH,OW]. Zeros of dy are skipped: the sum of the other terms
// equals the full sum wherever w is finite (a zero term adds nothing to a sum that starts
// at +0 and so never is -0); the caller keeps non-finite filters off this path. Each
// image's sums run in one order (dy's positions row by row, the filter's rows, the output
// channels in order), one fused multiply-add a term, whatever the number of threads.
void sparseConvBackwardInput3x3(const Conv3x3Geom& g, const float* dy, const float* w, float* dx);

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
