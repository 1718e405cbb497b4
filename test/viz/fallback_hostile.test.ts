// The static fallbacks core writes, with the largest grids the builders allow and with
// hostile text in every text field: well-formed SVG, drawn only with gradlab's own
// elements, and no attribute that carries data.
import { strict as assert } from "node:assert";
import { viz, randn, randint, manualSeed, nn, tensor } from "../../core";
import { assertWellFormedXML, readPNG, rsvgRenders } from "./check";

const DISPLAY = Symbol.for("Jupyter.display");
const bundleOf = (o: any) => o[DISPLAY]() as Record<string, any>;
/** The elements gradlab's SVG writer draws with (core/viz/svg.ts). */
const OWN = new Set(["svg", "rect", "line", "text", "path", "circle", "image"]);

/** The element names and attribute values of an SVG (well-formed, checked first). */
function parts(svg: string): { elements: Set<string>; attributes: string[] } {
  assertWellFormedXML(svg);
  const elements = new Set([...svg.matchAll(/<([A-Za-z][\w:-]*)/g)].map((m) => m[1]));
  const attributes = [...svg.matchAll(/\s[\w:-]+="([^"]*)"/g)].map((m) => m[1]);
  return { elements, attributes };
}

const MARK = "GLXMARK";
const HOSTILE = [
  `<a href="https://example.org/${MARK}" target="_blank">re-login</a>`,
  `<span style="font-size:40px;cursor:url(/${MARK}),auto">BIG</span>`,
  `<img src=x onerror=alert('${MARK}')>`, `"><script>alert('${MARK}')</script>`, `$\\href{javascript:alert(1)}{${MARK}}$`,
  `${MARK}&amp;&lt;b&gt;`, `]]><!-- ${MARK}`,
];

describe("viz fallbacks: big grids and hostile text", () => {
  manualSeed(11);

  it("a 500×500 heatmap and confusion matrix draw in the SVG fallback, at a sane size", function () {
    this.timeout(120000);
    for (const v of [viz.heatmap(randn([500, 500])), viz.confusionMatrix(randint(0, 50, [500, 500]))]) {
      const b = bundleOf(v);
      const svg: string = b["image/svg+xml"];
      const { elements } = parts(svg);
      assert.ok(elements.has("image"), "the cells are one embedded image");
      assert.ok(svg.length < 2_000_000, `${svg.length} bytes of SVG`);
      assert.ok(b["text/plain"].length > 0);
      const ok = rsvgRenders(svg);
      if (ok !== null) assert.ok(ok, "rsvg-convert renders it");
    }
  });

  it("the embedded image holds the cells' colours (a diverging map: blue, white, red)", () => {
    const svg: string = bundleOf(viz.heatmap(tensor(Array.from({ length: 100 }, (_, i) => Array.from({ length: 100 }, (_, j) => (j < 50 ? -1 : 1) * (i + 1))))))["image/svg+xml"];
    const png = readPNG(Buffer.from(/xlink:href="data:image\/png;base64,([^"]+)"/.exec(svg)![1], "base64"));
    assert.deepEqual([png.width, png.height], [100, 100], "one pixel per cell");
    const px = (x: number, y: number) => [...png.pixels.subarray((y * 100 + x) * 3, (y * 100 + x) * 3 + 3)];
    const [blue, red, pale] = [px(0, 99), px(99, 99), px(99, 0)];
    assert.ok(blue[2] > 2 * blue[0], `-100 is blue: ${blue}`);
    assert.ok(red[0] > 2 * red[2], `+100 is red: ${red}`);
    assert.ok(pale.every((c) => c > 200), `+1 of ±100 is near white: ${pale}`);
  });

  for (const evil of HOSTILE) {
    it(`text ${JSON.stringify(evil.slice(0, 40))} stays text in every SVG fallback`, () => {
      const t = randn([6, 6]);
      t.name = evil;
      const svgs = [
        viz.tensor(t),
        viz.line({ name: evil, y: [1, 2, 3] }, { title: evil, xLabel: evil, yLabel: evil }),
        viz.scatter([{ name: evil, x: [1, 2], y: [2, 1] }, { name: "b", y: [1, 1] }], { title: evil }),
        viz.histogram(randn([100]), { title: evil, xLabel: evil }),
        viz.heatmap(randn([3, 4]), { title: evil, xLabel: evil, yLabel: evil, xTicks: [evil, "a", "b", "c"], yTicks: [evil] }),
        viz.heatmap(randn([80, 80]), { title: evil, xTicks: Array(80).fill(evil), yTicks: Array(80).fill(evil) }),
        viz.confusionMatrix(tensor([[1, 2], [3, 4]], { dtype: "int32" }), undefined, { classNames: [evil, evil], title: evil }),
        viz.lossPlot({ title: evil, xLabel: evil }).update(1, { [evil]: 1, loss: 2 }).epochEnd(),
        viz.activations(new nn.Sequential(new nn.Linear(4, 4), new nn.Tanh()), randn([8, 4]), { title: evil, run: evil }),
      ].map((v) => bundleOf(v));
      for (const b of svgs) {
        const svg: string = b["image/svg+xml"];
        const { elements, attributes } = parts(svg);
        assert.deepEqual([...elements].filter((e) => !OWN.has(e)), [], "only gradlab's own elements");
        assert.deepEqual(attributes.filter((a) => a.includes(MARK)), [], "no attribute carries the data");
        assert.ok(svg.includes(MARK), "the text is there, as text");
        const alt = /^<img alt="([^"]*)"/.exec(b["text/html"] ?? '<img alt=""')![1];
        assert.ok(!/[<>"]/.test(alt), `the <img> alt is escaped: ${alt}`);
      }
    });
  }
});
