// 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3): 16 products of
// channel matrices per 2x2 output tile instead of 36 multiply-adds per output, 2.25 times
// less arithmetic than im2col + GEMM (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016). Used for float32 convolutions with enough channels, forward
// and both gradients.
#pragma once
#include "conv3x3.h"
#include "isa_unit.h"

// Compiled once per instruction-set path (isa.h); common code calls them through isa().
namespace gradlab {
namespace GRADLAB_ISA_NS {

// y[N,K,OH,OW] = cross-correlation of x[N,C,H,W] with w[K,C,3,3], plus bias[k] (K values,
// or null for none) added to each sum; every element of y is written. With `am`, that
// output max-pooled 2x2 at stride 2 instead: y[N,K,OH/2,OW/2] and am, the winners as
// maxPool2d gives them (flat indices into an output plane).
void winogradConv3x3(const Conv3x3Geom& g, const float* x, const float* w, const float* bias, float* y, int32_t* am);

// dw[K,C,3,3] = the gradient of that convolution's filters for the output gradient dy[N,K,OH,OW]; dw is overwritten.
void winogradWeightGrad3x3(const Conv3x3Geom& g, const float* x, const float* dy, float* dw);

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
