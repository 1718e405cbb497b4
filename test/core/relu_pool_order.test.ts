// Sequential runs ReLU then MaxPool2d as MaxPool2d then ReLU (core/nn/container.ts): the
// values and the input's gradient must be those of the layers one after the other, to the
// bit, whatever the input holds (ties, zeros of both signs, infinities, NaN) and however
// the windows lie; and the order must stay as written wherever a layer's output is watched.
import { strict as assert } from "node:assert";
import { tensor, nn, setDeterministic, viz, type Tensor } from "../../core";
import { forEachBackend } from "../helpers";
import type { Pool2dOptions } from "../../core/ops/pooling";

/** Values that make ties, signed zeros, infinities and NaN common in small windows. */
function awkward(n: number, seed: number): number[] {
  const pool = [0, -0, 1, -1, 2, 0.5, -0.5, Infinity, -Infinity, NaN, 3, -3, 1e-40, -1e-40];
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % 5 === 0 ? pool[s % pool.length] : ((s % 17) - 8) / 4;
  });
}

function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    assert.ok(Object.is(actual[i], expected[i]), `${what}: element ${i} is ${actual[i]}, layer by layer gives ${expected[i]}`);
}

const cases: [string, number[], Omit<Pool2dOptions, "kernelSize">, number][] = [
  ["2x2", [2, 3, 8, 8], {}, 2],
  ["3x3 stride 2 padding 1 (overlapping windows)", [2, 2, 9, 7], { stride: 2, padding: 1 }, 3],
  ["2x2 ceil mode, odd sizes", [1, 3, 7, 5], { ceilMode: true }, 2],
  ["2x2 dilation 2 stride 1", [1, 2, 6, 6], { stride: 1, dilation: 2 }, 2],
  ["2x2 on (C, H, W)", [3, 6, 6], {}, 2],
];

forEachBackend("Sequential's ReLU → MaxPool2d", () => {
  for (const deterministic of [false, true]) {
    for (const [name, shape, opts, k] of cases) {
      it(`${name}${deterministic ? ", deterministic" : ""}: the values and gradient of the layers one after the other`, () => {
        const was = setDeterministic(deterministic);
        try {
          const n = shape.reduce((a, b) => a * b, 1);
          const relu = new nn.ReLU(), pool = new nn.MaxPool2d(k, opts);
          const model = new nn.Sequential(relu, pool);
          const run = (f: (x: Tensor) => Tensor) => {
            const x = tensor(awkward(n, n + k)).reshape(shape).requiresGrad_();
            const y = f(x);
            y.backward(tensor(awkward(y.numel, 7)).reshape(y.shape));
            return { y: y.dataSync(), dx: x.grad!.dataSync(), op: y.gradFn!.op };
          };
          const fused = run((x) => model.forward(x));
          const plain = run((x) => pool.forward(relu.forward(x)));
          assert.equal(fused.op, "relu", "the pooling ran first");
          assert.equal(plain.op.startsWith("maxPool"), true);
          sameBits(fused.y, plain.y, "output");
          sameBits(fused.dx, plain.dx, "input gradient");
        } finally {
          setDeterministic(was);
        }
      });
    }
  }

  it("keeps the written order where a layer's output is watched, or the classes are not exactly ReLU and MaxPool2d", () => {
    const x = tensor(awkward(2 * 2 * 6 * 6, 3)).reshape([2, 2, 6, 6]);
    const lastOp = (m: nn.Module) => m.forward(x.detach().requiresGrad_()).gradFn!.op;
    const relu = new nn.ReLU(), pool = new nn.MaxPool2d(2);
    const model = new nn.Sequential(relu, pool);
    assert.equal(lastOp(model), "relu");
    // viz.activations watches the ReLU's output (its own forward, for one call).
    let seen: Tensor | null = null;
    const original = relu.forward;
    (relu as any).forward = (t: Tensor) => (seen = original.call(relu, t));
    assert.ok(lastOp(model).startsWith("maxPool"));
    assert.deepEqual(seen!.shape, [2, 2, 6, 6], "the ReLU saw the unpooled input");
    delete (relu as any).forward;
    assert.equal(lastOp(model), "relu");
    const shown = viz.activations(model, x);
    assert.ok(JSON.stringify(shown).length > 0);
    class MyReLU extends nn.ReLU {}
    assert.ok(lastOp(new nn.Sequential(new MyReLU(), new nn.MaxPool2d(2))).startsWith("maxPool"));
    assert.equal(lastOp(new nn.Sequential(new nn.ReLU(), new nn.AvgPool2d(2))), "avgPool2d");
  });
});
