// COURSE.md worked examples 2, 7, 8, 10, 11, 12, 16, 17, 18, 20 and 21, with the nn library.
import { strict as assert } from "node:assert";
import { tensor, randn, rand, zeros, cat, nn, F, init, optim, fit, data, manualSeed, noGrad, Tensor } from "../../core";
import { forEachBackend, rounded } from "../helpers";

const cats = () => tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]);
const labels = () => tensor([0, 1, 2], { dtype: "int32" });

forEachBackend("COURSE.md worked examples (nn)", () => {
  it("2: batch normalisation over the batch axis, population variance, β=0.1, γ=0.4, ε=0.2", () => {
    const X = tensor([[[-0.3, -0.3, -0.8], [0.7, 0.6, 0.5], [-0.4, 0.2, -0.3]], [[-0.5, 0.1, 0.8], [-0.5, -0.6, 0], [0.7, -0.5, 0.6]],
      [[0.8, -0.2, 0.7], [0.4, 0, 0], [0, 0.1, -0.6]]]);
    const bn = new nn.BatchNorm1d(9, { eps: 0.2 });
    noGrad(() => { bn.weight!.fill_(0.4); bn.bias!.fill_(0.1); });
    const y = bn.forward(X.reshape([3, 9])).reshape([3, 3, 3]);
    assert.deepEqual(rounded(y, 4), [-0.0654, -0.0393, -0.3819, 0.3949, 0.4618, 0.3638, -0.2136, 0.2962, -0.018,
      -0.1756, 0.2951, 0.3643, -0.3128, -0.2618, -0.0319, 0.4764, -0.2188, 0.5128,
      0.5409, 0.0443, 0.3177, 0.218, 0.1, -0.0319, 0.0373, 0.2226, -0.1949]);
  });

  it("7: the Keras-style summary of Input(3) → Dense(5, sigmoid) → Dense(2, softmax)", () => {
    const model = new nn.Sequential(new nn.Dense(3, 5, { activation: "sigmoid", name: "hidden" }), new nn.Dense(5, 2, { activation: "softmax", name: "output" }));
    const s = model.summary();
    const text = s.toString();
    assert.match(text, /^ hidden \(Dense\) {14}\(None, 5\) {17}20 {8}$/m);
    assert.match(text, /^ output \(Dense\) {14}\(None, 2\) {17}12 {8}$/m);
    assert.match(text, /^Total params: 32$/m);
    assert.match(text, /^Trainable params: 32$/m);
    assert.match(text, /^Non-trainable params: 0$/m);
    assert.equal(s.total, 32);
    const y = model.forward(randn([4, 3]));
    assert.ok(Math.abs(y.sum(1).index(0).item() - 1) < 1e-6, "softmax output rows sum to 1");
  });

  it("8: the 784-16-16-10 MNIST MLP has 13,002 trainable parameters", () => {
    const mlp = new nn.Sequential(new nn.Linear(784, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 10));
    assert.equal(mlp.numParameters({ trainable: true }), 13002);
    assert.match(mlp.summary().toString(), /^Trainable params: 13,002$/m);
  });

  it("10: the multiclass SVM loss is 2.9, 0 and 12.9 (mean 5.27); PyTorch's divides by the classes", () => {
    assert.deepEqual(rounded(F.svmLoss(cats(), labels(), { reduction: "none" }), 4), [2.9, 0, 12.9]);
    assert.equal(Number(F.svmLoss(cats(), labels()).item().toFixed(2)), 5.27);
    assert.deepEqual(rounded(F.multiMarginLoss(cats(), labels(), { reduction: "none" }), 3), [0.967, 0, 4.3]);
  });

  it("11: the softmax loss of the cat image: p = 0.13, −ln p = 2.0404 (the slide's 0.89 is −log10 p)", () => {
    const s = tensor([[3.2, 5.1, -1.7]]);
    const p = F.softmax(s, 1).index(0, 0).item();
    assert.equal(Number(p.toFixed(2)), 0.13);
    assert.equal(Number(F.crossEntropy(s, tensor([0], { dtype: "int32" })).item().toFixed(4)), 2.0404);
    assert.equal(Number((-Math.log10(p)).toFixed(3)), 0.886);
  });

  it("12: with tiny weights the softmax loss starts at ln 10 = 2.302585 and the SVM loss at 9", () => {
    manualSeed(12);
    const x = randn([64, 100]);
    const W = randn([100, 10]).mul(1e-6);
    const y = tensor(Array.from({ length: 64 }, (_, i) => i % 10), { dtype: "int32" });
    const scores = x.matmul(W);
    // The notes print 2.302585: all six decimals, not an approximation of them.
    const ce = F.crossEntropy(scores, y).item();
    assert.equal(ce.toFixed(6), "2.302585", `softmax loss at initialisation ${ce}, expected ln 10 = 2.302585`);
    const svm = F.svmLoss(scores, y).item();
    assert.ok(Math.abs(svm - 9) < 1e-4, `SVM loss at initialisation ${svm}, expected 9 (9 wrong classes × margin 1)`);
  });

  it("16: the 11-line 2-layer sigmoid network learns XOR in 60,000 full-batch steps", () => {
    manualSeed(1);
    const X = tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]);
    const y = tensor([[0], [1], [1], [0]]);
    let syn0 = rand([3, 4]).mul(2).sub(1);
    let syn1 = rand([4, 1]).mul(2).sub(1);
    let l2: Tensor = zeros([4, 1]);
    for (let j = 0; j < 60000; j++) {
      const l1 = X.matmul(syn0).sigmoid();
      l2 = l1.matmul(syn1).sigmoid();
      const l2Delta = y.sub(l2).mul(l2.mul(l2.rsub(1)));
      const l1Delta = l2Delta.matmul(syn1.T).mul(l1.mul(l1.rsub(1)));
      syn1 = syn1.add(l1.T.matmul(l2Delta));
      syn0 = syn0.add(X.T.matmul(l1Delta));
    }
    assert.deepEqual(Array.from(l2.dataSync(), Math.round), [0, 1, 1, 0]);
  });

  it("17: per-layer activation statistics for five initialisations of 10 tanh/ReLU layers of 500", () => {
    manualSeed(17);
    const x0 = randn([1000, 500]);
    const stds = (scale: (W: Tensor) => Tensor, act: (h: Tensor) => Tensor) => noGrad(() => {
      let h = x0;
      const out: number[] = [];
      for (let i = 0; i < 10; i++) {
        h = act(h.matmul(scale(randn([500, 500]))));
        out.push(h.std().item());
      }
      return out;
    });
    const tiny = stds((W) => W.mul(0.01), (h) => h.tanh());
    const big = stds((W) => W, (h) => h.tanh());
    const xavier = stds((W) => W.div(Math.sqrt(500)), (h) => h.tanh());
    const reluXavier = stds((W) => W.div(Math.sqrt(500)), (h) => h.relu());
    const he = stds((W) => W.div(Math.sqrt(250)), (h) => h.relu());
    const near = (v: number, want: number, tol: number, what: string) => assert.ok(Math.abs(v - want) <= tol, `${what}: ${v.toFixed(4)}, expected ${want} ± ${tol}`);
    // Collapses: 0.21, 0.048, 0.011, ... → 0.
    near(tiny[0], 0.21, 0.02, "W·0.01 layer 1"); near(tiny[1], 0.048, 0.006, "W·0.01 layer 2"); near(tiny[2], 0.011, 0.002, "W·0.01 layer 3");
    assert.ok(tiny[9] < 1e-6);
    // Saturates: ≈ 0.98, every unit near ±1.
    for (const s of big) near(s, 0.98, 0.02, "W·1.0");
    // Xavier with tanh: 0.63, 0.49, 0.41 ... 0.23.
    near(xavier[0], 0.63, 0.02, "Xavier layer 1"); near(xavier[1], 0.49, 0.02, "Xavier layer 2"); near(xavier[2], 0.41, 0.02, "Xavier layer 3");
    near(xavier[9], 0.23, 0.03, "Xavier layer 10");
    // ReLU with Xavier halves the variance each layer: 0.58, 0.40 ... 0.026.
    near(reluXavier[0], 0.58, 0.03, "ReLU+Xavier layer 1"); near(reluXavier[1], 0.40, 0.03, "ReLU+Xavier layer 2");
    near(reluXavier[9], 0.026, 0.01, "ReLU+Xavier layer 10");
    // He keeps it level, ~0.82–0.89: the first layer is ≈ 0.83; later ones wander (a product of
    // random gains) but neither collapse nor explode.
    near(he[0], 0.83, 0.03, "He layer 1");
    for (const s of he) assert.ok(s > 0.6 && s < 1.1, `He: ${s}`);
    assert.ok(he[9] / reluXavier[9] > 15, "He keeps 15× more signal than Xavier after 10 ReLU layers");
    // And the library's initialisers give the same scale as the formulas.
    const W = zeros([500, 500]);
    near(init.xavierNormal_(W).std().item(), Math.sqrt(2 / 1000), 0.002, "xavierNormal_ std");
    near(init.kaimingNormal_(W, { nonlinearity: "relu" }).std().item(), Math.sqrt(2 / 500), 0.002, "kaimingNormal_ std");
  });

  it("18: training sanity checks — initial loss, overfitting 20 samples, learning rates too small and too large", async function () {
    this.timeout(120000);
    manualSeed(18);
    const { x, y } = data.fashionMnist({ shape: "flat", limit: 200 });
    const net = (reg = 0) => {
      const m = new nn.Sequential(new nn.Linear(784, 50), new nn.ReLU(), new nn.Linear(50, 10));
      // Small weights (std 1e-3) so the scores start near zero.
      for (const p of m.parameters()) noGrad(() => (p.ndim === 2 ? init.normal_(p, 0, 1e-3) : p.zero_()));
      return { m, loss: (o: Tensor, t: Tensor) => F.crossEntropy(o, t).add(F.l2(m.parameters()).mul(reg)) };
    };
    const first = net();
    const l0 = noGrad(() => first.loss(first.m.forward(x), y).item());
    assert.ok(Math.abs(l0 - 2.3026) < 0.01, `initial loss ${l0}, expected ≈ 2.3026`);
    const reg = net(1e3);
    assert.ok(noGrad(() => reg.loss(reg.m.forward(x), y).item()) > l0 + 0.01, "regularisation raises the initial loss");

    const small = { x: x.slice(0, 0, 20), y: y.slice(0, 0, 20) };
    const over = net();
    over.m.apply((mod) => { if (mod instanceof nn.Linear) mod.resetParameters(); });
    const h = await fit(over.m, [small.x, small.y], { epochs: 200, batchSize: 20, optimizer: new optim.SGD(over.m.parameters(), { lr: 0.1 }), metrics: ["accuracy"] });
    // lr 0.1, not larger: at 0.5 the last epochs can oscillate around 100 %.
    assert.equal(h.history.accuracy.at(-1), 1, "20 samples overfit to 100 %");
    assert.ok(h.history.loss.at(-1)! < 0.05, `the loss on 20 samples goes to ~0, got ${h.history.loss.at(-1)}`);

    const slow = net();
    const hs = await fit(slow.m, [x, y], { epochs: 3, batchSize: 50, optimizer: new optim.SGD(slow.m.parameters(), { lr: 1e-6 }), loss: slow.loss });
    assert.ok(Math.abs(hs.history.loss[2] - hs.history.loss[0]) < 1e-3, "lr 1e-6: the loss barely moves");

    const fast = net();
    fast.m.apply((mod) => { if (mod instanceof nn.Linear) mod.resetParameters(); });
    const hf = await fit(fast.m, [x, y], { epochs: 5, batchSize: 50, optimizer: new optim.SGD(fast.m.parameters(), { lr: 1e6 }), loss: fast.loss });
    assert.equal(hf.stopped?.kind, "nonFinite");
    assert.match(hf.stopped!.message, /^loss became (NaN|inf) at epoch \d, batch \d+: the learning rate 1000000 is probably too large/);
  });

  it("20: ten 5×5 filters with stride 1 and pad 2 on 32×32×3 give 32×32×10, 76 parameters each, 760 in all", () => {
    const conv = new nn.Conv2d(3, 10, 5, { stride: 1, padding: 2 });
    assert.equal(conv.numParameters() / 10, 76);
    assert.equal(conv.numParameters(), 760);
    assert.deepEqual(conv.forward(randn([1, 3, 32, 32])).shape, [1, 10, 32, 32]);
  });

  it("21: pooling example 6's 4×4 map with stride 2 gives (W − F)/S + 1 = 2 per side and has no parameters", () => {
    const x = tensor([[6, 6, 6, 6], [4, 5, 5, 4], [2, 4, 4, 2], [2, 4, 4, 2]]).reshape([1, 1, 4, 4]);
    for (const pool of [new nn.MaxPool2d(2, { stride: 2 }), new nn.AvgPool2d(2, { stride: 2 }), new nn.SumPool2d(2, { stride: 2 })]) {
      const name = pool.constructor.name;
      assert.deepEqual(pool.forward(x).shape, [1, 1, (4 - 2) / 2 + 1, (4 - 2) / 2 + 1], `${name}: output size`);
      assert.equal(pool.numParameters(), 0, `${name} has no parameters`);
      assert.equal(pool.parameters().length, 0, `${name} has no parameter tensors`);
    }
    // The formula at other sizes, per channel: 3 channels of 6×6, F = 2, S = 2 → 3×3; F = 3, S = 1 → 4×4.
    const x6 = randn([2, 3, 6, 6]);
    assert.deepEqual(new nn.MaxPool2d(2, { stride: 2 }).forward(x6).shape, [2, 3, 3, 3]);
    assert.deepEqual(new nn.MaxPool2d(3, { stride: 1 }).forward(x6).shape, [2, 3, 4, 4]);
    // A window that does not fit ((5 − 2)/2 + 1 is not whole) is an error, not a silent floor.
    assert.throws(() => new nn.MaxPool2d(2, { stride: 2 }).forward(randn([1, 1, 5, 5])), /5|fit/);
  });
});

// Examples 17 and 18 at the notes' scale: many full-size runs, so once, on the default backend
// (native when built); the kernels themselves are tested on every backend above.
describe("COURSE.md worked examples (nn), at the notes' scale", () => {
  it("17: He's layers 1–10 keep the notes' means and standard deviations (0.55–0.62, 0.81–0.89)", () => {
    manualSeed(170);
    const near = (v: number, want: number, tol: number, what: string) => assert.ok(Math.abs(v - want) <= tol, `${what}: ${v.toFixed(4)}, expected ${want} ± ${tol}`);
    // Each run's layers wander (a product of random gains), and the notes show one run: means
    // 0.545–0.623, stds 0.814–0.889 over layers 1–10 (layer 1: mean 0.562488, std 0.825232). He's
    // scale keeps E[h²] = 1 in every layer, so the expected layer is mean 0.564, std 0.826, at the
    // low end of that range; averaged over 8 runs each layer must fall in the notes' range,
    // widened by 0.05 below (0.01 above) for the spread of that average (about ±0.04 by layer 10).
    const RUNS = 8, heMean = new Array(10).fill(0), heStd = new Array(10).fill(0);
    noGrad(() => {
      for (let r = 0; r < RUNS; r++) {
        let h = randn([1000, 500]);
        for (let i = 0; i < 10; i++) {
          h = h.matmul(randn([500, 500]).div(Math.sqrt(250))).relu();
          const m = h.mean().item(), s = h.std().item();
          heMean[i] += m / RUNS; heStd[i] += s / RUNS;
          assert.ok(s > 0.6 && s < 1.1, `He run ${r} layer ${i + 1}: std ${s.toFixed(3)} neither collapses nor explodes`);
        }
      }
    });
    heMean.forEach((m, i) => assert.ok(m >= 0.495 && m <= 0.633, `He layer ${i + 1}: mean ${m.toFixed(4)} over ${RUNS} runs, notes' range 0.545–0.623 (−0.05, +0.01)`));
    heStd.forEach((s, i) => assert.ok(s >= 0.764 && s <= 0.899, `He layer ${i + 1}: std ${s.toFixed(4)} over ${RUNS} runs, notes' range 0.814–0.889 (−0.05, +0.01)`));
    // ReLU of a zero-mean Gaussian has mean/std = 0.683 whatever its scale; the notes' layers give 0.65–0.70.
    heMean.forEach((m, i) => assert.ok(m / heStd[i] > 0.63 && m / heStd[i] < 0.73, `He layer ${i + 1}: mean/std ${(m / heStd[i]).toFixed(3)} over ${RUNS} runs, expected ≈ 0.68 (ReLU of a Gaussian)`));
    heMean.forEach((m, i) => near(Math.sqrt(m * m + heStd[i] * heStd[i]), 1, 0.08, `He layer ${i + 1}: √E[h²] over ${RUNS} runs`));
  });

  it("18: lr 3e-3 can blow up where 1e-3 trains (the notes' raw-pixel 2-layer net, [1e-5, 1e-3] the good interval)", async function () {
    this.timeout(300000);
    // The notes' setting: pixels 0–255, only zero-centred (X -= mean), weights 1e-4·randn, plain
    // SGD, batches of 100. Their CIFAR-10 images have 3×32×32 inputs; Fashion-MNIST's grey copied
    // to three channels (3×784) gives inputs of the same scale, and the learning rate that blows
    // up depends on that scale (the step on the scores grows with ‖x‖²).
    manualSeed(18);
    const { x: raw, y } = data.fashionMnist({ shape: "flat", limit: 3000, normalize: false });
    const rgb = cat([raw, raw, raw], 1);
    const x = rgb.sub(rgb.mean(0));
    const run = async (lr: number, seed: number) => {
      manualSeed(seed);
      const m = new nn.Sequential(new nn.Linear(3 * 784, 50), new nn.ReLU(), new nn.Linear(50, 10));
      for (const p of m.parameters()) noGrad(() => (p.ndim === 2 ? init.normal_(p, 0, 1e-4) : p.zero_()));
      const h = await fit(m, [x, y], { epochs: 10, batchSize: 100, optimizer: new optim.SGD(m.parameters(), { lr }) });
      return { losses: h.history.loss, stopped: h.stopped };
    };
    // Blown up: a non-finite loss, or past 3× the initial ln 10 (the notes' rule for stopping early).
    const blewUp = (r: { losses: number[]; stopped: unknown }) => r.stopped !== null || r.losses.some((l) => !(l < 3 * Math.log(10)));
    const seeds = [180, 181, 182];
    const good = await Promise.all(seeds.map((s) => run(1e-3, s)));
    good.forEach((r, i) => {
      assert.ok(!blewUp(r), `lr 1e-3, seed ${seeds[i]}: should train, losses ${r.losses.map((l) => l.toPrecision(3)).join(" ")}`);
      assert.ok(r.losses.at(-1)! < r.losses[0], `lr 1e-3, seed ${seeds[i]}: the loss should fall`);
    });
    const fast = [];
    for (const s of seeds) fast.push(await run(3e-3, s));
    const blown = fast.filter(blewUp).length;
    assert.ok(blown >= 1, `lr 3e-3 should blow up in at least one of ${seeds.length} runs (the notes: "cost inf" at epoch 5), got ${blown}: ` +
      fast.map((r) => r.losses.map((l) => l.toPrecision(3)).join(" ")).join(" | "));
  });
});
