// F: the functional layer, as torch.nn.functional. Layers (nn) delegate their maths here.
export {
  identity, relu, leakyRelu, prelu, elu, selu, softplus, softsign, sigmoid, tanh, arctan, hardtanh,
  heaviside, gelu, silu, exponential, maxout, softmax, logSoftmax,
} from "./ops/activation";
export { conv2d, type Conv2dOptions } from "./ops/conv";
export { maxPool2d, avgPool2d, sumPool2d, type Pool2dOptions, type AvgPool2dOptions } from "./ops/pooling";
export { linear } from "./ops/linalg";
export { batchNorm, dropout, type BatchNormOptions, type DropoutOptions } from "./ops/normalization";
export { crossEntropy, nllLoss, mseLoss, l1Loss, binaryCrossEntropy, bceWithLogits, multiMarginLoss, svmLoss, l1, l2, elasticNet,
  type Reduction, type CrossEntropyOptions, type NllOptions } from "./ops/loss";
