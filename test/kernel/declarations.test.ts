// A cell's top-level names are declared for the cells after it, so every value the
// library hands out must have a type TypeScript can name in a declaration: a const holding
// a figure, a model or an optimiser must not fail with TS4023 ("cannot be named").
import { strict as assert } from "node:assert";
import { Session, type Sink } from "../../kernel/session";

const CELLS = [
  "const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3));",
  "const x = randn([16, 4]);",
  "const t = viz.tensor(x);",
  "const w = viz.weights(new nn.Linear(784, 10));",
  "const acts = viz.activations(model, x);",
  "const both = viz.compare({ a: acts, b: viz.activations(model, x.mul(2)) });",
  "const plot = viz.lossPlot();",
  "const l = viz.line([1, 3, 2]);",
  "const sc = viz.scatter({ x: randn([10]), y: randn([10]) });",
  "const hi = viz.histogram(randn([100]));",
  "const hm = viz.heatmap(randn([3, 3]));",
  "const cm = viz.confusionMatrix(randint(0, 3, [20]), randint(0, 3, [20]));",
  "const im = viz.imshow(rand([3, 8, 8]));",
  "const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });",
  "const sched = new optim.lrScheduler.StepLR(opt, 1);",
  "const ds = new data.TensorDataset(x, randint(0, 3, [16]));",
  "const loader = new data.DataLoader(ds, { batchSize: 4 });",
  "const history = await fit(model, [x, randint(0, 3, [16])], { epochs: 1, batchSize: 8, optimizer: opt, loss: 'crossEntropy' });",
  "const summary = model.summary();",
  "[t, w, acts, both, plot, l, sc, hi, hm, cm, im, sched, loader, history, summary].length",
];

describe("values a cell keeps for the next ones", function () {
  this.timeout(120_000);
  it("every viz object, model, optimiser, loader and history can be held in a top-level const", async () => {
    const s = new Session();
    const out: string[] = [];
    const sink: Sink = { stream() {}, display() {}, result: (b) => out.push(String(b.data["text/plain"])) };
    try {
      await s.preload();
      for (const cell of CELLS) {
        const r = await s.execute(cell, sink);
        assert.deepEqual(r, { status: "ok" }, `${cell}\n${JSON.stringify(r)}`);
      }
      assert.equal(out.pop(), "15");
    } finally {
      s.close();
    }
  });
});
