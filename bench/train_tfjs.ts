// TensorFlow.js's side of the Fashion-MNIST training benchmark (wasm backend): the same
// models, Adam 1e-3 and batch 64, written on tfjs-core's ops and optimiser.
import * as tf from "@tensorflow/tfjs"; // the union package registers the gradients tfjs-core alone lacks
import "@tensorflow/tfjs-backend-wasm";
import { data } from "../core";

type Params = Record<string, tf.Variable>;

function glorot(shape: number[], fanIn: number, fanOut: number): tf.Variable {
  const lim = Math.sqrt(6 / (fanIn + fanOut));
  return tf.variable(tf.randomUniform(shape, -lim, lim, "float32", 0));
}

function makeParams(name: "mlp" | "cnn"): Params {
  if (name === "mlp") {
    return {
      w1: glorot([784, 256], 784, 256), b1: tf.variable(tf.zeros([256])),
      w2: glorot([256, 128], 256, 128), b2: tf.variable(tf.zeros([128])),
      w3: glorot([128, 10], 128, 10), b3: tf.variable(tf.zeros([10])),
    };
  }
  return {
    c1: glorot([3, 3, 1, 32], 9, 288), cb1: tf.variable(tf.zeros([32])),
    c2: glorot([3, 3, 32, 64], 288, 576), cb2: tf.variable(tf.zeros([64])),
    w1: glorot([64 * 7 * 7, 128], 3136, 128), b1: tf.variable(tf.zeros([128])),
    w2: glorot([128, 10], 128, 10), b2: tf.variable(tf.zeros([10])),
  };
}

function forward(name: "mlp" | "cnn", p: Params, x: tf.Tensor): tf.Tensor2D {
  if (name === "mlp") {
    const h1 = tf.relu(tf.add(tf.matMul(tf.reshape(x, [-1, 784]) as tf.Tensor2D, p.w1), p.b1)) as tf.Tensor2D;
    const h2 = tf.relu(tf.add(tf.matMul(h1, p.w2), p.b2)) as tf.Tensor2D;
    return tf.add(tf.matMul(h2, p.w3), p.b3) as tf.Tensor2D;
  }
  const img = tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D; // tfjs convolves NHWC
  const a1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(img, p.c1 as tf.Tensor4D, 1, "same"), p.cb1)) as tf.Tensor4D, 2, 2, "valid");
  const a2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(a1, p.c2 as tf.Tensor4D, 1, "same"), p.cb2)) as tf.Tensor4D, 2, 2, "valid");
  const h = tf.relu(tf.add(tf.matMul(tf.reshape(a2, [-1, 3136]) as tf.Tensor2D, p.w1), p.b1)) as tf.Tensor2D;
  return tf.add(tf.matMul(h, p.w2), p.b2) as tf.Tensor2D;
}

/** Trains for `epochs` over at most `limit` samples; returns the same fields as the other sides. */
export async function trainTfjs(name: "mlp" | "cnn", epochs: number, limit?: number) {
  await tf.setBackend("wasm");
  await tf.ready();
  const tr = data.fashionMnist({ split: "train", limit, shape: "flat" });
  const te = data.fashionMnist({ split: "test", shape: "flat" });
  const n = tr.x.shape[0];
  const x = tf.tensor2d(tr.x.dataSync() as Float32Array, [n, 784]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(tr.y.dataSync()), "int32"), 10);
  const p = makeParams(name);
  const opt = tf.train.adam(1e-3);
  const seconds: number[] = [];
  let trainLoss = NaN;
  for (let e = 0; e < epochs; e++) {
    const t0 = performance.now();
    const perm = tf.util.createShuffledIndices(n);
    for (let i = 0; i < n; i += 64) {
      const idx = tf.tensor1d(Int32Array.from(perm.subarray(i, Math.min(n, i + 64))), "int32");
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(tf.gather(y, idx), forward(name, p, tf.gather(x, idx))) as tf.Scalar, true);
      if (i + 64 >= n) trainLoss = (await loss!.data())[0];
      tf.dispose([idx, loss!]);
    }
    seconds.push((performance.now() - t0) / 1000);
  }
  const xt = tf.tensor2d(te.x.dataSync() as Float32Array, [te.x.shape[0], 784]);
  const pred = tf.tidy(() => tf.argMax(forward(name, p, xt), 1));
  const predicted = await pred.data();
  const truth = te.y.dataSync();
  let correct = 0;
  for (let i = 0; i < truth.length; i++) correct += predicted[i] === truth[i] ? 1 : 0;
  tf.dispose([x, y, xt, pred, ...Object.values(p)]);
  return { seconds, samplesPerSec: n / Math.min(...seconds), testAcc: correct / truth.length, trainLoss };
}

if (require.main === module) {
  const [name = "mlp", epochs = "1", limit] = process.argv.slice(2);
  trainTfjs(name as "mlp" | "cnn", Number(epochs), limit ? Number(limit) : undefined).then((r) => console.log(JSON.stringify(r)));
}
