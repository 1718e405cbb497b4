// conv2d then 2x2 max pooling as one kernel, for the backends that have no fused one: the
// two kernels given, with the convolution's output in a temporary array; and no weight
// gradient that skips the dense one.
import { unaryCode, type Kernels } from "../kernels";
import { unary } from "./elementwise";
import { pool2x2Geometry } from "../../ops/window";

export function composeConvMaxPool(conv2d: Kernels["conv2d"], maxPool2d: Kernels["maxPool2d"]): Kernels["conv2dMaxPool2x2"] {
  return (x, w, out, argmax, p, bias, relu) => {
    const full = new (out.constructor as Float32ArrayConstructor)(p.batch * p.outChannels * p.outHeight * p.outWidth);
    conv2d(x, w, full, p, bias);
    maxPool2d(full, out, argmax, pool2x2Geometry(p));
    if (relu) unary(unaryCode.relu, out, out, 0, 0);  // in place: each value read before it is written
  };
}

/** The reference has no weight gradient without the dense one: it declines, and the caller makes the dense gradient. */
export const noPooledWeightGrad: Kernels["conv2dMaxPool2x2BackwardWeight"] = () => false;
/** Nor both gradients without it. */
export const noPooledGrads: Kernels["conv2dMaxPool2x2Backward"] = () => false;
