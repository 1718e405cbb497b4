// The input and weight gradients of a 3x3 stride-1 convolution for an output gradient that
// is mostly zeros, as max pooling leaves it (2x2 pooling keeps one value of four): each
// nonzero of dy adds its filter, scaled, to the 3x3 patch of dx it came from, and the patch
// of x under it, scaled, to its filter's gradient. At the course CNN's second layer (about
// a fifth of dy nonzero) that is fewer multiply-adds than Winograd's dense products, and
// no transforms.
#pragma once
#include <cstdint>

#include "conv3x3.h"
#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); the AVX2 path uses them, through
// isa().sparseConvBackwardInput3x3 and isa().sparseConvBackwardWeight3x3, where conv.cc
// finds dy sparse enough.
namespace gradlab {
namespace GRADLAB_ISA_NS {

// dx[N,C,H,W] (overwritten) = the input gradient of y = conv(x, w) (w[K,C,3,3], padding
// pH, pW up to 2) for dy[N,K,OH,OW]. Zeros of dy are skipped: the sum of the other terms
// equals the full sum wherever w is finite (a zero term adds nothing to a sum that starts
// at +0 and so never is -0); the caller keeps non-finite filters off this path. Each
// image's sums run in one order (dy's positions row by row, the filter's rows, the output
// channels in order), one fused multiply-add a term, whatever the number of threads.
void sparseConvBackwardInput3x3(const Conv3x3Geom& g, const float* dy, const float* w, float* dx);
// dw[K,C,3,3] (overwritten) = the weight gradient of that convolution for its input
// x[N,C,H,W] and dy: each nonzero of dy adds the 3x3 patch of x under it, scaled, to its
// output channel's filter. Zeros skipped as above, for a finite x. Images are summed in
// fixed groups of 4, each in order (positions row by row within an image), and the groups
// in order: the same bits on any number of threads.
void sparseConvBackwardWeight3x3(const Conv3x3Geom& g, const float* x, const float* dy, float* dw);
// Both gradients, dx and dw as above, for the dense gradient dy that 2x2 max pooling's
// gradient makes from dyPooled[N,K,OH/2,OW/2], its winners am and (or null) the relu output
// mask over it, as maxPool2dBackward writes it (pool.h's plane function, in cache an image at
// a time); and (planeSums, or null) each (n, k) plane's sum of it as reduce gives it, for
// OH * OW under kSumChunkedFrom. The bits of maxPool2dBackward, then the two kernels above
// and reduce. For finite x and w. False at a winner outside its window (dx, dw and
// planeSums then hold no result).
bool sparseConvPooledBackward3x3(const Conv3x3Geom& g, const float* x, const float* w, const float* dyPooled, const int32_t* am,
                                 const float* mask, float* dx, float* dw, float* planeSums);

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
