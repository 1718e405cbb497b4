// Op codes shared with JavaScript. These MUST repeat, in the same order, the tables
// UNARY, BINARY and REDUCE of core/backend/kernels.ts (and UNARY_INT_OK / BINARY_BOOL_OUT).
#pragma once

namespace gradlab {

enum UnaryOp : int {
  U_NEG, U_ABS, U_SIGN, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SIN, U_COS, U_TANH,
  U_SIGMOID, U_RELU, U_FLOOR, U_CEIL, U_ROUND, U_RECIPROCAL, U_SQUARE, U_ATAN, U_LOG1P, U_EXPM1,
  U_ERF, U_LEAKY_RELU, U_ELU, U_SELU, U_SOFTPLUS, U_SOFTSIGN, U_HARDTANH, U_GELU, U_HEAVISIDE, U_CLAMP,
  U_POW_SCALAR, U_SILU,
  U_COUNT
};

static const char* const kUnaryNames[U_COUNT] = {
  "neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh",
  "sigmoid", "relu", "floor", "ceil", "round", "reciprocal", "square", "atan", "log1p", "expm1",
  "erf", "leakyRelu", "elu", "selu", "softplus", "softsign", "hardtanh", "gelu", "heaviside", "clamp",
  "powScalar", "silu",
};

// UNARY_INT_OK in kernels.ts.
inline bool unaryIntOk(int op) {
  return op == U_NEG || op == U_ABS || op == U_SIGN || op == U_RELU || op == U_SQUARE || op == U_CLAMP;
}

enum BinaryOp : int {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM,
  B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_AND, B_OR,
  B_COUNT
};

static const char* const kBinaryNames[B_COUNT] = {
  "add", "sub", "mul", "div", "pow", "maximum", "minimum",
  "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
};

// BINARY_BOOL_OUT in kernels.ts.
inline bool binaryBoolOut(int op) { return op >= B_EQ; }

enum ReduceOp : int { R_SUM, R_PROD, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN, R_COUNT };

static const char* const kReduceNames[R_COUNT] = { "sum", "prod", "max", "min", "argmax", "argmin" };

}  // namespace gradlab
