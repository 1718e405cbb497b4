// The pure-TypeScript backend: every kernel, readable, the reference for the others.
import type { Kernels } from "../kernels";
import { unary, unaryBackward, binary, where, cast, fill, countNonFinite, nonzero } from "./elementwise";
import { reduce, softmax, softmaxBackward } from "./reduce";
import { gemm } from "./gemm";
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from "./conv";
import { maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward } from "./pool";
import { composeConvMaxPool, noPooledGrads, noPooledWeightGrad } from "./conv_pool";
import { stridedCopy, stridedScatter, indexSelect, indexAdd, gather, scatterAdd } from "./indexing";
import { sgdStep, adamStep } from "./optim";

export const jsKernels: Kernels = {
  unary, unaryBackward, binary, where, reduce, gemm, softmax, softmaxBackward,
  conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dMaxPool2x2: composeConvMaxPool(conv2d, maxPool2d),
  conv2dMaxPool2x2BackwardWeight: noPooledWeightGrad, conv2dMaxPool2x2Backward: noPooledGrads,
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward,
  stridedCopy, stridedScatter, indexSelect, indexAdd, gather, scatterAdd,
  cast, fill, nonzero, countNonFinite, sgdStep, adamStep,
};
