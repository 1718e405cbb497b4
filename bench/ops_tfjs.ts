// TensorFlow.js's side of the op benchmark (wasm backend): the cases of
// bench/ops_gradlab.ts by the same names. tfjs convolves NHWC, so the same sizes are
// laid out that way; each run waits for its result so that the time is the work's.
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { matmulSizes } from "./ops_gradlab";
import { timeMs } from "./util";

type Case = [string, () => tf.Tensor | tf.Tensor[]];

function cases(quick: boolean): Case[] {
  const out: Case[] = [];
  for (const n of matmulSizes(quick)) {
    const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
    out.push([`matmul ${n}`, () => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)]);
  }
  const x = tf.randomNormal([1000, 1000]), y = tf.randomNormal([1000, 1000]), row = tf.randomNormal([1000]);
  out.push(["add 1e6", () => tf.add(x, y)], ["mul broadcast 1000x1000·1000", () => tf.mul(x, row)], ["relu 1e6", () => tf.relu(x)],
    ["exp 1e6", () => tf.exp(x)], ["sum 1e6", () => tf.sum(x)], ["sum dim 1 1000x1000", () => tf.sum(x, 1)], ["softmax 1000x1000", () => tf.softmax(x)]);
  for (const [label, xs, ws] of [["64x1x28x28 k32x1x3x3", [64, 28, 28, 1], [3, 3, 1, 32]], ["64x32x14x14 k64x32x3x3", [64, 14, 14, 32], [3, 3, 32, 64]]] as const) {
    const xi = tf.randomNormal([...xs]) as tf.Tensor4D, w = tf.randomNormal([...ws]) as tf.Tensor4D;
    const g = tf.randomNormal(tf.conv2d(xi, w, 1, "same").shape);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"));
    out.push([`conv2d fwd ${label}`, () => tf.conv2d(xi, w, 1, "same")], [`conv2d fwd+bwd ${label}`, () => grads([xi, w], g)]);
  }
  const p = tf.randomNormal([64, 28, 28, 32]) as tf.Tensor4D, pg = tf.randomNormal([64, 14, 14, 32]);
  const poolGrad = tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 2, 2, "valid"));
  out.push(["maxPool2d fwd+bwd 64x32x28x28", () => poolGrad(p, pg)]);
  const t1 = tf.randomNormal([4]), t2 = tf.randomNormal([4]), m4 = tf.randomNormal([4, 4]) as tf.Tensor2D;
  const tinyGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(a, t2)));
  out.push(["tiny add [4]", () => tf.add(t1, t2)], ["tiny matmul 4x4", () => tf.matMul(m4, m4)], ["tiny mul+sum+backward [4]", () => tinyGrad(t1)]);
  return out;
}

/** Cases tfjs-wasm cannot run, with its reason; filled by timeTfjs. */
export const missing: string[] = [];

export async function timeTfjs(quick: boolean): Promise<Record<string, number>> {
  await tf.setBackend("wasm");
  await tf.ready();
  const out: Record<string, number> = {};
  for (const [name, fn] of cases(quick)) {
    try {
      out[name] = timeMs(() => {
        const r = fn();
        for (const t of Array.isArray(r) ? r : [r]) { t.dataSync(); t.dispose(); }
      }, { minMs: quick ? 100 : 400, reps: 5 });
    } catch (e) {
      // e.g. Conv2DBackpropFilter: the wasm backend lacks some gradient kernels.
      missing.push(`${name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return out;
}
