// 3x3 stride-1 convolutions of images with few channels (a first layer on grey or colour
// images), computed directly: with C * 9 multiply-adds per output, im2col's column copy,
// a GEMM of depth 9 and the reordering of its result cost several times the arithmetic.
#pragma once
#include <cstdint>

#include "conv3x3.h"
#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); the AVX2 and AVX-512 paths have it,
// and common code calls it through isa().directConv3x3 for C <= kDirectMaxChannels.
namespace gradlab {
namespace GRADLAB_ISA_NS {

// y[N,K,OH,OW] = cross-correlation of x[N,C,H,W] with w[K,C,3,3], plus bias[k] (K values,
// or null for none) added to each sum; every element of y is written. With `am`, that
// output max-pooled 2x2 at stride 2 instead (y[N,K,OH/2,OW/2] and the winners in am, as
// maxPool2d gives them), each block of planes pooled while it is in L1: the convolution's
// output never goes to memory.
void directConv3x3(const Conv3x3Geom& g, const float* x, const float* w, const float* bias, float* y, int32_t* am);
// dw[K,C,3,3] = the weight gradient of that convolution for the output gradient dy[N,K,OH,OW]:
// 9 taps of each (k, c) summed over every image and position in vector lanes, in fixed
// groups of images, so the result does not depend on the number of threads.
void directConvWeightGrad3x3(const Conv3x3Geom& g, const float* x, const float* dy, float* dw);
// The same dw where dy is the gradient that max pooling 2x2 at stride 2 routes back from its
// output's gradient dyPooled[N,K,OH/2,OW/2] to its winners am (maxPool2dBackward, relu's
// gradient first where `mask` is given): each plane of dy made in L1 as that kernel makes it,
// then summed as above, so the bits are those of the two kernels one after the other. With
// planeSums, also each (n, k) plane's sum as reduce makes it (N*K floats). False at a winner
// outside its window, dw untouched (planeSums perhaps in part).
bool directConvPooledWeightGrad3x3(const Conv3x3Geom& g, const float* x, const float* dyPooled, const int32_t* am, const float* mask, float* dw,
                                   float* planeSums);

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
