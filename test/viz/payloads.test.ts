// The payload schemas (core/viz/payloads.ts) from both sides: every builder's payload
// passes its schema after a JSON round trip, and the checks refuse what is not a
// payload, naming the field and what was expected.
import { strict as assert } from "node:assert";
import { viz, randn, randint, manualSeed, nn, tensor } from "../../core";
import { checkPayload, LIMITS } from "../../core/viz/payloads";
import { MIME } from "../../core/viz/schema";
import { PayloadError } from "../../core/viz/validate";

const DISPLAY = Symbol.for("Jupyter.display");
const bundleOf = (o: any) => o[DISPLAY]() as Record<string, any>;
/** What a notebook holds: the bundle after JSON (NaN becomes null). */
const wire = (o: any) => JSON.parse(JSON.stringify(bundleOf(o)));
const refusal = (mime: any, data: unknown): string => {
  try { checkPayload(mime, data); } catch (e) { assert.ok(e instanceof PayloadError, String(e)); return e.message; }
  assert.fail("the payload was accepted");
};

describe("viz payload schemas", () => {
  manualSeed(5);
  const model = new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 4), new nn.ReLU());
  const builders: [string, () => any][] = [
    ["tensor", () => viz.tensor(randn([50, 40]), { name: "w" })],
    ["tensor with NaN and ±Inf", () => viz.tensor(tensor([1, NaN, Infinity, -Infinity]))],
    ["scalar tensor", () => viz.tensor(tensor(3))],
    ["4-D tensor", () => viz.tensor(randn([2, 3, 40, 50]))],
    ["weights (templates)", () => viz.weights(new nn.Linear(784, 10), { classNames: ["a", "b"] })],
    ["weights (filters)", () => viz.weights(new nn.Conv2d(3, 16, 5))],
    ["activations", () => viz.activations(model, randn([16, 8]))],
    ["compare", () => viz.compare({ a: model, b: model }, randn([16, 8]))],
    ["lossPlot", () => viz.lossPlot().update(1, { loss: 2 }).update(2, { loss: NaN, valLoss: 1.5, lr: 0.1 }).epochEnd().done()],
    ["line with a NaN", () => viz.line({ x: [1, 2, 3], y: [1, NaN, 3], name: "s" }, { title: "t", logY: true })],
    ["scatter", () => viz.scatter({ x: randn([30]), y: randn([30]) })],
    ["histogram", () => viz.histogram(randn([500]), { bins: 20 })],
    ["heatmap", () => viz.heatmap(randn([5, 6]), { xTicks: ["a"], yTicks: ["r0", "r1"] })],
    ["confusionMatrix", () => viz.confusionMatrix(randint(0, 4, [40]), randint(0, 4, [40]))],
    ["imshow RGB", () => viz.imshow(randn([3, 8, 8]).sigmoid())],
  ];
  for (const [name, make] of builders) {
    it(`${name}: the payload passes its schema after JSON`, () => {
      const b = wire(make());
      const mime = Object.keys(b).find((k) => k.startsWith("application/vnd.gradlab."))!;
      assert.doesNotThrow(() => checkPayload(mime as any, b[mime]));
    });
  }

  it("names the field and what it expected", () => {
    const good = wire(viz.line({ x: [1, 2], y: [3, 4] }))[MIME.chart];
    const at = (edit: (p: any) => void) => { const p = JSON.parse(JSON.stringify(good)); edit(p); return refusal(MIME.chart, p); };
    assert.equal(at((p) => { p.series[0].x[0] = '<a href="https://example.org">x</a>'; }),
      'series[0].x[0] must be a finite number or null; got a string ("<a href=\\"https://example.org\\">x<…")');
    assert.equal(at((p) => { delete p.series; }), "series must be present; got nothing");
    assert.equal(at((p) => { p.series[0].y = [1]; }), "series[0].y must be 2 values, one per x; got 1");
    assert.equal(at((p) => { p.title = { toString: 1 }; }), "title must be a string; got an object");
    assert.equal(at((p) => { p.kind = "pie"; }), 'kind must be one of "line", "scatter", "histogram", "heatmap", "confusion"; got a string ("pie")');
    assert.equal(refusal(MIME.chart, [1]), "the payload must be an object; got an array of 1");
  });

  it("says what is wrong with the version: a string, or one this gradlab does not know", () => {
    const good = wire(viz.line([1, 2]))[MIME.chart];
    assert.equal(refusal(MIME.chart, { ...good, version: "1" }), 'version must be the number 1; got a string ("1")');
    assert.match(refusal(MIME.chart, { ...good, version: 2 }), /^version must be 1 \(this output was made by a newer gradlab: update the gradlab extension\); got the number 2$/);
  });

  it("reads gaps (null, and NaN or ±Infinity from a page) as NaN, and refuses them where a number is required", () => {
    const p = wire(viz.line({ x: [0, 1, 2], y: [1, 2, 3] }))[MIME.chart];
    p.series[0].y = [null, NaN, Infinity];
    const c = checkPayload(MIME.chart, p) as any;
    assert.ok(c.series[0].y.every(Number.isNaN));
    const h = wire(viz.histogram([1, 2, 3]))[MIME.chart];
    h.histogram.counts[0] = Infinity;
    assert.match(refusal(MIME.chart, h), /^histogram\.counts\[0\] must be a finite number ≥ 0; got Infinity$/);
  });

  it("keeps only the schema's fields, and cuts long text", () => {
    const p = wire(viz.line([1, 2], { title: "x".repeat(5000) }))[MIME.chart];
    p.onclick = "alert(1)";
    p.series[0].hovertemplate = "<a href=x>";
    const c = checkPayload(MIME.chart, p) as any;
    assert.equal(c.onclick, undefined);
    assert.equal(c.series[0].hovertemplate, undefined);
    assert.equal(c.title.length, LIMITS.text);
  });

  it("refuses sizes past the caps before reading the values", () => {
    const p = wire(viz.heatmap(randn([2, 2])))[MIME.chart];
    assert.match(refusal(MIME.chart, { ...p, rows: 1e9, cols: 1e9 }), /^rows must be an integer in \[1, 16384\]; got the number 1000000000$/);
    assert.match(refusal(MIME.chart, { ...p, rows: 1000, cols: 1000 }), /^rows must be at most 250000 cells/);
    assert.match(refusal(MIME.chart, { ...p, z: new Array(LIMITS.cells + 1).fill(0) }), /^z must be an array of 0 to 250000 numbers or nulls; got an array of 250001$/);
  });
});

describe("viz builders refuse what is not numbers", () => {
  const message = (f: () => unknown): string => { try { f(); } catch (e) { return (e as Error).message; } return "(no error)"; };
  it("viz.line: x must be numbers", () => {
    assert.equal(message(() => viz.line({ name: "s", x: ['<a href="https://example.org/phish">re-login</a>', "b"] as any, y: [1, 2] })),
      "viz.line: x must be numbers; got a string at index 0");
    assert.equal(message(() => viz.line([1, "2" as any])), "viz.line: y must be numbers; got a string at index 1");
    assert.equal(message(() => viz.scatter([{ x: [1], y: [{}] as any }, { y: [1] }])), "viz.scatter: series 0's y must be numbers; got an object at index 0");
    assert.equal(message(() => viz.line({ length: 2, 0: "a", 1: "b" } as any)), "viz.line: y must be numbers (an array or a tensor); got undefined");
  });
  it("the other builders too, and text where text goes", () => {
    assert.equal(message(() => viz.histogram(["<b>1</b>"] as any)), "viz.histogram: values must be numbers; got a string at index 0");
    assert.equal(message(() => viz.heatmap([[1, 2], [3, "4" as any]])), "viz.heatmap: row 1 must be numbers; got a string at index 1");
    assert.equal(message(() => viz.heatmap([[1]], { xTicks: [{}] as any })), "viz.heatmap: xTicks must be strings; got an object at index 0");
    assert.equal(message(() => viz.heatmap([[1]], { xTicks: ["a", "b"] })), "viz.heatmap: xTicks has 2 labels for 1 columns");
    assert.equal(message(() => viz.line([1], { title: 5 as any })), "viz.line: title must be a string; got 5");
    assert.equal(message(() => viz.lossPlot().update(1, { loss: "0.5" as any })), 'lossPlot.update: "loss" must be a number; got "0.5"');
    assert.equal(message(() => viz.line([1], { maxPoints: 1e9 })), `viz.line: maxPoints must be an integer from 2 to ${LIMITS.points}; got 1000000000`);
  });
  it("every stated cap builds; one past it is refused", () => {
    const at = randn([500, 500]);
    assert.doesNotThrow(() => checkPayload(MIME.chart, wire(viz.heatmap(at))[MIME.chart]));
    assert.match(message(() => viz.heatmap(randn([501, 500]))), /^viz\.heatmap: 501×500 is too large to draw/);
    const n = LIMITS.points;
    const long = viz.line({ x: Array.from({ length: n }, (_, i) => i), y: Array.from({ length: n }, (_, i) => Math.sin(i)) }, { maxPoints: n });
    assert.equal((long.payload() as { series: { x: number[] }[] }).series[0].x.length, n);
  });
});
