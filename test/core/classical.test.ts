// The course's classical methods: k-NN, perceptron, Adaline, logistic and softmax
// regression, linear classifiers, random search and numerical gradients.
import { strict as assert } from "node:assert";
import { tensor, randn, randint, classical, data, manualSeed, Tensor } from "../../core";
import { forEachBackend, assertClose } from "../helpers";
import * as fs from "fs";

const AND = { x: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), y: tensor([0, 0, 0, 1], { dtype: "int32" }) };
const XOR = { x: AND.x, y: tensor([0, 1, 1, 0], { dtype: "int32" }) };

forEachBackend("classical methods", () => {
  it("pairwise L1 and L2 distances (example 9's L1 is 456)", () => {
    const a = tensor([[56, 32, 10, 18, 90, 23, 128, 133, 24, 26, 178, 200, 2, 0, 255, 220]]);
    const b = tensor([[10, 20, 24, 17, 8, 10, 89, 100, 12, 16, 178, 170, 4, 32, 233, 112]]);
    assert.equal(classical.pairwiseDistances(a, b, "l1").item(), 456);
    const x = randn([5, 3]);
    const d2 = classical.pairwiseDistances(x, x, "l2");
    assertClose(Array.from(d2.dataSync()), Array.from(x.unsqueeze(1).sub(x.unsqueeze(0)).square().sum(2).sqrt().dataSync()), 1e-4, 1e-3);
  });

  it("k-NN classifies separable blobs, and k and the distance matter as the course says", () => {
    manualSeed(1);
    const y = randint(0, 2, [200]);
    const x = y.float().unsqueeze(1).mul(4).add(randn([200, 2]));
    const knn = new classical.KNearestNeighbors(5, "l1").fit(x.slice(0, 0, 150), y.slice(0, 0, 150));
    const acc = knn.predict(x.slice(0, 150)).eq(y.slice(0, 150)).float().mean().item();
    assert.ok(acc > 0.95, `accuracy ${acc}`);
    // 1-NN on its own training data is perfect.
    assert.equal(new classical.KNearestNeighbors(1).fit(x, y).predict(x).eq(y).float().mean().item(), 1);
    assert.throws(() => new classical.KNearestNeighbors(0), /k must be a positive integer/);
  });

  it("k-NN on Fashion-MNIST beats chance by far", function () {
    if (!fs.existsSync(data.FASHION_MNIST_DIR)) this.skip(); // dataset-fashion-mnist is not installed
    const train = data.fashionMnist({ shape: "flat", limit: 2000 });
    const test = data.fashionMnist({ split: "test", shape: "flat", limit: 200 });
    const pred = new classical.KNearestNeighbors(3).fit(train.x, train.y).predict(test.x);
    assert.ok(pred.eq(test.y).float().mean().item() > 0.7);
  });

  it("the perceptron learns AND and never settles on XOR", () => {
    const p = new classical.Perceptron(1, 20).fit(AND.x, AND.y);
    assert.deepEqual(p.predict(AND.x).toArray(), [0, 0, 0, 1]);
    assert.equal(p.errors.at(-1), 0);
    const q = new classical.Perceptron(1, 50).fit(XOR.x, XOR.y);
    assert.ok(q.errors.every((e) => e > 0), "mistakes every epoch: XOR is not linearly separable");
  });

  it("Adaline's squared error falls; logistic regression separates AND", () => {
    const a = new classical.Adaline(0.1, 100).fit(AND.x, AND.y);
    assert.ok(a.losses[99] < a.losses[0]);
    assert.deepEqual(a.predict(AND.x).toArray(), [0, 0, 0, 1]);
    const lr = new classical.LogisticRegression({ lr: 1, epochs: 500 }).fit(AND.x, AND.y);
    assert.deepEqual(lr.predict(AND.x).toArray(), [0, 0, 0, 1]);
    assert.ok(lr.losses[499] < 0.2);
  });

  it("linear classifiers with SVM and softmax loss start at C − 1 and ln C, then learn", () => {
    manualSeed(2);
    const y = randint(0, 3, [300]);
    const x = tensor([[3, 0], [-3, 0], [0, 3]]).indexSelect(0, y).add(randn([300, 2]));
    for (const loss of ["svm", "softmax"] as const) {
      const clf = new classical.LinearClassifier({ loss, lr: 0.05, epochs: 20, batchSize: 50, reg: 1e-4 }).fit(x, y);
      assert.ok(clf.predict(x).eq(y).float().mean().item() > 0.9, loss);
      assert.deepEqual(clf.W!.shape, [3, 2], "one template row per class");
    }
    const soft = new classical.SoftmaxRegression({ epochs: 1, lr: 0 }).fit(x, y);
    assert.ok(Math.abs(soft.losses[0] - Math.log(3)) < 1e-3, "the loss at initialisation is ln C");
    const svm = new classical.LinearClassifier({ loss: "svm", epochs: 1, lr: 0 }).fit(x, y);
    assert.ok(Math.abs(svm.losses[0] - 2) < 1e-3, "the SVM loss at initialisation is C − 1");
  });

  it("random search samples in log space and returns the best first", async () => {
    manualSeed(3);
    const results = await classical.randomSearch({ lr: { low: 1e-6, high: 1e-1, log: true }, act: ["relu", "tanh"] }, 200,
      (p) => Math.abs(Math.log10(p.lr as number) + 3));
    assert.ok(Math.abs(Math.log10(results[0].params.lr as number) + 3) < 0.05);
    const exps = results.map((r) => Math.log10(r.params.lr as number));
    assert.ok(exps.filter((e) => e < -4).length > 50, "log-uniform: small values are as likely as large ones");
  });

  it("numerical gradients (forward and centred) agree with autograd; centred is more accurate", () => {
    const x = tensor([0.3, -1.2, 2.0], { dtype: "float64" });
    const f = (t: Tensor) => t.mul(t).sin().sum();
    const xg = x.clone().detach().requiresGrad_();
    f(xg).backward();
    const centred = classical.numericalGradient(f, x, { method: "centred" });
    const forward = classical.numericalGradient(f, x, { method: "forward" });
    const eC = classical.maxRelativeError(xg.grad!, centred);
    const eF = classical.maxRelativeError(xg.grad!, forward);
    assert.ok(eC < 1e-8, `centred ${eC}`);
    assert.ok(eF > eC && eF < 1e-3, `forward ${eF}`);
  });
});
