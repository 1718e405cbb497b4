// nn.Sequential runs ReLU → MaxPool2d, Conv2d → MaxPool2d(2) and Conv2d → ReLU → MaxPool2d(2)
// as one step each (core/nn/fusion.ts; the last as one op, the ReLU in it): the output and
// every gradient must be those of the layers one after the other, to the bit, whatever the
// input holds (ties, zeros of both signs, infinities, NaN), on every convolution path and
// backend; errors must be the layers' own; and the layers must run one by one wherever an
// output is watched. A first layer's (an input needing no gradient) weight and bias
// gradients come from the pooled gradient on the addon's direct path, and a later layer's
// input and weight gradients on the AVX2 and AVX-512 paths' sparse kernels: the same bits,
// and those kernels must have taken them.
import { strict as assert } from "node:assert";
import { tensor, nn, setDeterministic, viz, backend, type Tensor } from "../../core";
import { kernels } from "../../core/backend";
import { forEachBackend } from "../helpers";
import type { Pool2dOptions } from "../../core/ops/pooling";

/** Values that make ties, signed zeros, infinities and NaN common in small windows. */
function awkward(n: number, seed: number, special = true): number[] {
  const pool = [0, -0, 1, -1, 2, 0.5, -0.5, Infinity, -Infinity, NaN, 3, -3, 1e-40, -1e-40];
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return special && s % 5 === 0 ? pool[s % pool.length] : ((s % 17) - 8) / 4;
  });
}

function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Object.is(actual[i], expected[i]), `${what}: element ${i} is ${actual[i]}, layer by layer gives ${expected[i]}`);
}

/**
 * Output, input gradient (when `inputGrad`) and parameter gradients of `forward` on x, and
 * the op that made the output.
 */
function run(layers: nn.Module[], forward: (x: Tensor) => Tensor, shape: number[], dtype: "float32" | "float64", special: boolean,
  inputGrad = true) {
  // Without an input gradient, a gradient of thirds: sums that round, so that the order of
  // their terms shows in the bits (quarters add up exactly in any order).
  const params = layers.flatMap((m) => m.parameters());
  params.forEach((p) => (p.grad = null));
  const n = shape.reduce((a, b) => a * b, 1);
  const x = tensor(awkward(n, n + 3, special), { dtype }).reshape(shape);
  if (inputGrad) x.requiresGrad_();
  const y = forward(x);
  y.backward(tensor(awkward(y.numel, 7, false).map((v) => (inputGrad ? v : v / 3)), { dtype }).reshape(y.shape));
  return { y: y.dataSync(), grads: [...(inputGrad ? [x] : []), ...params].map((t) => t.grad!.dataSync()), op: y.gradFn!.op };
}

function agree(layers: nn.Module[], shape: number[], dtype: "float32" | "float64", expectOp: string, special = true, inputGrad = true): void {
  const model = new nn.Sequential(...layers);
  const fused = run(layers, (x) => model.forward(x), shape, dtype, special, inputGrad);
  const plain = run(layers, (x) => layers.reduce((t, m) => m.forward(t), x), shape, dtype, special, inputGrad);
  assert.equal(fused.op, expectOp, "the fused step ran");
  sameBits(fused.y, plain.y, "output");
  const first = inputGrad ? 0 : 1;
  fused.grads.forEach((g, i) => sameBits(g, plain.grads[i], i + first === 0 ? "input gradient" : `parameter ${i + first - 1}'s gradient`));
}

/** Runs body counting the calls of the active kernels' `name` (a kernel that may decline) that took the gradient. */
function countTaken(name: "conv2dMaxPool2x2BackwardWeight" | "conv2dMaxPool2x2Backward", body: () => void): number {
  const k = kernels() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const original = k[name];
  let taken = 0;
  k[name] = (...a) => {
    const r = original(...a);
    if (r) taken++;
    return r;
  };
  try {
    body();
  } finally {
    k[name] = original;
  }
  return taken;
}

const poolCases: [string, number[], Omit<Pool2dOptions, "kernelSize">, number][] = [
  ["2x2", [2, 3, 8, 8], {}, 2],
  ["3x3 stride 2 padding 1 (overlapping windows)", [2, 2, 9, 7], { stride: 2, padding: 1 }, 3],
  ["2x2 ceil mode, odd sizes", [1, 3, 7, 5], { ceilMode: true }, 2],
  ["2x2 dilation 2 stride 1", [1, 2, 6, 6], { stride: 1, dilation: 2 }, 2],
  ["2x2 on (C, H, W)", [3, 6, 6], {}, 2],
];

// [name, input shape, out channels, kernel, conv options, pooling's dropRemainder]: each of the
// native convolution's paths (the direct kernel, Winograd, im2col's GEMM), odd sizes, no bias.
const convCases: [string, number[], number, number, Record<string, unknown>, boolean][] = [
  ["1 channel 3x3 padding 1 (direct)", [3, 1, 12, 10], 5, 3, { padding: 1 }, false],
  ["16 channels 3x3 padding 1 (Winograd)", [2, 16, 6, 10], 16, 3, { padding: 1 }, false],
  ["16 channels 3x3 unpadded, odd output, floor (Winograd)", [2, 16, 9, 8], 17, 3, {}, true],
  ["3 channels 5x5 padding 2 (im2col)", [2, 3, 8, 8], 4, 5, { padding: 2 }, false],
  ["2 channels 3x3 stride 2, odd output, floor, no bias (im2col)", [2, 2, 11, 11], 3, 3, { stride: 2, bias: false }, true],
];

// [name, input shape, out channels, conv options, pooling's dropRemainder]: a first layer (its
// input needs no gradient), whose weight's and bias's gradients the native direct kernel takes
// from the pooled gradient without the dense one (conv2dMaxPool2x2BackwardWeight), and cases
// it leaves to the dense one.
const firstLayerCases: [string, number[], number, Record<string, unknown>, boolean, boolean][] = [
  ["the course's first layer: 1 channel 28x28, 32 filters, padding 1 (direct)", [6, 1, 28, 28], 32, { padding: 1 }, false, true],
  ["3 channels, odd output, floor, no bias (direct)", [5, 3, 13, 11], 7, { padding: 1, bias: false }, true, true],
  ["4 channels unpadded, width under 8 (direct)", [3, 4, 9, 7], 5, {}, true, true],
  ["16 channels (Winograd: the dense gradient)", [2, 16, 6, 10], 16, { padding: 1 }, false, false],
  ["2 channels stride 2 (im2col: the dense gradient)", [2, 2, 11, 11], 3, { stride: 2 }, true, false],
];

forEachBackend("nn.Sequential's fused layers", () => {
  for (const deterministic of [false, true]) {
    const tag = deterministic ? ", deterministic" : "";
    for (const [name, shape, opts, k] of poolCases) {
      it(`ReLU → MaxPool2d ${name}${tag}: the values and gradients of the layers one after the other`, () => {
        const was = setDeterministic(deterministic);
        try {
          agree([new nn.ReLU(), new nn.MaxPool2d(k, opts)], shape, "float32", "relu");
        } finally {
          setDeterministic(was);
        }
      });
    }
    for (const [name, shape, oc, k, opts, dropRemainder] of convCases) {
      for (const dtype of ["float32", "float64"] as const) {
        it(`Conv2d → (ReLU →) MaxPool2d(2), ${name}, ${dtype}${tag}: the values and gradients of the layers one after the other`, () => {
          const was = setDeterministic(deterministic);
          try {
            const conv = () => new nn.Conv2d(shape[1], oc, k, { ...opts, dtype });
            const pool = () => new nn.MaxPool2d(2, { dropRemainder });
            // Winograd is taken for finite, modest values only: those keep it on that path.
            const special = !name.includes("Winograd");
            const taken = countTaken("conv2dMaxPool2x2Backward", () => {
              agree([conv(), pool()], shape, dtype, "conv2dMaxPool2x2", special);
              agree([conv(), new nn.ReLU(), pool()], shape, dtype, "conv2dMaxPool2x2", special);
            });
            // The AVX2 and AVX-512 paths' sparse kernels take both gradients from the pooled one where
            // Winograd's geometry holds (float32, not in deterministic mode).
            const sparse = (backend().isa === "avx2" || backend().isa === "avx512") && !deterministic && dtype === "float32" && name.includes("Winograd");
            assert.equal(taken, sparse ? 2 : 0, "backward passes taken by conv2dMaxPool2x2Backward");
          } finally {
            setDeterministic(was);
          }
        });
      }
    }
  }

  for (const deterministic of [false, true]) {
    const tag = deterministic ? ", deterministic" : "";
    for (const [name, shape, oc, opts, dropRemainder, direct] of firstLayerCases) {
      it(`a first Conv2d → (ReLU →) MaxPool2d(2), ${name}${tag}: the parameters' gradients of the layers one after the other`, () => {
        const was = setDeterministic(deterministic);
        try {
          const conv = () => new nn.Conv2d(shape[1], oc, 3, opts);
          const pool = () => new nn.MaxPool2d(2, { dropRemainder });
          const special = !name.includes("Winograd");
          const taken = countTaken("conv2dMaxPool2x2BackwardWeight", () => {
            agree([conv(), pool()], shape, "float32", "conv2dMaxPool2x2", special, false);
            agree([conv(), new nn.ReLU(), pool()], shape, "float32", "conv2dMaxPool2x2", special, false);
            agree([conv(), new nn.ReLU(), pool()], shape, "float32", "conv2dMaxPool2x2", false, false);
          });
          // The addon's kernel takes every backward of the direct cases (not in deterministic
          // mode, whose kernels are the reference's), and none of the others.
          // (The sealed backend runs the native kernels when the addon is built: its isa says so.)
          const native = !deterministic && backend().isa !== "none" && backend().isa !== "baseline";
          assert.equal(taken, native && direct ? 3 : 0, "backward passes taken by conv2dMaxPool2x2BackwardWeight");
        } finally {
          setDeterministic(was);
        }
      });
    }
  }

  it("an odd size that the pooling would refuse is refused with its own error", () => {
    const layers = [new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.MaxPool2d(2)];
    const x = tensor(awkward(9 * 9, 1, false)).reshape([1, 1, 9, 9]);
    const message = (f: () => unknown) => { try { f(); } catch (e) { return (e as Error).message; } return "no error"; };
    const plain = message(() => layers.reduce((t, m) => m.forward(t), x));
    assert.match(plain, /maxPool2d/);
    assert.equal(message(() => new nn.Sequential(...layers).forward(x)), plain);
  });

  it("runs the layers one by one where an output is watched, or the classes are not exactly these", () => {
    const x = tensor(awkward(2 * 2 * 6 * 6, 3)).reshape([2, 2, 6, 6]);
    const lastOp = (m: nn.Module) => m.forward(x.detach().requiresGrad_()).gradFn!.op;
    const relu = new nn.ReLU(), pool = new nn.MaxPool2d(2);
    const model = new nn.Sequential(relu, pool);
    assert.equal(lastOp(model), "relu");
    // viz.activations watches the ReLU's output by replacing its forward for one call.
    let seen: Tensor | null = null;
    const original = relu.forward;
    (relu as any).forward = (t: Tensor) => (seen = original.call(relu, t));
    assert.ok(lastOp(model).startsWith("maxPool"));
    assert.deepEqual(seen!.shape, [2, 2, 6, 6], "the ReLU saw the unpooled input");
    delete (relu as any).forward;
    assert.equal(lastOp(model), "relu");
    const cnn = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2));
    assert.equal(lastOp(cnn), "conv2dMaxPool2x2");
    const shown = viz.activations(cnn, x);
    assert.ok(JSON.stringify(shown).includes("ReLU"));
    class MyReLU extends nn.ReLU {}
    assert.ok(lastOp(new nn.Sequential(new MyReLU(), new nn.MaxPool2d(2))).startsWith("maxPool"));
    assert.equal(lastOp(new nn.Sequential(new nn.ReLU(), new nn.AvgPool2d(2))), "avgPool2d");
    assert.equal(lastOp(new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.MaxPool2d(2, { stride: 1 }))).startsWith("maxPool"), true);
    assert.equal(lastOp(new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.MaxPool2d(3))).startsWith("maxPool"), true);
  });
});
