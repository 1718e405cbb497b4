// F: the functional layer, as torch.nn.functional. Layers (nn) delegate their maths here.
export {
  identity, relu, leakyRelu, prelu, elu, selu, softplus, softsign, sigmoid, tanh, arctan, hardtanh,
  heaviside, gelu, silu, exponential, maxout, softmax, logSoftmax,
} from "./ops/activation";
export { conv2d, type Conv2dOptions } from "./ops/conv";
export { maxPool2d, avgPool2d, sumPool2d, type Pool2dOptions, type AvgPool2dOptions } from "./ops/pooling";
