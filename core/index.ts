// gradlab: tensors, autograd, and (as the project grows) layers, optimisers and data.
export { Tensor } from "./tensor";
export type { TensorLike } from "./tensor";
export type { DType } from "./dtype";
export {
  tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint, randperm,
  zerosLike, onesLike, fullLike, randLike, randnLike,
  type TensorOptions, type RandomOptions, type NestedArray,
} from "./ops/creation";
export { where, clamp } from "./ops/elementwise";
export { sum, mean, max, min, amax, amin, argmax, argmin, variance as var, std, norm, logsumexp, prod, type ValuesIndices } from "./ops/reduce";
export { reshape, flatten, squeeze, unsqueeze, transpose, permute, expand, slice, index, indexSelect, gather, maskedSelect,
  cat, stack, split, chunk, type IndexSpec } from "./ops/movement";
export { matmul, dot } from "./ops/linalg";
export { convOutputSize, type WindowOptions } from "./ops/window";
export { manualSeed, Generator, defaultGenerator } from "./random";
export { noGrad, enableGrad, setGradEnabled, isGradEnabled, grad, type GradOptions, type BackwardOptions } from "./autograd";
export { gradcheck, gradgradCheck, relativeError, type GradcheckResult, type GradcheckOptions, type GradgradcheckOptions } from "./gradcheck";
export { backend, setBackend, availableBackends, setNumThreads, setDeterministic, isDeterministic, DeterminismError,
  type BackendInfo } from "./backend";
export { memory, emptyCache, type MemoryInfo } from "./memory";
export { ShapeError, DTypeError, ValueError } from "./errors";
export * as F from "./functional";
export * as nn from "./nn";
export * as init from "./init";
export * as optim from "./optim";
export * as data from "./data";
export { fit, evaluate, predict, requestStop, History, EarlyStopping, LRSchedulerCallback, ProgressLogger,
  type Callback, type FitOptions } from "./train";
export * as metrics from "./train/metrics";
export * as classical from "./classical";
export { save, load, serialize, deserialize } from "./io/safetensors";
export * as viz from "./viz";
export * as testing from "./testing";
export { expectClose, expectShape, checkGradient, checkGradGrad } from "./testing";
