// Assertions for numeric work, for tests in notebooks and graded assignments.
export { expectClose, AssertionError, type CloseOptions } from "./close";
export { expectShape } from "./shape";
export { checkGradient, checkGradGrad, gradientVerdict, GRADIENT_THRESHOLDS, type CheckGradientOptions } from "./gradient";
