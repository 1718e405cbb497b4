// COURSE.md's worked examples 1, 3, 4, 5, 6, 9, 13, 14, 15 and 19, to the printed digits.
import { strict as assert } from "node:assert";
import { tensor, F, convOutputSize, ShapeError } from "../../core";
import { forEachBackend, rounded } from "../helpers";

forEachBackend("COURSE.md worked examples", () => {
  it("1: Heaviside with threshold 0.1 and value 0.5 at zero", () => {
    const x = tensor([[1, 0.5, 0.2], [-1, -0.5, -0.2], [0.1, -0.1, 0]]);
    const y = F.heaviside(x.sub(0.1), 0.5);
    assert.deepEqual(y.toArray(), [[1, 1, 1], [0, 0, 0], [0.5, 0, 0]]);
  });

  it("3: conv2d, stride 1, no padding", () => {
    const x = tensor([[[[0.2, 1, 0], [-1, 0, -0.1], [0.1, 0, 0.1]], [[1, 0.5, 0.2], [-1, -0.5, -0.2], [0.1, -0.1, 0]]]]);
    const w = tensor([[[[1, -0.1], [1, -0.1]], [[0.5, 0.5], [-0.5, -0.5]]]]);
    const y = F.conv2d(x, w);
    assert.deepEqual(y.shape, [1, 1, 2, 2]);
    assert.deepEqual(rounded(y, 2), [0.6, 1.71, -1.65, -0.3]);
  });

  it("4: a 5×5 mask on 200×200 with 40 filters gives 196 × 196 × 40", () => {
    assert.equal(convOutputSize(200, 5, { padding: 0, stride: 1 }), 196);
    const w = tensor(new Float32Array(40 * 1 * 5 * 5)).reshape([40, 1, 5, 5]);
    const y = F.conv2d(tensor(new Float32Array(200 * 200)).reshape([1, 1, 200, 200]), w);
    assert.deepEqual(y.shape, [1, 40, 196, 196]);
  });

  const ex5 = () => tensor([[0.2, 1, 0, 0.4], [-1, 0, -0.1, -0.1], [0.1, 0, -1, -0.5], [0.4, -0.7, -0.5, 1]]).reshape([1, 1, 4, 4]);
  it("5: average pooling 2×2 stride 2", () => {
    assert.deepEqual(rounded(F.avgPool2d(ex5(), { kernelSize: 2, stride: 2 }), 4), [0.05, 0.05, -0.05, -0.25]);
  });
  it("5: max pooling 3×3 stride 1", () => {
    assert.deepEqual(rounded(F.maxPool2d(ex5(), { kernelSize: 3, stride: 1 }), 4), [1, 1, 0.4, 1]);
  });

  const ex6 = () => tensor([[6, 6, 6, 6], [4, 5, 5, 4], [2, 4, 4, 2], [2, 4, 4, 2]]).reshape([1, 1, 4, 4]);
  it("6: max, average and sum pooling 2×2", () => {
    assert.deepEqual(F.maxPool2d(ex6(), { kernelSize: 2 }).reshape([2, 2]).toArray(), [[6, 6], [4, 4]]);
    assert.deepEqual(F.avgPool2d(ex6(), { kernelSize: 2 }).reshape([2, 2]).toArray(), [[5.25, 5.25], [3, 3]]);
    assert.deepEqual(F.sumPool2d(ex6(), { kernelSize: 2 }).reshape([2, 2]).toArray(), [[21, 21], [12, 12]]);
  });

  it("9: L1 distance of two 4×4 images is 456", () => {
    const test = tensor([[56, 32, 10, 18], [90, 23, 128, 133], [24, 26, 178, 200], [2, 0, 255, 220]]);
    const train = tensor([[10, 20, 24, 17], [8, 10, 89, 100], [12, 16, 178, 170], [4, 32, 233, 112]]);
    assert.equal(test.sub(train).abs().sum().item(), 456);
  });

  it("13: f = (x + y)·z at x=-2, y=5, z=-4", () => {
    const x = tensor(-2, { requiresGrad: true });
    const y = tensor(5, { requiresGrad: true });
    const z = tensor(-4, { requiresGrad: true });
    const f = x.add(y).mul(z);
    f.backward();
    assert.equal(f.item(), -12);
    assert.deepEqual([x.grad!.item(), y.grad!.item(), z.grad!.item()], [-4, -4, 3]);
  });

  it("14: the sigmoid gate σ(w0·x0 + w1·x1 + w2)", () => {
    const w = tensor([2, -3, -3], { requiresGrad: true });
    const x = tensor([-1, -2], { requiresGrad: true });
    const f = w.index(0).mul(x.index(0)).add(w.index(1).mul(x.index(1))).add(w.index(2)).sigmoid();
    f.backward();
    assert.equal(Number(f.item().toFixed(4)), 0.7311);
    assert.deepEqual(rounded(w.grad!, 4), [-0.1966, -0.3932, 0.1966]);
    assert.deepEqual(rounded(x.grad!, 4), [0.3932, -0.5898]);
  });

  it("15: a = relu(w·x + b) with x = 3 and w·x + b > 0", () => {
    const w = tensor(0.5, { requiresGrad: true });
    const b = tensor(0.2, { requiresGrad: true });
    const a = w.mul(3).add(b).relu();
    a.backward();
    assert.equal(b.grad!.item(), 1);
    assert.equal(w.grad!.item(), 3);
  });

  it("19: a 3×3 filter on 7×7 gives 5 with stride 1, 3 with stride 2, and does not fit with stride 3", () => {
    assert.equal(convOutputSize(7, 3, { stride: 1 }), 5);
    assert.equal(convOutputSize(7, 3, { stride: 2 }), 3);
    assert.throws(() => convOutputSize(7, 3, { stride: 3 }), /does not fit.*\(7 − 3 \+ 2·0\)\/3 \+ 1 = 2\.33 is not a whole number/);
    const x = tensor(new Float32Array(49)).reshape([1, 1, 7, 7]);
    const w = tensor(new Float32Array(9)).reshape([1, 1, 3, 3]);
    assert.deepEqual(F.conv2d(x, w, null, { stride: 2 }).shape, [1, 1, 3, 3]);
    assert.throws(() => F.conv2d(x, w, null, { stride: 3 }), (e: Error) => e instanceof ShapeError && /conv2d: .*does not fit/.test(e.message));
    // The PyTorch behaviour stays available, on request.
    assert.deepEqual(F.conv2d(x, w, null, { stride: 3, dropRemainder: true }).shape, [1, 1, 2, 2]);
  });
});
