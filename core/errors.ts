// Errors in the user's terms: the op's name, what was given, and what was expected.

/** Shapes that do not fit together (matmul inner sizes, broadcasting, conv windows). */
export class ShapeError extends Error {
  override name = "ShapeError";
}

/** An op given a dtype it cannot work with (float32 where int32 indices are needed, ...). */
export class DTypeError extends TypeError {
  override name = "DTypeError";
}

/** A value out of range or not allowed (an index past the end, NaN where a size is needed). */
export class ValueError extends RangeError {
  override name = "ValueError";
}

/** Formats a shape as the user wrote it: [2,3]. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}
