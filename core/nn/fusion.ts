// What nn.Sequential runs as one step: runs of layers whose result it can compute without
// their intermediate tensors, to the same bits (values and gradients) as layer by layer.
//   ReLU → MaxPool2d:             pooling first (the max of rectified values is the rectified
//                                 max, and the gradient goes to the same element), then the
//                                 ReLU on a quarter of the data for 2x2 windows.
//   Conv2d → MaxPool2d(2):        one op whose convolution output is never stored
//   Conv2d → ReLU → MaxPool2d(2): both of the above, as that one op (the relu on its pooled
//                                 output, and relu's gradient in the pooling's).
// Only for these exact classes (a subclass may change forward), and only while no layer of
// the run has its forward replaced on the instance: viz.activations and summary() do that to
// watch each layer's output, which must then exist.
import type { Tensor } from "../tensor";
import type { Module } from "./module";
import { ReLU } from "./activation";
import { MaxPool2d } from "./pooling";
import { Conv2d } from "./conv";
import { conv2dMaxPool2x2 } from "../ops/conv_pool";

const plain = (m: Module, cls: abstract new (...a: any[]) => Module) => m.constructor === cls && !Object.hasOwn(m, "forward");

const isTwo = (v: unknown) => v === 2 || (Array.isArray(v) && v.length === 2 && v[0] === 2 && v[1] === 2);
const isAll = (v: unknown, n: number) => v === undefined || v === n || (Array.isArray(v) && v.length === 2 && v[0] === n && v[1] === n);

/** A MaxPool2d whose windows are 2x2 at stride 2, unpadded, undilated, floor-sized. */
function pools2x2(m: MaxPool2d): boolean {
  const o = m.opts;
  return isTwo(o.kernelSize) && (o.stride === undefined || isTwo(o.stride)) && isAll(o.padding, 0) && isAll(o.dilation, 1) && !o.ceilMode;
}

/**
 * The output of layers[i], layers[i + 1], ... on x when they start a run above, and how many
 * layers it covered; null where layers[i] starts none.
 */
export function runFused(layers: readonly Module[], i: number, x: Tensor): { y: Tensor; layers: number } | null {
  const [a, b, c] = [layers[i], layers[i + 1], layers[i + 2]];
  if (!b) return null;
  if (plain(a, Conv2d) && x.ndim === 4) {
    const conv = a as Conv2d;
    if (plain(b, MaxPool2d) && pools2x2(b as MaxPool2d)) {
      return { y: conv2dMaxPool2x2(x, conv.weight, conv.bias, conv.opts, (b as MaxPool2d).opts.dropRemainder), layers: 2 };
    }
    if (c && plain(b, ReLU) && plain(c, MaxPool2d) && pools2x2(c as MaxPool2d)) {
      return { y: conv2dMaxPool2x2(x, conv.weight, conv.bias, conv.opts, (c as MaxPool2d).opts.dropRemainder, true), layers: 3 };
    }
  }
  if (plain(a, ReLU) && plain(b, MaxPool2d)) return { y: a.forward(b.forward(x)), layers: 2 };
  return null;
}
