// Which native kernels run in deterministic mode: those that follow the TypeScript
// reference's operation sequence for every element on every instruction-set path and
// thread count (test/core/deterministic_kernels.test.ts checks each against the
// reference, bit for bit). The rest run the reference itself, so that both backends, and
// both sides of the small-work threshold, give the same bits.
import type { Kernels } from "./kernels";
import { UNARY, BINARY, REDUCE, type UnaryOp } from "./kernels";
import { deterministicConv, type ColumnKernels } from "./det_conv";

/**
 * Unary ops whose C++ and TypeScript are the same IEEE operations in double, rounded once
 * into the output. Not here: the transcendental ones (exp, log, tanh, sigmoid, ...), whose
 * C++ (libm, or the addon's vectorised float exp) and JavaScript (V8's own) differ in the last bit.
 */
const EXACT_UNARY: ReadonlySet<UnaryOp> = new Set(["neg", "abs", "sign", "sqrt", "rsqrt", "relu", "floor", "ceil", "round",
  "reciprocal", "square", "leakyRelu", "softsign", "hardtanh", "heaviside", "clamp"]);

/** Unary ops whose derivative is arithmetic on x and y = f(x) alone, in the same operations in both languages. */
const EXACT_DERIVATIVE: ReadonlySet<UnaryOp> = new Set(["neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid",
  "relu", "floor", "ceil", "round", "reciprocal", "square", "atan", "log1p", "expm1", "leakyRelu", "elu", "selu", "softsign",
  "hardtanh", "heaviside", "clamp"]);

const codes = <T extends string>(table: readonly T[], keep: (name: T) => boolean): boolean[] => table.map(keep);
const unaryExact = codes(UNARY, (n) => EXACT_UNARY.has(n));
const derivativeExact = codes(UNARY, (n) => EXACT_DERIVATIVE.has(n));
// pow is libm's in C++ and V8's in JavaScript.
const binaryExact = codes(BINARY, (n) => n !== "pow");
// Sums and products: the addon splits them into vector lanes; max, min and their indices are exact.
const reduceExact = codes(REDUCE, (n) => n !== "sum" && n !== "prod");

/**
 * The native backend's deterministic kernels. `native` holds its kernels as normally
 * routed (the TypeScript ones below the small-work threshold); `detGemm` is the addon's
 * gemmDeterministic, routed the same way, or the reference when the addon predates it;
 * `columns`, the addon's column loops of the convolutions, when it has them.
 */
export function nativeDeterministicKernels(native: Kernels, js: Kernels, detGemm: Kernels["gemm"], columns?: ColumnKernels): Kernels {
  return {
    ...js,
    unary: (op, ...rest) => (unaryExact[op] ? native : js).unary(op, ...rest),
    unaryBackward: (op, ...rest) => (derivativeExact[op] ? native : js).unaryBackward(op, ...rest),
    binary: (op, ...rest) => (binaryExact[op] ? native : js).binary(op, ...rest),
    reduce: (op, ...rest) => (reduceExact[op] ? native : js).reduce(op, ...rest),
    gemm: detGemm,
    ...deterministicConv(detGemm, columns),
    // Copies, selections and conversions: no arithmetic, the same values whoever moves them.
    where: native.where,
    stridedCopy: native.stridedCopy,
    stridedScatter: (dst, offset, strides, shape, src, accumulate) =>
      (accumulate ? js : native).stridedScatter(dst, offset, strides, shape, src, accumulate),
    indexSelect: native.indexSelect,
    gather: native.gather,
    cast: native.cast,
    fill: native.fill,
    nonzero: native.nonzero,
    countNonFinite: native.countNonFinite,
    maxPool2d: native.maxPool2d,
    // The optimisers' steps: the same operations per element in both (optim.cc, js/optim.ts).
    sgdStep: native.sgdStep,
    adamStep: native.adamStep,
  };
}
