// Small helpers shared by the layers.
import { zeros } from "../ops/creation";
import type { Tensor } from "../tensor";
import type { DType } from "../dtype";

/**
 * A zero tensor for a parameter that resetParameters() then initialises. With `owner`
 * (["Linear", "weight"]), a size that cannot be allocated is reported as the layer's
 * ("Linear: weight shape [...] has more than ..."), not as a call to zeros the user never made.
 */
export function empty(shape: number[], dtype: DType = "float32", owner?: [layer: string, parameter: string]): Tensor {
  try {
    return zeros(shape, { dtype });
  } catch (e) {
    if (owner && e instanceof Error) e.message = e.message.replace(/^zeros: /, `${owner[0]}: ${owner[1]} `);
    throw e;
  }
}
