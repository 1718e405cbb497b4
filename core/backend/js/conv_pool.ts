// conv2d then 2x2 max pooling as one kernel, for the backends that have no fused one: the
// two kernels given, with the convolution's output in a temporary array.
import type { Kernels } from "../kernels";
import { pool2x2Geometry } from "../../ops/window";

export function composeConvMaxPool(conv2d: Kernels["conv2d"], maxPool2d: Kernels["maxPool2d"]): Kernels["conv2dMaxPool2x2"] {
  return (x, w, out, argmax, p, bias, relu) => {
    const full = new (out.constructor as Float32ArrayConstructor)(p.batch * p.outChannels * p.outHeight * p.outWidth);
    conv2d(x, w, full, p, bias);
    maxPool2d(full, out, argmax, pool2x2Geometry(p));
    if (relu) for (let i = 0; i < out.length; i++) { const v = out[i]; out[i] = v > 0 ? v : v === v ? 0 : v; }  // relu's values (elementwise.ts)
  };
}
