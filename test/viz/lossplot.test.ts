// The live loss plot: throttled updates through the display transport, the final state
// sent once on done(), downsampling that keeps the payload small and keeps extremes,
// and the fit() callback on a real training run.
import { strict as assert } from "node:assert";
import { viz, randn, manualSeed, nn, fit, tensor } from "../../core";
import { MIME, setDisplayTransport } from "../../core/viz/internal";
import type { MimeBundle } from "../../core/viz/schema";

class Recorder {
  calls: { kind: "display" | "update"; id: string; bundle: MimeBundle }[] = [];
  display(bundle: MimeBundle, id: string) { this.calls.push({ kind: "display", id, bundle }); }
  update(bundle: MimeBundle, id: string) { this.calls.push({ kind: "update", id, bundle }); }
}
const payloadOf = (b: MimeBundle) => b[MIME.lossplot] as viz.LossPlotPayload;

describe("viz.lossPlot", () => {
  let rec: Recorder;
  beforeEach(() => { rec = new Recorder(); setDisplayTransport(rec); });
  afterEach(() => setDisplayTransport(null));

  it("displays once, then updates the same display id, throttled", () => {
    const plot = viz.lossPlot({ throttleMs: 50 });
    const t0 = Date.now();
    for (let s = 1; s <= 20_000; s++) plot.update(s, { loss: 1 / s });
    const elapsed = Date.now() - t0;
    assert.equal(rec.calls[0].kind, "display");
    assert.ok(rec.calls.slice(1).every((c) => c.kind === "update" && c.id === plot.displayId));
    // At most one send per 50 ms window, plus the first display.
    assert.ok(rec.calls.length <= 2 + elapsed / 50, `${rec.calls.length} sends in ${elapsed} ms`);
    assert.ok(rec.calls.length < 20_000 / 100);
    plot.done(); // no trailing update left to land in the next test
  });

  it("always sends the final state on done(), exactly once, marked done", () => {
    const plot = viz.lossPlot({ throttleMs: 60_000 });
    for (let s = 1; s <= 100; s++) plot.update(s, { loss: s });
    assert.equal(rec.calls.length, 1, "only the first display within the throttle window");
    plot.done();
    assert.equal(rec.calls.length, 2);
    const last = payloadOf(rec.calls[1].bundle);
    assert.equal(last.done, true);
    assert.equal(last.series[0].steps[last.series[0].steps.length - 1], 100, "the final point is in it");
    assert.equal(rec.calls[1].id, rec.calls[0].id);
  });

  it("sends a trailing update when updates stop inside the throttle window", async function () {
    this.timeout(40_000);
    const plot = viz.lossPlot({ throttleMs: 30 });
    plot.update(1, { loss: 1 });
    plot.update(2, { loss: 0.5 });
    assert.equal(rec.calls.length, 1);
    // The gap is at least 30 ms, and 200× the last send's duration: poll rather than guess
    // it. A first send slowed to 10 ms (a collection, code not yet compiled) makes the gap
    // 2 s, so the poll allows 30 s (a clean clone's run failed at 2).
    for (let i = 0; i < 3000 && rec.calls.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(rec.calls.length, 2);
    assert.equal(payloadOf(rec.calls[1].bundle).series[0].values.length, 2);
  });

  it("downsamples to at most maxPoints per series, keeping the minimum and maximum", () => {
    const plot = viz.lossPlot({ maxPoints: 100 });
    const n = 50_000;
    let min = Infinity, max = -Infinity;
    for (let s = 0; s < n; s++) {
      const v = Math.sin(s / 300) + (s === 31_337 ? 10 : 0) + (s === 4_242 ? -10 : 0);
      min = Math.min(min, v); max = Math.max(max, v);
      plot.update(s, { loss: v, ...(s % 1000 === 0 ? { valLoss: v } : {}) });
    }
    const p = plot.payload();
    for (const s of p.series) assert.ok(s.steps.length <= 100 && s.steps.length === s.values.length, `${s.name}: ${s.steps.length}`);
    const loss = p.series.find((s) => s.name === "loss")!;
    assert.ok(loss.values.some((v) => Math.abs(v - max) < 1e-3), "the spike survives");
    assert.ok(loss.values.some((v) => Math.abs(v - min) < 1e-3), "the dip survives");
    assert.ok(loss.steps.every((s, i) => i === 0 || s > loss.steps[i - 1]), "steps increase");
    assert.equal(p.totalPoints, n);
    assert.equal(p.series.find((s) => s.name === "valLoss")!.group, "validation");
    assert.ok(JSON.stringify(plot.bundle()).length < 100_000);
    plot.done();
  });

  it("smooths with a debiased EMA", () => {
    const plot = viz.lossPlot({ smoothing: 0.5 });
    const vals = Array.from({ length: 40 }, (_, i) => (i % 2 ? 1 : 3));
    vals.forEach((v, i) => plot.update(i, { loss: v }));
    const s = plot.payload().series[0] as any;
    let ema = 0;
    const expected = vals.map((v, i) => { ema = 0.5 * ema + 0.5 * v; return ema / (1 - 0.5 ** (i + 1)); });
    s.smoothed.forEach((v: number, k: number) => assert.ok(Math.abs(v - expected[s.steps[k]]) < 1e-3));
    assert.equal(s.smoothed[0], 3, "debiased: the first value is itself");
    plot.done();
  });

  it("without a transport, updates are no-ops and the bundle holds the final state", () => {
    setDisplayTransport(null);
    const plot = viz.lossPlot();
    plot.update(1, { loss: 2 }).epochEnd().done();
    assert.equal(plot.sent, 0);
    const b = (plot as any)[Symbol.for("Jupyter.display")]();
    assert.equal(payloadOf(b).done, true);
    assert.deepEqual(payloadOf(b).epochs, [1]);
    assert.match(b["text/plain"], /done/);
  });

  it("plots a real fit() as a callback: batch losses, validation per epoch, ETA, done", async () => {
    manualSeed(9);
    const x = randn([256, 10]);
    const y = tensor(Array.from({ length: 256 }, (_, i) => (x.data[i * 10] > 0 ? 1 : 0)), { dtype: "int32" });
    const model = new nn.Sequential(new nn.Linear(10, 16), new nn.ReLU(), new nn.Linear(16, 2));
    const plot = viz.lossPlot({ throttleMs: 0 });
    const etas: (number | undefined)[] = [];
    const probe = { onBatchEnd: () => { etas.push(plot.payload().eta); } };
    await fit(model, [x, y], { epochs: 3, batchSize: 32, metrics: ["accuracy"], validationData: [x, y], callbacks: [plot, probe] });
    const last = payloadOf(rec.calls[rec.calls.length - 1].bundle);
    assert.equal(last.done, true);
    assert.deepEqual(last.epochs, [8, 16, 24]);
    const names = last.series.map((s) => s.name).sort();
    assert.ok(names.includes("loss") && names.includes("valLoss"), names.join());
    assert.equal(last.series.find((s) => s.name === "loss")!.steps.length, 24);
    assert.equal(etas[0], undefined, "no ETA from a single step");
    assert.ok(etas.slice(1).every((e) => typeof e === "number" && e >= 0), "an ETA while running");
    assert.equal(last.eta, undefined, "none once done");
    assert.equal(rec.calls.filter((c) => c.kind === "display").length, 1);
  });

  it("draws a log scale with power-of-ten ticks, leaving out values ≤ 0", () => {
    setDisplayTransport(null);
    const plot = viz.lossPlot({ logScale: true });
    [10, 1, 0.1, 0, 0.01].forEach((v, i) => plot.update(i, { loss: v }));
    const svg = plot.bundle()["image/svg+xml"] as string;
    for (const t of ["0.01", "0.1", "1", "10"]) assert.ok(svg.includes(`>${t}</text>`), `tick ${t}`);
    assert.ok(!svg.includes("NaN"), "no NaN coordinates");
    assert.equal(plot.payload().logScale, true);
  });
});
