// Gradients of gradients: backward({ createGraph }) and grad(), gradgradCheck of every
// differentiable op in float64, the classic checks (x³, a Hessian-vector product against
// PyTorch), WGAN-GP's gradient penalty against PyTorch (test/fixtures/gradgrad.json, made
// by test/fixtures/generate_gradgrad.py), and the errors of bad use.
import { strict as assert } from "node:assert";
import {
  Tensor, tensor, randn, rand, F, grad, gradcheck, gradgradCheck, checkGradGrad, noGrad, enableGrad,
  cat, stack, where, onesLike, manualSeed, Generator, ValueError, ShapeError,
} from "../../core";
import { AssertionError } from "../../core/testing";
import { conv2dMaxPool2x2 } from "../../core/ops/conv_pool";
import { forEachBackend, readJSON, assertClose } from "../helpers";

const d = (shape: number[], scale = 1, shift = 0) => randn(shape, { dtype: "float64" }).mul(scale).add(shift).detach().requiresGrad_();
const pos = (shape: number[]) => rand(shape, { dtype: "float64" }).add(0.5).detach().requiresGrad_();
/** Values kept away from the kinks of relu-like ops, so finite differences are smooth. */
const smooth = (shape: number[]) => {
  const x = randn(shape, { dtype: "float64" });
  return x.add(x.sign().mul(0.2)).detach().requiresGrad_();
};
/** Distinct values (no ties for max and pooling), well apart. */
const distinct = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n * 4 - 2);
  return tensor(values, { dtype: "float64" }).reshape(shape).detach().requiresGrad_();
};
const i32 = (v: number[] | number[][]) => tensor(v as number[], { dtype: "int32" });
const f64 = (v: number[], shape: number[], requiresGrad = false) => new Tensor(Float64Array.from(v), shape, "float64", requiresGrad);

type Check = [string, () => Tensor[], (...x: Tensor[]) => Tensor | Tensor[]];
const CHECKS: Check[] = [
  // elementwise, binary
  ["add/sub/mul/div broadcast", () => [d([3, 4]), d([4], 1, 3)], (a, b) => a.add(b).mul(a).sub(b).div(b)],
  ["pow tensor^tensor", () => [pos([3]), d([3])], (a, b) => a.pow(b)],
  ["maximum/minimum", () => [d([5]), d([5])], (a, b) => a.maximum(b).square().add(a.minimum(b).mul(b))],
  ["where", () => [d([2, 3]), d([2, 3])], (a, b) => where(a.gt(b), a.square(), b.mul(a))],
  // elementwise, unary
  ["exp log sqrt rsqrt reciprocal", () => [pos([4])], (a) => a.exp().add(a.log()).add(a.sqrt()).add(a.rsqrt()).add(a.reciprocal())],
  ["sin cos tanh sigmoid atan", () => [d([4])], (a) => a.sin().mul(a.cos()).add(a.tanh()).add(a.sigmoid()).add(a.atan())],
  ["log1p expm1 erf square neg", () => [pos([4])], (a) => a.log1p().add(a.expm1()).add(a.erf()).add(a.square()).add(a.neg())],
  ["abs relu leakyRelu (piecewise linear)", () => [smooth([6])], (a) => a.abs().add(a.relu()).add(F.leakyRelu(a, 0.1)).mul(a)],
  ["elu selu softplus softsign", () => [smooth([6])], (a) => F.elu(a).add(F.selu(a)).add(F.softplus(a, { beta: 2 })).add(F.softsign(a))],
  ["hardtanh clamp gelu silu", () => [tensor([-0.9, -0.4, -0.1, 0.05, 0.3, 0.7], { dtype: "float64", requiresGrad: true })],
    (a) => F.hardtanh(a, -0.5, 0.5).mul(a).add(a.clamp(-0.3, 0.2).square()).add(F.gelu(a)).add(F.silu(a))],
  ["powScalar", () => [pos([4])], (a) => a.pow(2.5).add(a.pow(-1.5))],
  ["sign floor round heaviside (zero gradients)", () => [smooth([4])], (a) => a.sign().add(a.floor()).add(a.round()).add(F.heaviside(a, 0.5)).add(a.square())],
  ["prelu", () => [smooth([2, 3, 2]), pos([3])], (x, w) => F.prelu(x, w).mul(w.reshape([3, 1]))],
  ["maxout", () => [distinct([2, 4, 3])], (x) => F.maxout(x, 2).square()],
  // reductions
  ["sum mean keepdim", () => [d([2, 3, 4])], (x) => x.sum([0, 2], true).square().add(x.mean(1, true).exp())],
  ["prod", () => [pos([3, 4])], (x) => x.prod(1)],
  ["max/min along dim, amax/amin", () => [distinct([3, 5])], (x) => x.max(1).values.square().add(x.min(0, true).values.exp().sum()).add(x.amax().mul(x.amin()))],
  ["var std", () => [d([3, 4])], (x) => x.var(1).add(x.std(0).sum())],
  ["norm 2, 1, 3, ∞", () => [smooth([3, 4])], (x) => x.norm().add(x.norm(1, 0).square().sum()).add(x.norm(3)).add(x.norm(Infinity).square())],
  ["logsumexp", () => [d([3, 4])], (x) => x.logsumexp(1)],
  // softmax and its relatives
  ["softmax", () => [d([3, 4])], (x) => F.softmax(x, 1)],
  ["logSoftmax over dim 0", () => [d([3, 4])], (x) => F.logSoftmax(x, 0)],
  // linear algebra
  ["matmul 2-D", () => [d([3, 4]), d([4, 2])], (a, b) => a.matmul(b)],
  ["matmul vector, batched", () => [d([2, 3, 4]), d([4, 5]), d([4])], (a, b, v) => a.matmul(b).tanh().sum(2).add(a.matmul(v).square())],
  ["matmul batched broadcast", () => [d([2, 1, 3, 4]), d([3, 4, 2])], (a, b) => a.matmul(b).sigmoid()],
  ["dot", () => [d([5]), d([5])], (a, b) => a.dot(b).square()],
  ["linear with bias", () => [d([3, 4]), d([2, 4]), d([2])], (x, w, b) => F.linear(x, w, b).tanh()],
  ["linear on a batch of sequences", () => [d([2, 3, 4]), d([5, 4])], (x, w) => F.linear(x, w).square()],
  // convolution and pooling
  ["conv2d", () => [d([2, 2, 4, 4]), d([3, 2, 3, 3]), d([3])], (x, w, b) => F.conv2d(x, w, b, { padding: 1 }).tanh()],
  ["conv2d stride/pad/dilation/groups", () => [d([1, 4, 6, 6]), d([4, 2, 3, 3])],
    (x, w) => F.conv2d(x, w, null, { stride: 2, padding: 2, dilation: 2, groups: 2, dropRemainder: true }).square()],
  ["conv2dMaxPool2x2 (nn.Sequential's Conv2d → MaxPool2d(2))", () => [d([2, 2, 4, 4]), d([3, 2, 3, 3]), d([3])],
    (x, w, b) => conv2dMaxPool2x2(x, w, b, { padding: 1 }).tanh()],
  ["conv2dMaxPool2x2 with relu (nn.Sequential's Conv2d → ReLU → MaxPool2d(2))", () => [d([2, 2, 4, 4]), d([3, 2, 3, 3]), d([3])],
    (x, w, b) => conv2dMaxPool2x2(x, w, b, { padding: 1 }, false, true).tanh()],
  ["maxPool2d (overlapping, padded)", () => [distinct([1, 2, 5, 5])], (x) => F.maxPool2d(x, { kernelSize: 3, stride: 2, padding: 1 }).square()],
  ["avgPool2d countIncludePad false, ceilMode", () => [d([1, 2, 5, 5])],
    (x) => F.avgPool2d(x, { kernelSize: 2, stride: 2, countIncludePad: false, ceilMode: true }).square()],
  ["sumPool2d", () => [d([1, 1, 4, 4])], (x) => F.sumPool2d(x, { kernelSize: 2 }).exp()],
  // normalisation and dropout
  ["batchNorm (training, affine)", () => [d([4, 3]), pos([3]), d([3])], (x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }).tanh()],
  ["batchNorm over (N, C, H, W)", () => [d([2, 2, 2, 2])], (x) => F.batchNorm(x, null, null, null, null, { training: true }).square()],
  ["batchNorm (evaluation)", () => [d([4, 3]), pos([3])],
    (x, w) => F.batchNorm(x, tensor([0.1, -0.2, 0.3], { dtype: "float64" }), tensor([1, 2, 0.5], { dtype: "float64" }), w, null, { training: false }).square()],
  ["dropout (a fixed mask)", () => [d([4, 3])], (x) => F.dropout(x, { p: 0.3, generator: new Generator(5) }).square()],
  // movement
  ["reshape transpose permute T expand", () => [d([2, 3, 1])], (x) => x.reshape([3, 2]).T.matmul(x.permute(2, 0, 1).expand(4, 2, 3).sum(0).transpose(0, 1).square())],
  ["flatten squeeze unsqueeze clone", () => [d([2, 1, 3])], (x) => x.flatten().unsqueeze(0).square().squeeze(0).clone().mul(x.squeeze(1).flatten())],
  ["slice index", () => [d([4, 5])], (x) => x.slice(1, 1, 5, 2).square().sum().add(x.index(1, "1:3").exp().sum()).add(x.index("...", -1).square().sum())],
  ["indexSelect gather maskedSelect", () => [d([4, 5])],
    (x) => x.indexSelect(0, [3, 3, 0]).square().sum().add(x.gather(1, i32([[0], [4], [2], [2]])).exp().sum()).add(x.maskedSelect(x.gt(0)).pow(3).sum())],
  ["cat stack split chunk maskedFill", () => [d([2, 3]), d([2, 3])],
    (a, b) => cat([a, b], 1).mul(stack([b, a], 2).reshape([2, 6])).split(4, 1)[1].square().sum().add(a.chunk(2, 0)[1].mul(b.chunk(2, 0)[0]).sum()).add(a.maskedFill(a.gt(0), 2).mul(b).sum())],
  // losses
  ["crossEntropy (weight, label smoothing)", () => [d([5, 4])],
    (x) => F.crossEntropy(x, i32([0, 3, 1, 1, 2]), { weight: tensor([0.5, 1, 2, 1.5], { dtype: "float64" }), labelSmoothing: 0.1 })],
  ["crossEntropy with probabilities", () => [d([3, 4]), d([3, 4])], (x, t) => F.crossEntropy(x, F.softmax(t, 1))],
  ["nllLoss", () => [d([4, 3])], (x) => F.nllLoss(F.logSoftmax(x, 1), i32([2, 0, 1, 1]))],
  ["mseLoss l1Loss", () => [d([3, 4]), d([3, 4])], (x, t) => F.mseLoss(x, t).add(F.l1Loss(x.tanh(), t))],
  ["binaryCrossEntropy", () => [d([3, 4]), rand([3, 4], { dtype: "float64" })], (x, t) => F.binaryCrossEntropy(x.sigmoid(), t)],
  ["bceWithLogits with posWeight", () => [d([3, 4], 2)],
    (x) => F.bceWithLogits(x, tensor([[1, 0, 1, 0], [0, 0, 1, 1], [1, 1, 0, 0]], { dtype: "float64" }), { posWeight: tensor([1, 2, 0.5, 3], { dtype: "float64" }) })],
  ["multiMarginLoss p=2, svmLoss", () => [smooth([3, 4])],
    (x) => F.multiMarginLoss(x, i32([0, 3, 1]), { p: 2 }).add(F.svmLoss(x, i32([1, 2, 3])).mul(x.sum().tanh()))],
];

const fx = readJSON<any>("test", "fixtures", "gradgrad.json");
const t64 = (dsc: { shape: number[]; data: number[] }, requiresGrad = false) => f64(dsc.data, dsc.shape, requiresGrad);

forEachBackend("gradients of gradients", () => {
  beforeEach(() => manualSeed(11));

  describe("gradgradCheck of every differentiable op", () => {
    for (const [name, make, fn] of CHECKS) {
      it(name, () => {
        const r = gradgradCheck(fn, make());
        assert.ok(r.ok, r.summary);
      });
    }
  });

  describe("the classic checks", () => {
    it("d/dx x³ = 3x², d²/dx² = 6x, d³/dx³ = 6 at known points", () => {
      const x = tensor([-2, 0.5, 3], { dtype: "float64", requiresGrad: true });
      const [g1] = grad(x.pow(3).sum(), x, { createGraph: true }) as Tensor[];
      assert.deepEqual(g1.toArray(), [12, 0.75, 27]);
      assert.ok(g1.gradFn, "with createGraph the gradient has a gradFn");
      const [g2] = grad(g1.sum(), x, { createGraph: true }) as Tensor[];
      assert.deepEqual(g2.toArray(), [-12, 3, 18]);
      const [g3] = grad(g2.sum(), x) as Tensor[];
      assert.deepEqual(g3.toArray(), [6, 6, 6]);
      assert.equal(x.grad, null, "grad() does not accumulate into .grad");
    });

    it("backward({ createGraph: true }) leaves a differentiable .grad; backward through it gives the second derivative", () => {
      const x = tensor([-2, 0.5, 3], { dtype: "float64", requiresGrad: true });
      x.pow(3).sum().backward({ createGraph: true });
      const g1 = x.grad!;
      assert.ok(g1.gradFn && g1.requiresGrad, "x.grad has a gradFn");
      assert.deepEqual(g1.toArray(), [12, 0.75, 27]);
      x.grad = null;
      g1.sum().backward();
      assert.deepEqual(x.grad!.toArray(), [-12, 3, 18]);
    });

    it("without createGraph the gradient is a constant: no gradFn, and checking its derivative fails", () => {
      const x = tensor([-2, 0.5, 3], { dtype: "float64", requiresGrad: true });
      const [g] = grad(x.pow(3).sum(), x) as Tensor[];
      assert.equal(g.gradFn, null);
      assert.equal(g.requiresGrad, false);
      x.pow(3).sum().backward();
      assert.equal(x.grad!.gradFn, null, "first-order backward builds no graph");
      assert.throws(() => grad(g.sum(), x), /grad: output 0 does not require a gradient/);
      // Differentiating a gradient taken without createGraph: its analytic derivative is 0, the numeric one 6x.
      const without = gradcheck((a) => enableGrad(() => grad(a.pow(3).sum(), a)[0]!), [d([3])]);
      assert.equal(without.ok, false, without.summary);
      const withGraph = gradcheck((a) => enableGrad(() => grad(a.pow(3).sum(), a, { createGraph: true })[0]!), [d([3])]);
      assert.ok(withGraph.ok, withGraph.summary);
    });

    for (const c of fx.hvp) {
      it(`the Hessian-vector product of a small ${c.name.toUpperCase()}'s loss matches PyTorch`, () => {
        const ps: Tensor[] = c.params.map((p: any) => t64(p, true));
        const loss = c.name === "mlp"
          ? (() => {
            const x = t64(c.inputs.x);
            let h = F.linear(x, ps[0], ps[1]).tanh();
            h = F.softplus(F.linear(h, ps[2], ps[3]));
            return F.crossEntropy(F.linear(h, ps[4], ps[5]), new Tensor(Int32Array.from(c.inputs.labels.data), c.inputs.labels.shape, "int32"));
          })()
          : (() => {
            const x = t64(c.inputs.x);
            const h = F.maxPool2d(F.elu(F.conv2d(x, ps[0], ps[1], { padding: 1 })), { kernelSize: 2 });
            return F.mseLoss(F.linear(h.flatten(1), ps[2], ps[3]), t64(c.inputs.y));
          })();
        assertClose([loss.item()], [c.loss], 1e-10, 1e-12, "loss");
        const gs = grad(loss, ps, { createGraph: true }) as Tensor[];
        gs.forEach((g, i) => assertClose(g.dataSync(), c.grads[i], 1e-9, 1e-11, `gradient ${i}`));
        const vs = c.v.map((v: number[], i: number) => f64(v, ps[i].shape));
        const dot = gs.map((g, i) => g.mul(vs[i]).sum()).reduce((a, b) => a.add(b));
        const hv = grad(dot, ps) as Tensor[];
        hv.forEach((h, i) => assertClose(h.dataSync(), c.hvp[i], 1e-9, 1e-11, `H·v for parameter ${i}`));
      });
    }
  });

  describe("WGAN-GP's gradient penalty against PyTorch", () => {
    const w = fx.wganGp;
    const critic = (p: Tensor[], z: Tensor) => {
      const h = F.leakyRelu(F.linear(z, p[0], p[1]), 0.2);
      return F.linear(F.linear(h, p[2], p[3]).tanh(), p[4], p[5]);
    };
    const penalty = (ps: Tensor[]) => {
      const eps = t64(w.eps);
      const xHat = eps.mul(t64(w.real)).add(eps.rsub(1).mul(t64(w.fake))).detach().requiresGrad_();
      const dHat = critic(ps, xHat);
      const [g] = grad(dHat, xHat, { gradOutputs: [onesLike(dHat)], createGraph: true }) as Tensor[];
      return { g, gp: g.norm(2, 1).sub(1).square().mean() };
    };

    it("the gradient at x̂, the penalty, and the penalty's gradient with respect to the critic's weights", () => {
      const ps: Tensor[] = w.params.map((p: any) => t64(p, true));
      const { g, gp } = penalty(ps);
      assertClose(g.dataSync(), w.gradXHat, 1e-10, 1e-12, "∇x̂ D(x̂)");
      assertClose([gp.item()], [w.penalty], 1e-10, 1e-12, "penalty");
      const gg = grad(gp, ps, { allowUnused: true, retainGraph: true });
      gg.forEach((gi, i) => {
        if (w.penaltyGrads[i] === null) assert.equal(gi, null, `parameter ${i} does not affect the penalty`);
        else assertClose(gi!.dataSync(), w.penaltyGrads[i], 1e-9, 1e-11, `penalty gradient ${i}`);
      });
    });

    it("the critic's whole loss, D(fake) − D(real) + λ·penalty, back-propagates into .grad as PyTorch's", () => {
      const ps: Tensor[] = w.params.map((p: any) => t64(p, true));
      const { gp } = penalty(ps);
      const loss = critic(ps, t64(w.fake)).mean().sub(critic(ps, t64(w.real)).mean()).add(gp.mul(w.lambda));
      assertClose([loss.item()], [w.criticLoss], 1e-10, 1e-12, "critic loss");
      loss.backward();
      ps.forEach((p, i) => assertClose(p.grad!.dataSync(), w.criticLossGrads[i], 1e-9, 1e-11, `critic gradient ${i}`));
    });

    it("gradgradCheck of the penalty as a function of x̂ and the critic's weights", () => {
      const ps = [d([4, 2]), d([4]), d([1, 4])];
      const r = gradgradCheck((x, w0, b0, w1) => F.linear(F.linear(x, w0, b0).tanh(), w1), [d([3, 2]), ...ps]);
      assert.ok(r.ok, r.summary);
    });
  });

  describe("grad() and backward() options", () => {
    it("grad takes several outputs with their gradOutputs and several inputs, including intermediate tensors", () => {
      const a = tensor([1, 2], { dtype: "float64", requiresGrad: true });
      const b = tensor([3, 4], { dtype: "float64", requiresGrad: true });
      const h = a.mul(b);
      const y1 = h.sum();
      const y2 = h.square();
      const [ga, gh] = grad([y1, y2], [a, h], { gradOutputs: [null, tensor([1, 0.5], { dtype: "float64" })] }) as Tensor[];
      // dy1/dh = 1, (0.5-weighted) dy2/dh = 2h·[1, 0.5] = [6, 8]; so d/dh = [7, 9] and d/da = b·[7, 9].
      assert.deepEqual(gh.toArray(), [7, 9]);
      assert.deepEqual(ga.toArray(), [21, 36]);
      assert.equal(a.grad, null);
      assert.equal(b.grad, null);
    });

    it("createGraph implies retainGraph; retainGraph: false frees the graph anyway", () => {
      const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
      const y = x.exp().sum();
      grad(y, x, { createGraph: true });
      grad(y, x); // the graph was kept
      assert.throws(() => grad(y, x), /grad: the graph through (sum|exp) was freed by an earlier backward\(\) or grad\(\)/);
      const z = x.exp().sum();
      z.backward({ createGraph: true, retainGraph: false });
      assert.throws(() => z.backward(), /backward: the graph through (sum|exp) was freed/);
    });

    it("backward accepts the gradient as its first argument or in the options", () => {
      const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
      x.square().backward({ gradient: tensor([1, 0.5], { dtype: "float64" }) });
      assert.deepEqual(x.grad!.toArray(), [2, 2]);
      x.grad = null;
      x.square().backward(tensor([1, 0.5], { dtype: "float64" }), { createGraph: true });
      assert.ok(x.grad!.gradFn);
      assert.deepEqual(x.grad!.toArray(), [2, 2]);
    });

    it("grad works inside noGrad only through enableGrad, as torch.enable_grad", () => {
      const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
      noGrad(() => {
        assert.throws(() => grad(x.square().sum(), x), /grad: output 0 does not require a gradient/);
        const [g] = enableGrad(() => grad(x.square().sum(), x)) as Tensor[];
        assert.deepEqual(g.toArray(), [2, 4]);
      });
    });

    it("gradgradCheck notices a gradient that is right to first order only", () => {
      // x³ written as x·c + (2/3)(x³ − c·x) with c = x² detached: its value and its gradient
      // c + 2x² = 3x² are x³'s, but the gradient's own derivative comes out 4x, not 6x.
      const wrong = (a: Tensor) => a.mul(a.detach().square()).add(a.pow(3).sub(a.pow(3).detach()).mul(2 / 3));
      assert.ok(gradcheck(wrong, [d([3])]).ok, "the first derivative is right");
      const r = gradgradCheck(wrong, [d([3])]);
      assert.equal(r.ok, false, r.summary);
      assert.match(r.summary, /gradgradCheck failed: the gradient's derivative with respect to input 0/);
      assert.throws(() => checkGradGrad(wrong, [d([3])]),
        (e: unknown) => e instanceof AssertionError && /second-derivative check failed/.test(e.message) && /with respect to input 0/.test(e.message));
    });
  });

  describe("errors for bad use", () => {
    it("grad of a non-scalar output without gradOutputs", () => {
      const x = tensor([1, 2], { requiresGrad: true });
      assert.throws(() => grad(x.mul(2), x), (e: unknown) => e instanceof ShapeError &&
        /grad: output 0 has shape \[2\]; the gradient can be implied only for a single-element output, so pass \{ gradOutputs/.test(e.message));
    });

    it("an input that is not in the outputs' graph, unless allowUnused", () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const z = tensor([3], { requiresGrad: true });
      assert.throws(() => grad(x.sum(), [x, z]), (e: unknown) => e instanceof ValueError &&
        /grad: input 1 \(shape \[1\]\) is not in the graph of the outputs.*allowUnused: true/.test(e.message));
      const [gx, gz] = grad(x.sum(), [x, z], { allowUnused: true });
      assert.deepEqual(gx!.toArray(), [1, 1]);
      assert.equal(gz, null);
    });

    it("an input that does not require a gradient", () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const c = tensor([1, 1]);
      assert.throws(() => grad(x.mul(c).sum(), c), /grad: input 0 does not require a gradient/);
    });

    it("a second backward through a freed graph names the op and the fix", () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const y = x.tanh().sum();
      y.backward();
      assert.throws(() => y.backward(), (e: unknown) => e instanceof ValueError &&
        /backward: the graph through sum was freed by an earlier backward\(\) or grad\(\); pass \{ retainGraph: true \}/.test(e.message));
      // Differentiating a gradient whose graph was freed: grad of the first-order graph after backward().
      const x2 = tensor([1, 2], { requiresGrad: true });
      const y2 = x2.tanh().sum();
      const [g] = grad(y2, x2, { createGraph: true, retainGraph: false }) as Tensor[];
      assert.throws(() => g.sum().backward(), /backward: the graph through tanh was freed/);
    });

    it("gradOutputs that do not fit the outputs", () => {
      const x = tensor([1, 2], { requiresGrad: true });
      assert.throws(() => grad([x.sum(), x.mul(2)], x, { gradOutputs: [tensor(1)] }), /grad: 2 outputs but 1 gradOutputs; give one per output/);
      assert.throws(() => grad(x.mul(2), x, { gradOutputs: [tensor([1, 2, 3])] }), /grad: gradOutputs\[0\] has shape \[3\] but output 0 has shape \[2\]/);
      assert.throws(() => grad(x.sum(), x, x as any), /grad: the third argument is the options object/);
      assert.throws(() => x.sum().backward(3 as any), /backward: expected a gradient tensor or an options object/);
    });

    it("gradgradCheck wants float64 inputs", () => {
      assert.throws(() => gradgradCheck((a) => a.square(), [tensor([1, 2], { requiresGrad: true })]), /gradgradCheck: input 0 is float32; finite differences need float64/);
    });
  });
});
