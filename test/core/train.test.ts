// fit / evaluate / predict: histories, callbacks, the stop request and the NaN guard.
import { strict as assert } from "node:assert";
import { Tensor, tensor, randn, randint, nn, optim, fit, evaluate, predict, requestStop, EarlyStopping, LRSchedulerCallback, metrics, data, manualSeed, noGrad } from "../../core";
import { forEachBackend } from "../helpers";

/** Two Gaussian blobs per class, 3 classes: learnable in a few epochs. */
function blobs(n = 300): [Tensor, Tensor] {
  manualSeed(42);
  const y = randint(0, 3, [n]);
  const centres = tensor([[2, 0], [-2, 0], [0, 2]]);
  const x = centres.indexSelect(0, y).add(randn([n, 2]).mul(0.5));
  return [x, y];
}

const mlp = () => new nn.Sequential(new nn.Linear(2, 16), new nn.ReLU(), new nn.Linear(16, 3));

forEachBackend("training", () => {
  it("fit learns, records a history per epoch, and evaluate/predict agree", async () => {
    const [x, y] = blobs();
    manualSeed(0);
    const model = mlp();
    const h = await fit(model, [x, y], { epochs: 5, batchSize: 32, optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
      metrics: ["accuracy"], validationData: [x, y] });
    assert.deepEqual(h.epoch, [1, 2, 3, 4, 5]);
    assert.ok(h.history.loss[4] < h.history.loss[0]);
    assert.ok(h.history.valAccuracy[4] > 0.95, `validation accuracy ${h.history.valAccuracy[4]}`);
    assert.equal(h.batchLoss.length, 5 * Math.ceil(300 / 32));
    assert.equal(h.stopped, null);
    const e = evaluate(model, [x, y], { metrics: ["accuracy"] });
    assert.ok(Math.abs(e.accuracy - h.history.valAccuracy[4]) < 1e-12);
    const p = predict(model, x, { batchSize: 64 });
    assert.deepEqual(p.shape, [300, 3]);
    assert.ok(Math.abs(metrics.accuracy(p, y) - e.accuracy) < 1e-12);
    assert.match(h.toString(), /epoch\s+loss\s+accuracy\s+valLoss\s+valAccuracy\s+lr/);
  });

  it("the same seed gives the same training run", async () => {
    const run = async () => {
      const [x, y] = blobs();
      manualSeed(7);
      const m = mlp();
      const h = await fit(m, [x, y], { epochs: 2, batchSize: 50, optimizer: new optim.SGD(m.parameters(), { lr: 0.1, momentum: 0.9 }) });
      return [h.batchLoss, Array.from(m.parameters()[0].dataSync())];
    };
    assert.deepEqual(await run(), await run());
  });

  it("a stop request ends fit after the current batch, with the model usable and the history complete", async () => {
    const [x, y] = blobs(3000);
    const model = mlp();
    let batches = 0;
    const h = await fit(model, [x, y], {
      epochs: 50, batchSize: 10,
      callbacks: [{ onBatchEnd: (epoch, batch) => { batches++; if (epoch === 2 && batch === 4) requestStop(); } }],
    });
    assert.equal(h.stopped?.kind, "requested");
    assert.match(h.stopped!.message, /training stopped by request at epoch 2, batch 5/);
    assert.equal(batches, 300 + 5, "exactly the batches before the request ran");
    assert.deepEqual(h.epoch, [1, 2], "the interrupted epoch is recorded too");
    const out = noGrad(() => model.forward(x.slice(0, 0, 5)));
    assert.equal(out.isFinite().logicalNot().sum().item(), 0, "the model still works");
    const again = await fit(model, [x, y], { epochs: 1, batchSize: 300 });
    assert.equal(again.stopped, null, "an old request does not stop the next fit");
  });

  it("an AbortSignal stops fit too, and fit yields to the event loop between batches", async () => {
    const [x, y] = blobs(2000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const h = await fit(mlp(), [x, y], { epochs: 1000, batchSize: 8, signal: ac.signal });
    assert.equal(h.stopped?.kind, "requested");
    assert.ok(h.epoch.length < 1000);
  });

  it("a NaN loss stops fit at once, says where and why, and keeps the last finite weights", async () => {
    const [x, y] = blobs();
    const model = mlp();
    const values = x.dataSync().slice();
    values[2 * 70] = NaN; // sample 70, in batch 3 of epoch 1 without shuffling
    const bad = new Tensor(values, x.shape.slice(), x.dtype);
    const before = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()]));
    const h = await fit(model, [bad, y], { epochs: 3, batchSize: 32, shuffle: false, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }) });
    assert.equal(h.stopped?.kind, "nonFinite");
    assert.match(h.stopped!.message, /^loss became NaN at epoch 1, batch 3: the input batch holds 1 NaN or infinite values/);
    for (const p of model.parameters()) assert.equal(p.isFinite().logicalNot().sum().item(), 0);
    assert.notDeepEqual(Array.from(model.stateDict()["0.weight"].dataSync()), Array.from(before["0.weight"].dataSync()), "two batches did train");
  });

  it("early stopping restores the best weights; an LR schedule steps per epoch", async () => {
    const [x, y] = blobs();
    const model = mlp();
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const sched = new optim.lrScheduler.StepLR(opt, 1, 0.5);
    // A validation set the model cannot fit (shuffled labels): its loss soon stops improving.
    const shuffledY = y.indexSelect(0, Array.from({ length: 300 }, (_, i) => (i * 7) % 300));
    const h = await fit(model, [x, y], { epochs: 30, batchSize: 30, optimizer: opt, validationData: [x, shuffledY],
      callbacks: [new EarlyStopping({ patience: 2, restoreBestWeights: true }), new LRSchedulerCallback(sched)] });
    assert.equal(h.stopped?.kind, "earlyStopping");
    assert.ok(h.epoch.length < 30);
    assert.deepEqual(h.history.lr.slice(0, 3), [0.1, 0.05, 0.025], "lr logged before the schedule steps");
  });

  it("EarlyStopping puts back the best weights when the epochs run out after the best one", async () => {
    const [x, y] = blobs();
    manualSeed(0);
    const model = mlp();
    let afterFirst: Record<string, Tensor> = {};
    const snapshot = { onEpochEnd: (epoch: number) => { if (epoch === 1) afterFirst = Object.fromEntries(Object.entries(model.stateDict()).map(([k, t]) => [k, t.clone()])); } };
    // The training loss falls, so with mode "max" the best epoch is the first, and patience 100 never stops.
    const h = await fit(model, [x, y], { epochs: 4, batchSize: 32, optimizer: new optim.Adam(model.parameters(), { lr: 0.05 }),
      callbacks: [snapshot, new EarlyStopping({ monitor: "loss", mode: "max", patience: 100, restoreBestWeights: true })] });
    assert.equal(h.stopped, null);
    assert.ok(h.history.loss[3] < h.history.loss[0]);
    for (const [k, t] of Object.entries(model.stateDict())) assert.deepEqual(Array.from(t.data), Array.from(afterFirst[k].data), k);
  });

  it("metrics: accuracy, top-k, confusion matrix, per-class accuracy", () => {
    const scores = tensor([[0.1, 0.7, 0.2], [0.8, 0.15, 0.05], [0.3, 0.3, 0.4], [0.5, 0.1, 0.4]]);
    const y = tensor([1, 0, 0, 2], { dtype: "int32" });
    assert.equal(metrics.accuracy(scores, y), 0.5);
    assert.equal(metrics.topKAccuracy(scores, y, 1), 0.5);
    assert.equal(metrics.topKAccuracy(scores, y, 2), 1);
    assert.deepEqual(metrics.confusionMatrix(scores, y).toArray(), [[1, 0, 1], [0, 1, 0], [1, 0, 0]]);
    assert.deepEqual(metrics.perClassAccuracy(scores, y), [0.5, 1, 0]);
    assert.throws(() => metrics.accuracy(scores, y.float()), /int32 class labels/);
  });

  it("bad input to fit gets a clear error", async () => {
    const [x, y] = blobs();
    await assert.rejects(fit(mlp(), [x, y], { epochs: 0 }), /epochs must be a positive integer/);
    await assert.rejects(fit(mlp(), [x, y], { loss: "hinge" as any }), /unknown loss "hinge"/);
    await assert.rejects(fit(mlp(), [x, y.float()]), /crossEntropy: the target must hold class indices as int32, got float32/);
    await assert.rejects(fit(mlp(), [x.slice(1, 0, 1), y]), /linear: input \[32,1\] has 1 features but the weight \[16,2\] expects 2/);
    assert.throws(() => new data.DataLoader([x, y] as any), /expected a TensorDataset/);
  });
});
