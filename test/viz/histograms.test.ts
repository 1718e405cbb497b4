// Histogram statistics and the per-layer activations: compared with an independent
// float64 computation on the same layer outputs, computed here by running the layers.
import { strict as assert } from "node:assert";
import { viz, randn, manualSeed, nn, init, noGrad, tensor, Tensor, F } from "../../core";

function reference(d: ArrayLike<number>) {
  const v = Array.from(d);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v), zeros: v.filter((x) => x === 0).length };
}

/** A 10-layer net of 500 units (COURSE.md example 17) with an activation and an initialiser. */
function deepNet(act: () => nn.Module, initW: (w: Tensor) => void): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i < 10; i++) {
    const l = new nn.Linear(500, 500);
    initW(l.weight);
    init.zeros_(l.bias!);
    layers.push(l, act());
  }
  return new nn.Sequential(...layers);
}

describe("viz statistics and activation histograms", () => {
  it("computes stats and histograms as an independent float64 pass does", () => {
    manualSeed(5);
    const t = randn([3000]).relu();
    const p = viz.histogram(t, { bins: 17 }).payload() as any;
    const r = reference(t.data);
    assert.ok(Math.abs(p.stats.mean - r.mean) < 1e-9 && Math.abs(p.stats.std - r.std) < 1e-9);
    assert.deepEqual([p.stats.min, p.stats.max, p.stats.zeros], [r.min, r.max, r.zeros]);
    assert.equal(p.histogram.counts.reduce((a: number, b: number) => a + b, 0), 3000);
    // Bin 5 by hand.
    const [lo, hi] = [p.histogram.edges[5], p.histogram.edges[6]];
    assert.equal(p.histogram.counts[5], Array.from(t.data).filter((v) => v >= lo && v < hi).length);
  });

  it("takes each activation layer's output, with % zeros and % saturated", () => {
    manualSeed(6);
    const model = new nn.Sequential(new nn.Linear(20, 30), new nn.ReLU(), new nn.Linear(30, 30), new nn.Tanh(), new nn.Linear(30, 5), new nn.Sigmoid());
    model.layers.forEach((m: any) => m.weight && noGrad(() => m.weight.mul_(4)));
    const x = randn([64, 20]);
    const v = viz.activations(model, x, { bins: 30 });
    const p = v.payload();
    assert.deepEqual(p.layers, ["1 ReLU", "3 Tanh", "5 Sigmoid"]);
    // The same outputs, computed by running the layers by hand.
    const h1 = noGrad(() => model.at(0).forward(x).relu());
    const h2 = noGrad(() => model.at(2).forward(h1).tanh());
    const h3 = noGrad(() => model.at(4).forward(h2).sigmoid());
    const pct = (t: Tensor, f: (v: number) => boolean) => (100 * Array.from(t.data).filter(f).length) / t.numel;
    assert.ok(Math.abs(p.panels[0].zeroPercent - pct(h1, (v) => v === 0)) < 1e-9);
    assert.ok(p.panels[0].zeroPercent > 20, "about half the ReLUs are off");
    assert.ok(Math.abs(p.panels[1].saturatedPercent - pct(h2, (v) => Math.abs(v) > 0.99)) < 1e-9);
    assert.ok(p.panels[1].saturatedPercent > 5, "large weights saturate tanh");
    assert.ok(Math.abs(p.panels[2].saturatedPercent - pct(h3, (v) => v < 0.01 || v > 0.99)) < 1e-9);
    assert.ok(Math.abs(p.panels[1].stats.std - reference(h2.data).std) < 1e-6);
    // The model's forward is its own again (nothing left wrapped).
    assert.ok(!Object.prototype.hasOwnProperty.call(model.at(1), "forward"));
  });

  it("compares Xavier/tanh and He/ReLU on shared axes, layer by layer (COURSE.md example 17)", () => {
    manualSeed(17);
    const x = randn([200, 500]);
    const xavier = deepNet(() => new nn.Tanh(), (w) => init.xavierNormal_(w));
    const he = deepNet(() => new nn.ReLU(), (w) => init.kaimingNormal_(w));
    const p = viz.compare({ xavier, he }, x).payload();
    assert.deepEqual(p.runs, ["xavier", "he"]);
    assert.equal(p.layers.length, 10);
    assert.equal(p.panels.length, 20);
    assert.ok(p.sharedAxes);
    const edges = JSON.stringify(p.panels[0].histogram.edges);
    assert.ok(p.panels.every((q) => JSON.stringify(q.histogram.edges) === edges), "one x axis for all");
    const xs = p.panels.filter((q) => q.run === "xavier"), hs = p.panels.filter((q) => q.run === "he");
    // Xavier with tanh: the spread shrinks with depth; He with ReLU: it stays, half the units at 0.
    assert.ok(xs[9].stats.std < 0.6 * xs[0].stats.std, `xavier std ${xs[0].stats.std} → ${xs[9].stats.std}`);
    assert.ok(hs.every((q) => q.zeroPercent > 35 && q.zeroPercent < 65));
    assert.ok(Math.abs(Math.log(hs[9].stats.std / hs[0].stats.std)) < Math.log(2.5));
  });

  it("shows weights and gradients per parameter", () => {
    manualSeed(8);
    const model = new nn.Sequential(new nn.Linear(6, 4), new nn.ReLU(), new nn.Linear(4, 3));
    const w = viz.activations(model, randn([2, 6]), { quantity: "weights" }).payload();
    assert.deepEqual(w.layers, ["0.weight", "2.weight"]);
    const x = randn([10, 6]), target = tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: "int32" });
    const g = viz.activations(model, x, { quantity: "gradients", target }).payload();
    model.zeroGrad();
    F.crossEntropy(model.forward(x), target).backward();
    const ref = reference(model.at(0).parameters()[0].grad!.data);
    assert.ok(Math.abs(g.panels[0].stats.std - ref.std) < 1e-6);
    assert.throws(() => viz.activations(model, x, { quantity: "gradients" }), /gradients need a loss/);
    assert.throws(() => viz.activations(model, x, { layers: ["9"] }), /no layer named 9/);
  });

  it("compares earlier results and saved payloads too, re-binning values where it has them", () => {
    manualSeed(10);
    const x = randn([32, 8]);
    const a = viz.activations(new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh()), x);
    const b = new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh());
    const both = viz.compare({ a, b }, x).payload();
    assert.deepEqual(both.runs, ["a", "b"]);
    assert.equal(JSON.stringify(both.panels[0].histogram.edges), JSON.stringify(both.panels[1].histogram.edges));
    assert.equal(both.panels[0].histogram.counts.reduce((s, c) => s + c, 0), 32 * 8);
    const saved = JSON.parse(JSON.stringify(a.payload()));
    const mixed = viz.compare({ saved, b }, x).payload();
    assert.deepEqual(mixed.runs, ["saved", "b"]);
    assert.deepEqual(mixed.panels[0].histogram, a.payload().panels[0].histogram, "a saved payload's counts are kept as they were");
    assert.throws(() => viz.compare({}), /at least one run/);
  });

  it("leaves batch norm's running statistics as they were", () => {
    manualSeed(11);
    const model = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU());
    const before = model.stateDict()["1.running_mean"].toArray();
    viz.activations(model, randn([16, 4]).mul(5).add(3));
    assert.deepEqual(model.stateDict()["1.running_mean"].toArray(), before);
  });
});
