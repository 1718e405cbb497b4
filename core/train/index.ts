// Training: fit/evaluate/predict, callbacks, history and metrics.
export { fit, evaluate, predict, requestStop, fitsRunning, type FitOptions, type LossSpec, type MetricSpec, type DataSpec } from "./fit";
export { History, type Logs } from "./history";
export { EarlyStopping, LRSchedulerCallback, ProgressLogger, type Callback, type TrainContext } from "./callbacks";
export { accuracy, topKAccuracy, confusionMatrix, perClassAccuracy } from "./metrics";
