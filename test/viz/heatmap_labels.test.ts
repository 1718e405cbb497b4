// A heatmap's SVG labels every cell with its value, or none: never only the cells whose
// label happens to be short (which drew a stray pattern of "1"s over a probability map).
import { strict as assert } from "node:assert";
import { viz, tensor, linspace } from "../../core";

const svgOf = (o: any): string => o[Symbol.for("Jupyter.display")]()["image/svg+xml"];
const cellLabels = (svg: string) => (svg.match(/<text[^>]*font-size="10"[^>]*>/g) ?? []).length;

describe("viz.heatmap cell labels", () => {
  it("labels all cells of a small map", () => {
    assert.equal(cellLabels(svgOf(viz.heatmap(tensor([[0.25, 1], [0, -0.5]])))), 4);
  });
  it("labels no cell of a large map whose values do not all fit, even where some would", () => {
    const z = linspace(0, 1, 41 * 41).reshape([41, 41]).clamp(0, 0.5).mul(2); // many exact 1s among 0.xx values
    assert.equal(cellLabels(svgOf(viz.heatmap(z))), 0);
  });
});
