// Every viz object's bundle: its gradlab mime type, a static fallback that parses (SVG
// as XML, PNG chunk by chunk), a text/plain, escaped user text, and a small size.
import { Svg } from "../../core/viz/svg";
import { strict as assert } from "node:assert";
import * as fs from "fs";
import { viz, randn, randint, manualSeed, nn, tensor } from "../../core";
import { MIME } from "../../core/viz/internal";
import { assertWellFormedXML, readPNG, rsvgRenders } from "./check";

const DISPLAY = Symbol.for("Jupyter.display");
const EVIL = "<img src=x onerror=alert(1)>";
const bundleOf = (o: any) => o[DISPLAY]() as Record<string, any>;

function checkSVG(svg: string): void {
  const { root, elements } = assertWellFormedXML(svg);
  assert.equal(root, "svg");
  assert.ok(elements > 10, `only ${elements} elements drawn`);
  const [w, h] = [Number(svg.match(/width="(\d+)"/)![1]), Number(svg.match(/height="(\d+)"/)![1])];
  assert.ok(w >= 200 && h >= 150, `sized ${w}×${h}`);
}

describe("viz bundles and their fallbacks", () => {
  manualSeed(3);
  const cases: [string, () => any, string, string][] = [
    ["tensor", () => viz.tensor(randn([50, 40])), MIME.tensor, "image/svg+xml"],
    ["weights", () => viz.weights(new nn.Linear(784, 10)), MIME.images, "image/png"],
    ["activations", () => viz.activations(new nn.Sequential(new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 4), new nn.ReLU()), randn([16, 8])), MIME.histograms, "image/svg+xml"],
    ["lossPlot", () => viz.lossPlot().update(1, { loss: 2 }).update(2, { loss: 1, valLoss: 1.5 }).done(), MIME.lossplot, "image/svg+xml"],
    ["line", () => viz.line([1, 3, 2]), MIME.chart, "image/svg+xml"],
    ["scatter", () => viz.scatter({ x: randn([30]), y: randn([30]) }), MIME.chart, "image/svg+xml"],
    ["histogram", () => viz.histogram(randn([500])), MIME.chart, "image/svg+xml"],
    ["heatmap", () => viz.heatmap(randn([5, 6])), MIME.chart, "image/svg+xml"],
    ["confusionMatrix", () => viz.confusionMatrix(randint(0, 4, [40]), randint(0, 4, [40])), MIME.chart, "image/svg+xml"],
    ["imshow", () => viz.imshow(randn([3, 8, 8]).sigmoid()), MIME.images, "image/png"],
  ];
  for (const [name, make, mime, fallback] of cases) {
    it(`${name}: ${mime} + ${fallback} + text/plain`, () => {
      const b = bundleOf(make());
      // An SVG also comes as an <img> in text/html, which nbconvert 6's HTML export keeps whole.
      const html = fallback === "image/svg+xml" ? ["text/html"] : [];
      assert.deepEqual(Object.keys(b).sort(), [mime, fallback, "text/plain", ...html].sort());
      if (html.length) {
        const m = /^<img alt="([^"]*)" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)">$/.exec(b["text/html"]);
        assert.ok(m, b["text/html"].slice(0, 80));
        assert.equal(Buffer.from(m![2], "base64").toString(), b["image/svg+xml"]);
        assert.ok(!/[<>]/.test(m![1]), "the alt text is escaped");
      }
      assert.equal(b[mime].version, 1);
      assert.ok(typeof b["text/plain"] === "string" && b["text/plain"].length > 0);
      assert.doesNotThrow(() => JSON.parse(JSON.stringify(b[mime])), "payload is plain JSON");
      if (fallback === "image/svg+xml") checkSVG(b[fallback]);
      else {
        const png = readPNG(Buffer.from(b[fallback], "base64"));
        assert.equal(png.colourType, 2);
        assert.ok(png.width >= 8 && png.height >= 8);
      }
    });
  }

  it("writes path coordinates to 0.1 px, signs and all", () => {
    const svg = new Svg(10, 10).polyline([0, 1.25, -3.04, 2.96, -1.26, NaN, 4], [0.04, -0.05, 10, 7.999, 2, 1, 5]).toString();
    assert.match(svg, /<path d="M0 0L1\.3 0L-3 10L3 8L-1\.3 2M4 5"/);
  });

  it("a live loss plot's updates carry the SVG, and only its final state the <img> copy too", () => {
    const plot = viz.lossPlot().update(1, { loss: 2 });
    assert.deepEqual(Object.keys(bundleOf(plot)).sort(), [MIME.lossplot, "image/svg+xml", "text/plain"].sort());
    assert.ok("text/html" in bundleOf(plot.done()));
  });

  it("the PNG of a weight grid has make_grid's size (times an integer zoom) and the diverging colours", () => {
    const w = tensor([[-1, 0, 0, 1], [1, 1, 1, 1]]); // two 2×2 templates
    const b = bundleOf(viz.weights(w, { padding: 1, padValue: 1, nrow: 2 }));
    const png = readPNG(Buffer.from(b["image/png"], "base64"));
    const gw = 2 * (2 + 1) + 1, gh = 1 * (2 + 1) + 1;
    const k = png.width / gw;
    assert.ok(Number.isInteger(k) && k >= 1 && png.height === gh * k, `${png.width}×${png.height} is not a zoom of ${gw}×${gh}`);
    const px = (x: number, y: number) => [...png.pixels.subarray((y * k * png.width + x * k) * 3, (y * k * png.width + x * k) * 3 + 3)];
    assert.deepEqual(px(0, 0), [255, 255, 255], "padding is padValue 1 (white)");
    const [neg, zero, pos] = [px(1, 1), px(2, 1), px(2, 2)];
    assert.ok(neg[2] > neg[0], "negative is blue");
    assert.ok(pos[0] > pos[2], "positive is red");
    assert.ok(zero.every((c) => c > 240), "zero is white");
  });

  it(`escapes a name like ${EVIL} in SVG and keeps it as plain text`, () => {
    const t = randn([4]);
    t.name = EVIL;
    const b = bundleOf(viz.tensor(t));
    assert.ok(!b["image/svg+xml"].includes("<img"), "raw <img in the SVG");
    assert.ok(b["image/svg+xml"].includes("&lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(b["text/plain"].startsWith(EVIL));
    assert.equal(b[MIME.tensor].name, EVIL);
    const plot = bundleOf(viz.lossPlot({ title: EVIL }).update(1, { [EVIL]: 1 }));
    assertWellFormedXML(plot["image/svg+xml"]);
    assert.ok(!plot["image/svg+xml"].includes("<img"));
    const cm = bundleOf(viz.confusionMatrix(tensor([[1, 2], [3, 4]], { dtype: "int32" }), undefined, { classNames: [EVIL, "b&c"] }));
    assertWellFormedXML(cm["image/svg+xml"]);
    assert.ok(cm["image/svg+xml"].includes("b&amp;c"));
  });

  it("keeps a 1e6-element tensor's bundle under 200 kB", () => {
    const b = bundleOf(viz.tensor(randn([1000, 1000])));
    const size = JSON.stringify(b).length;
    assert.ok(size < 200_000, `${size} bytes`);
    const p = b[MIME.tensor];
    assert.equal(p.sampled, true);
    assert.equal(p.values.length, p.shownShape.reduce((a: number, c: number) => a * c, 1));
    assert.equal(p.stats.count, 1e6);
  });

  it("keeps every value of a small tensor, with NaN and ±Inf as JSON strings", () => {
    const p = viz.tensor(tensor([[1, NaN], [Infinity, -Infinity]])).payload();
    assert.equal(p.sampled, false);
    assert.deepEqual(p.values, [1, "NaN", "Infinity", "-Infinity"]);
    assert.deepEqual([p.stats.nan, p.stats.posInf, p.stats.negInf, p.stats.count], [1, 1, 1, 4]);
  });

  it("every SVG fallback renders in a real SVG library (rsvg-convert)", function () {
    if (rsvgRenders("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"2\" height=\"2\"/>") === null) {
      this.skip(); // rsvg-convert (Debian's librsvg2-bin) is not installed; the XML checks above still ran
    }
    for (const [name, make, , fallback] of cases) {
      if (fallback === "image/svg+xml") assert.ok(rsvgRenders(bundleOf(make())[fallback]), `${name}: rsvg-convert could not render it`);
    }
  });

  it("writes the fallbacks to /tmp/viz-look for a person to look at", () => {
    fs.mkdirSync("/tmp/viz-look", { recursive: true });
    for (const [name, make, , fallback] of cases) {
      const b = bundleOf(make());
      if (fallback === "image/png") fs.writeFileSync(`/tmp/viz-look/test-${name}.png`, Buffer.from(b[fallback], "base64"));
      else fs.writeFileSync(`/tmp/viz-look/test-${name}.svg`, b[fallback]);
    }
  });
});
