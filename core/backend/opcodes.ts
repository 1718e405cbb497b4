// The op-code tables: the one source of the numbers that name elementwise and reduction
// ops across the JavaScript/C++ boundary. A code is a name's position in its table.
//
// scripts/gen-opcodes.js reads this file (run by scripts/build-native.js before every
// native build) and writes native/src/opcodes.h from it; the addon exports the tables it
// was compiled with and core/backend/addon.ts refuses an addon whose tables differ. So
// this file keeps a plain form the generator can read without TypeScript: each table is
// `export const NAME = [ "string", ... ] as const;` with nothing but string literals,
// commas and comments between the brackets. Append new ops at the end of a table.

/** Elementwise unary ops. */
export const UNARY = [
  "neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh",
  "sigmoid", "relu", "floor", "ceil", "round", "reciprocal", "square", "atan", "log1p", "expm1",
  "erf", "leakyRelu", "elu", "selu", "softplus", "softsign", "hardtanh", "gelu", "heaviside", "clamp",
  "powScalar", "silu",
] as const;

/** The unary ops defined on int32 as well as on floats (the rest need floats). */
export const UNARY_INT_OK = ["neg", "abs", "sign", "relu", "square", "clamp"] as const;

/** Elementwise binary ops with broadcasting. */
export const BINARY = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum",
  "eq", "ne", "lt", "le", "gt", "ge", "and", "or",
] as const;

/** The binary ops whose output is bool (comparisons and logical ops). */
export const BINARY_BOOL_OUT = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or"] as const;

/** Reductions along one axis. */
export const REDUCE = ["sum", "prod", "max", "min", "argmax", "argmin"] as const;

/** The tables as the native addon exports them (its `opcodeTables()`). */
export interface OpcodeTables {
  unary: readonly string[];
  unaryIntOk: readonly string[];
  binary: readonly string[];
  binaryBoolOut: readonly string[];
  reduce: readonly string[];
}

/** This file's tables, in the addon's form. */
export const OPCODE_TABLES: OpcodeTables = {
  unary: UNARY, unaryIntOk: UNARY_INT_OK, binary: BINARY, binaryBoolOut: BINARY_BOOL_OUT, reduce: REDUCE,
};

/**
 * Why an addon's tables cannot be used with this file's (its first difference, in words),
 * or null when they are the same.
 */
export function opcodeMismatch(addon: OpcodeTables | undefined): string | null {
  if (!addon || typeof addon !== "object") return "it exports no op-code tables (built before they were checked)";
  for (const key of Object.keys(OPCODE_TABLES) as (keyof OpcodeTables)[]) {
    const ours = OPCODE_TABLES[key], theirs = addon[key];
    if (!Array.isArray(theirs)) return `its op-code table ${key} is missing`;
    for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
      if (ours[i] !== theirs[i]) {
        const say = (v: string | undefined) => (v === undefined ? "nothing" : `"${v}"`);
        return `its op-code table ${key} has ${say(theirs[i])} at position ${i} where core/backend/opcodes.ts has ${say(ours[i])}`;
      }
    }
  }
  return null;
}
