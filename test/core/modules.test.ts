// nn.Module behaviour: discovery of parameters, buffers and children; train/eval;
// state dicts; printing; initialisation as PyTorch does it.
import { strict as assert } from "node:assert";
import { Tensor, tensor, randn, zeros, nn, init, manualSeed, noGrad, ShapeError, ValueError } from "../../core";
import { forEachBackend } from "../helpers";

class TwoLayer extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  act = new nn.ReLU();
  fc2 = new nn.Linear(8, 2);
  scale = nn.parameter(tensor([1.5]));
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.act.forward(this.fc1.forward(x))).mul(this.scale);
  }
}

forEachBackend("nn modules", () => {
  it("a user module's parameters are found from its properties, in PyTorch's order and names", () => {
    const m = new TwoLayer();
    // As in PyTorch: the module's own parameters first, then each child's.
    assert.deepEqual(m.namedParameters().map(([k]) => k), ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    assert.equal(m.numParameters(), 4 * 8 + 8 + 8 * 2 + 2 + 1);
    assert.deepEqual(m.namedChildren().map(([k]) => k), ["fc1", "act", "fc2"]);
    const y = m.forward(randn([3, 4]));
    y.sum().backward();
    for (const p of m.parameters()) assert.ok(p.grad, "every parameter gets a gradient");
    m.zeroGrad();
    assert.ok(m.parameters().every((p) => p.grad === null));
  });

  it("train() and eval() reach every submodule and change dropout and batch norm", () => {
    manualSeed(0);
    const m = new nn.Sequential(new nn.Linear(10, 10), new nn.Dropout(0.5), new nn.BatchNorm1d(10));
    m.eval();
    assert.ok(m.modules().every((x) => !x.training));
    const x = randn([8, 10]);
    assert.deepEqual(m.forward(x).toArray(), m.forward(x).toArray(), "evaluation is deterministic");
    m.train();
    const d = new nn.Dropout(0.25).forward(randn([10000]));
    const zeroFrac = d.eq(0).sum().item() / 10000;
    assert.ok(Math.abs(zeroFrac - 0.25) < 0.02, `dropout p = 0.25 drops ${zeroFrac}`);
  });

  it("dropout is inverted: the expectation is unchanged in training, and it is the identity in evaluation", () => {
    manualSeed(3);
    const x = zeros([100000]).add(2);
    const y = new nn.Dropout(0.2).forward(x);
    assert.ok(Math.abs(y.mean().item() - 2) < 0.02);
    assert.ok(y.maskedSelect(y.ne(0)).eq(2.5).sum().item() > 0, "survivors are scaled by 1/(1 − p)");
    const d = new nn.Dropout(0.2).eval();
    assert.equal(d.forward(x), x);
  });

  it("stateDict and loadStateDict round-trip, with clear errors for wrong keys and shapes", () => {
    manualSeed(1);
    const a = new TwoLayer();
    manualSeed(2);
    const b = new TwoLayer();
    const x = randn([2, 4]);
    assert.notDeepEqual(a.forward(x).toArray(), b.forward(x).toArray());
    b.loadStateDict(a.stateDict());
    assert.deepEqual(a.forward(x).toArray(), b.forward(x).toArray());
    const sd = a.stateDict();
    delete sd["fc2.bias"];
    assert.throws(() => b.loadStateDict(sd), (e: Error) => e instanceof ValueError && /missing: fc2\.bias/.test(e.message));
    assert.deepEqual(b.loadStateDict(sd, { strict: false }).missing, ["fc2.bias"]);
    const wrong = { ...a.stateDict(), "fc1.weight": zeros([3, 3]) };
    assert.throws(() => b.loadStateDict(wrong), (e: Error) => e instanceof ShapeError && /fc1\.weight has shape \[3,3\] in the state dict but \[8,4\]/.test(e.message));
  });

  it("batch norm buffers are in the state dict but are not parameters", () => {
    const bn = new nn.BatchNorm2d(4);
    assert.deepEqual(bn.namedParameters().map(([k]) => k), ["weight", "bias"]);
    assert.deepEqual(bn.namedBuffers().map(([k]) => k), ["running_mean", "running_var", "num_batches_tracked"]);
    bn.forward(randn([2, 4, 3, 3]));
    assert.equal(bn.numBatchesTracked!.item(), 1);
    assert.notDeepEqual(bn.runningMean!.toArray(), [0, 0, 0, 0]);
  });

  it("prints like PyTorch", () => {
    const m = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));
    assert.equal(m.toString(), [
      "Sequential(",
      "  (0): Conv2d(1, 8, kernelSize=[3,3], padding=1)",
      "  (1): ReLU()",
      "  (2): MaxPool2d(kernelSize=2, stride=2, padding=0)",
      "  (3): Flatten(startDim=1, endDim=-1)",
      "  (4): Linear(inFeatures=1568, outFeatures=10, bias=true)",
      ")",
    ].join("\n"));
    assert.deepEqual(m.summary([1, 28, 28]).rows.map((r) => r.outputShape), [[null, 8, 28, 28], [null, 8, 28, 28], [null, 8, 14, 14], [null, 1568], [null, 10]]);
  });

  it("Linear and Conv2d initialise as PyTorch: U(±1/√fan_in)", () => {
    manualSeed(5);
    const fc = new nn.Linear(400, 300);
    const bound = 1 / Math.sqrt(400);
    assert.ok(fc.weight.max().item() <= bound && fc.weight.min().item() >= -bound);
    assert.ok(Math.abs(fc.weight.std().item() - bound / Math.sqrt(3)) < 0.002, "uniform on ±b has std b/√3");
    const conv = new nn.Conv2d(16, 32, 3);
    const cb = 1 / Math.sqrt(16 * 9);
    assert.ok(conv.weight.abs().max().item() <= cb && conv.bias!.abs().max().item() <= cb);
  });

  it("initialisers have the right statistics and gains", () => {
    manualSeed(6);
    const W = zeros([256, 512]);
    const close = (v: number, want: number, tol: number, what: string) => assert.ok(Math.abs(v - want) < tol, `${what}: ${v} vs ${want}`);
    close(init.xavierUniform_(W).std().item(), Math.sqrt(2 / (256 + 512)), 0.001, "xavierUniform_");
    close(init.xavierNormal_(W, init.calculateGain("tanh")).std().item(), (5 / 3) * Math.sqrt(2 / 768), 0.002, "xavierNormal_ with tanh gain");
    close(init.kaimingUniform_(W, { nonlinearity: "relu" }).std().item(), Math.sqrt(2 / 512), 0.002, "kaimingUniform_ fan in");
    close(init.kaimingNormal_(W, { mode: "fanOut", nonlinearity: "relu" }).std().item(), Math.sqrt(2 / 256), 0.002, "kaimingNormal_ fan out");
    close(init.normal_(W, 3, 2).mean().item(), 3, 0.02, "normal_ mean");
    assert.ok(init.uniform_(W, -1, 2).min().item() >= -1);
    assert.equal(init.constant_(W, 0.5).sum().item(), 0.5 * W.numel);
    assert.equal(init.calculateGain("leakyRelu", 0.1), Math.sqrt(2 / 1.01));
    assert.throws(() => init.xavierNormal_(zeros([5])), /at least 2 dimensions/);
  });

  it("PReLU learns its slope; Maxout halves the features; residual blocks keep shapes", () => {
    const p = new nn.PReLU();
    const y = p.forward(tensor([-2, 3]));
    assert.deepEqual(y.toArray(), [-0.5, 3]);
    y.sum().backward();
    assert.deepEqual(p.weight.grad!.toArray(), [-2]);
    assert.deepEqual(new nn.Maxout(2).forward(randn([3, 8])).shape, [3, 4]);
    const block = new nn.BasicBlock(4, 8, 2);
    assert.deepEqual(block.forward(randn([2, 4, 8, 8])).shape, [2, 8, 4, 4]);
    const res = new nn.Residual(new nn.Linear(5, 5));
    assert.deepEqual(res.forward(randn([2, 5])).shape, [2, 5]);
  });

  it("every activation module runs and matches its function", () => {
    const x = tensor([-2, -0.5, 0, 0.5, 2]);
    const mods: nn.Module[] = [new nn.ReLU(), new nn.Sigmoid(), new nn.Tanh(), new nn.SELU(), new nn.Softsign(), new nn.GELU(), new nn.SiLU(),
      new nn.Arctan(), new nn.Exponential(), new nn.LeakyReLU(0.1), new nn.ELU(), new nn.Softplus(), new nn.Hardtanh(), new nn.Heaviside(0.5),
      new nn.PReLU(), new nn.Softmax(0), new nn.LogSoftmax(0), new nn.Identity()];
    for (const m of mods) assert.deepEqual(m.forward(x).shape, [5], m.typeName());
    assert.deepEqual(new nn.Heaviside(0.5).forward(x).toArray(), [0, 0, 0.5, 1, 1]);
    assert.deepEqual(new nn.LeakyReLU(0.1).forward(x).toArray().map((v: number) => Number(v.toFixed(3))), [-0.2, -0.05, 0, 0.5, 2]);
  });

  it("Sequential refuses what is not a module, and a model without parameters cannot be optimised", () => {
    assert.throws(() => new nn.Sequential(new nn.ReLU(), 3 as any), /argument 1 is not a module/);
    noGrad(() => undefined);
  });
});
