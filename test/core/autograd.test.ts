// Autograd semantics (accumulation, detach, noGrad, retainGraph) and gradcheck of
// every differentiable op in float64.
import { strict as assert } from "node:assert";
import { Tensor, tensor, randn, rand, ones, F, gradcheck, noGrad, cat, stack, where, manualSeed, relativeError } from "../../core";
import { forEachBackend } from "../helpers";

const d = (shape: number[], scale = 1, shift = 0) => randn(shape, { dtype: "float64" }).mul(scale).add(shift).detach().requiresGrad_();
const pos = (shape: number[]) => rand(shape, { dtype: "float64" }).add(0.5).detach().requiresGrad_();
/** Values kept away from the kinks of relu-like ops, so finite differences are smooth. */
const smooth = (shape: number[]) => {
  const x = randn(shape, { dtype: "float64" });
  return x.add(x.sign().mul(0.2)).detach().requiresGrad_();
};

type Check = [string, () => Tensor[], (...x: Tensor[]) => Tensor | Tensor[]];
const CHECKS: Check[] = [
  ["add/sub/mul/div broadcast", () => [d([3, 4]), d([4], 1, 3)], (a, b) => a.add(b).mul(a).sub(b).div(b)],
  ["pow tensor", () => [pos([3]), d([3])], (a, b) => a.pow(b)],
  ["maximum/minimum", () => [d([5]), d([5])], (a, b) => a.maximum(b).add(a.minimum(b).mul(2))],
  ["exp log sqrt rsqrt reciprocal", () => [pos([4])], (a) => a.exp().add(a.log()).add(a.sqrt()).add(a.rsqrt()).add(a.reciprocal())],
  ["sin cos tanh sigmoid atan", () => [d([4])], (a) => a.sin().mul(a.cos()).add(a.tanh()).add(a.sigmoid()).add(a.atan())],
  ["log1p expm1 erf square", () => [pos([4])], (a) => a.log1p().add(a.expm1()).add(a.erf()).add(a.square())],
  ["abs relu leakyRelu", () => [smooth([6])], (a) => a.abs().add(a.relu()).add(F.leakyRelu(a, 0.1))],
  ["elu selu softplus softsign", () => [smooth([6])], (a) => F.elu(a).add(F.selu(a)).add(F.softplus(a, { beta: 2 })).add(F.softsign(a))],
  ["hardtanh clamp gelu silu", () => [d([6], 0.4)], (a) => F.hardtanh(a, -0.5, 0.5).add(a.clamp(-0.3, 0.2)).add(F.gelu(a)).add(F.silu(a))],
  ["powScalar", () => [pos([4])], (a) => a.pow(2.5)],
  ["prelu", () => [smooth([2, 3, 2]), pos([3])], (x, w) => F.prelu(x, w)],
  ["maxout", () => [d([2, 4, 3])], (x) => F.maxout(x, 2)],
  ["sum mean keepdim", () => [d([2, 3, 4])], (x) => x.sum([0, 2], true).add(x.mean(1, true))],
  ["prod", () => [pos([3, 4])], (x) => x.prod(1)],
  ["max/min along dim, amax", () => [d([3, 5])], (x) => x.max(1).values.add(x.min(0, true).values.sum()).add(x.amax())],
  ["var std norm", () => [d([3, 4])], (x) => x.var(1).add(x.std(0).sum()).add(x.norm()).add(x.norm(1, 0).sum()).add(x.norm(3))],
  ["logsumexp softmax logSoftmax", () => [d([3, 4])], (x) => x.logsumexp(1).sum().add(F.softmax(x, 1).mul(x).sum()).add(F.logSoftmax(x, 0).sum())],
  ["matmul 2d/vector/batched/broadcast", () => [d([2, 3, 4]), d([4, 5]), d([4])], (a, b, v) => a.matmul(b).sum(2).add(a.matmul(v))],
  ["matmul batched broadcast", () => [d([2, 1, 3, 4]), d([3, 4, 2])], (a, b) => a.matmul(b)],
  ["conv2d stride/pad/dilation/groups/bias", () => [d([2, 4, 6, 6]), d([4, 2, 3, 3]), d([4])],
    (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 2, dilation: 2, groups: 2, dropRemainder: true })],
  ["maxPool2d avgPool2d", () => [d([1, 2, 5, 5])],
    (x) => F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }).sum().add(F.avgPool2d(x, { kernelSize: 2, stride: 1, countIncludePad: false }).sum())],
  ["reshape transpose permute T expand", () => [d([2, 3, 1])], (x) => x.reshape([3, 2]).T.matmul(x.permute(2, 0, 1).expand(4, 2, 3).sum(0).transpose(0, 1))],
  ["slice index indexSelect gather maskedSelect", () => [d([4, 5])],
    (x) => x.slice(1, 1, 5, 2).sum().add(x.index(1, "1:3").sum()).add(x.indexSelect(0, [3, 3, 0]).sum())
      .add(x.gather(1, tensor([[0], [4], [2], [2]], { dtype: "int32" })).sum()).add(x.maskedSelect(x.gt(0)).square().sum())],
  ["cat stack split where", () => [d([2, 3]), d([2, 3])],
    (a, b) => cat([a, b], 1).mul(stack([b, a], 2).reshape([2, 6])).split(4, 1)[1].sum().add(where(a.gt(b), a, b).sum())],
  ["cast float64 → float32 → float64 keeps the chain", () => [d([3])], (a) => a.mul(2).sum()],
];

forEachBackend("autograd", () => {
  beforeEach(() => manualSeed(7));

  for (const [name, make, fn] of CHECKS) {
    it(`gradcheck: ${name}`, () => {
      const r = gradcheck(fn, make());
      assert.ok(r.ok, r.summary);
    });
  }

  it("gradcheck notices a wrong gradient", () => {
    // exp's gradient through a detached path is missing: gradcheck must fail.
    const r = gradcheck((a) => a.exp().add(a.detach().square()), [d([3])]);
    assert.equal(r.ok, false);
    assert.match(r.summary, /gradcheck failed: input 0/);
  });

  it("gradients accumulate across backward calls, as in PyTorch", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [5, 7, 9]);
  });

  it("a tensor used twice gets both contributions (branches accumulate)", () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x).add(x.mul(2));
    y.backward();
    assert.equal(x.grad!.item(), 8);
  });

  it("detach and noGrad cut the graph", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    assert.equal(x.detach().mul(2).requiresGrad, false);
    const y = noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(x.mul(2).requiresGrad, true);
  });

  it("retainGraph allows a second backward, and retainGrad keeps an intermediate's gradient", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const y = h.square().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assert.deepEqual(x.grad!.toArray(), [36, 72]);
    assert.deepEqual(h.grad!.toArray(), [12, 24]);
  });

  it("backward with an explicit gradient for a non-scalar output", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.square().backward(tensor([1, 0.5, 0]));
    assert.deepEqual(x.grad!.toArray(), [2, 2, 0]);
  });

  it("a deep chain (10,000 ops) back-propagates without overflowing the stack", () => {
    const x = tensor(1.0, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 10000; i++) y = y.mul(1.0001);
    y.backward();
    assert.ok(Math.abs(x.grad!.item() - Math.pow(1.0001, 10000)) < 1e-2);
  });

  it("relativeError is |a − b| / max(|a|, |b|)", () => {
    assert.equal(relativeError(1, 1), 0);
    assert.equal(relativeError(0, 0), 0);
    assert.ok(Math.abs(relativeError(1, 1.01) - 0.01 / 1.01) < 1e-15);
  });

  it("ones is a leaf, ops are not", () => {
    const x = ones([2], { requiresGrad: true });
    assert.equal(x.isLeaf, true);
    assert.equal(x.mul(2).isLeaf, false);
  });
});
