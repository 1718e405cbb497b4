// A line chart with many series wraps its legend onto more rows (and grows to hold them)
// instead of running its last entries off the picture.
import { strict as assert } from "node:assert";
import { viz } from "../../core";

const svgOf = (o: any): string => o[Symbol.for("Jupyter.display")]()["image/svg+xml"];

describe("viz.line legends", () => {
  it("keeps every entry of a long legend inside the picture", () => {
    const names = ["ReLU", "leaky ReLU 0.01", "leaky ReLU 0.1", "ELU", "SELU", "softplus", "GELU"].map((n) => n + "′");
    const svg = svgOf(viz.line(names.map((name, i) => ({ name, x: [0, 1], y: [i, i + 1] }))));
    const width = Number(/width="(\d+)"/.exec(svg)![1]), height = Number(/height="(\d+)"/.exec(svg)![1]);
    assert.ok(height > 340, `the chart grows for a second legend row (height ${height})`);
    for (const name of names) {
      const m = new RegExp(`<text[^>]*x="([\\d.]+)"[^>]*y="([\\d.]+)"[^>]*>${name}</text>`).exec(svg);
      assert.ok(m, `${name} is in the legend`);
      const [x, y] = [Number(m![1]), Number(m![2])];
      assert.ok(x + 6.5 * name.length <= width && y <= height, `${name} at (${x}, ${y}) runs off ${width}×${height}`);
    }
  });
  it("leaves a short legend on one row at the usual size", () => {
    const svg = svgOf(viz.line([{ name: "a", y: [1, 2] }, { name: "b", y: [2, 1] }]));
    assert.match(svg, /height="340"/);
  });
});
