// expectShape: the first thing to check in a vectorised implementation.
import { fmtShape, ValueError, describeValue } from "../errors";
import { AssertionError } from "./close";
import { toValues } from "./values";

/** Passes when the shape is exactly `expected`; -1 (or null) in `expected` matches any size. */
export function expectShape(actual: unknown, expected: readonly (number | null)[], message?: string): void {
  if (!Array.isArray(expected)) throw new ValueError(`expectShape: the expected shape must be an array such as [2, 3], got ${describeValue(expected)}`);
  const shape = toValues(actual, "expectShape").shape;
  const fits = shape.length === expected.length && expected.every((s, i) => s === null || s === -1 || s === shape[i]);
  if (!fits) {
    const want = `[${expected.map((s) => (s === null || s === -1 ? "*" : s)).join(",")}]`;
    throw new AssertionError(`${message ? message + ": " : ""}wrong shape: got ${fmtShape(shape)}, expected ${want}`);
  }
}
