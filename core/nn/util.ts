// Small helpers shared by the layers.
import { zeros } from "../ops/creation";
import type { Tensor } from "../tensor";
import type { DType } from "../dtype";

/**
 * A zero tensor for a parameter that resetParameters() then initialises. With `owner`
 * ("Linear (weight)"), a size that cannot be allocated is reported as the layer's, not
 * as a call to zeros the user never made.
 */
export function empty(shape: number[], dtype: DType = "float32", owner?: string): Tensor {
  try {
    return zeros(shape, { dtype });
  } catch (e) {
    if (owner && e instanceof Error) e.message = `${owner}: ${e.message.replace(/^zeros: /, "")}`;
    throw e;
  }
}
