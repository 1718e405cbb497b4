// optim: optimisers and learning-rate schedules, in PyTorch's manner.
export { Optimizer, type ParamGroup, type Params } from "./optimizer";
export { SGD, type SGDOptions } from "./sgd";
export { Adam, AdamW, type AdamOptions } from "./adam";
export { RMSprop, type RMSpropOptions } from "./rmsprop";
export { Adagrad, type AdagradOptions } from "./adagrad";
export { LBFGS, type LBFGSOptions } from "./lbfgs";
export * as lrScheduler from "./lr_scheduler";
