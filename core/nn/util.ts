// Small helpers shared by the layers.
import { zeros } from "../ops/creation";
import type { Tensor } from "../tensor";
import type { DType } from "../dtype";

/** A zero tensor for a parameter that resetParameters() then initialises. */
export function empty(shape: number[], dtype: DType = "float32"): Tensor {
  return zeros(shape, { dtype });
}
