// nn: layers and models, in PyTorch's manner.
export { Module, Parameter, parameter } from "./module";
export { Linear, Dense, Identity, Flatten, type LinearOptions, type ActivationName } from "./linear";
export { Conv2d, type Conv2dLayerOptions } from "./conv";
export { MaxPool2d, AvgPool2d, SumPool2d } from "./pooling";
export { BatchNorm1d, BatchNorm2d, Dropout, type BatchNormLayerOptions } from "./normalization";
export { ReLU, Sigmoid, Tanh, SELU, Softsign, GELU, SiLU, Arctan, Exponential, LeakyReLU, ELU, Softplus, Hardtanh, Heaviside,
  PReLU, Maxout, Softmax, LogSoftmax } from "./activation";
export { Sequential, ModuleList, Residual, BasicBlock } from "./container";
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, BCELoss, BCEWithLogitsLoss, MultiMarginLoss, SVMLoss } from "./loss";
export { summary, Summary, type SummaryRow } from "./summary";
