// make_grid: layout, padding and normalisation checked against torchvision's documented
// semantics (torchvision is not installed here, so the expected grids are built from
// its formulas independently, pixel by pixel).
import { strict as assert } from "node:assert";
import { viz, tensor, randn, manualSeed, nn, Tensor } from "../../core";

/** The expected grid value at (c, y, x), from torchvision's formula, or null for padding. */
function expectedAt(imgs: number[][][][], nrow: number, pad: number, c: number, y: number, x: number): number | null {
  const [H, W] = [imgs[0][0].length, imgs[0][0][0].length];
  const xmaps = Math.min(nrow, imgs.length);
  const cy = Math.floor((y - pad) / (H + pad)), cx = Math.floor((x - pad) / (W + pad));
  const iy = y - pad - cy * (H + pad), ix = x - pad - cx * (W + pad);
  if (y < pad || x < pad || iy >= H || ix >= W || cx >= xmaps) return null;
  const k = cy * xmaps + cx;
  if (k >= imgs.length) return null;
  return imgs[k][imgs[k].length === 1 ? 0 : c][iy][ix];
}

describe("viz.makeGrid (torchvision make_grid semantics)", () => {
  for (const [B, nrow, pad] of [[5, 2, 2], [8, 8, 1], [7, 3, 0], [3, 8, 4]]) {
    it(`lays out ${B} images, nrow ${nrow}, padding ${pad}`, () => {
      manualSeed(B);
      const t = randn([B, 1, 4, 3]);
      const g = viz.makeGrid(t, { nrow, padding: pad, padValue: -7 });
      const xmaps = Math.min(nrow, B), ymaps = Math.ceil(B / xmaps);
      assert.deepEqual(g.shape, [3, ymaps * (4 + pad) + pad, xmaps * (3 + pad) + pad]);
      const imgs = t.toArray() as number[][][][];
      const d = g.toArray() as number[][][];
      for (let c = 0; c < 3; c++) for (let y = 0; y < g.shape[1]; y++) for (let x = 0; x < g.shape[2]; x++) {
        const e = expectedAt(imgs, nrow, pad, c, y, x);
        assert.equal(d[c][y][x], e === null ? -7 : Math.fround(e), `grid[${c}][${y}][${x}]`);
      }
    });
  }

  it("returns a single image without padding, grey channels tripled", () => {
    const g = viz.makeGrid(tensor([[[1, 2], [3, 4]]]), { padding: 5 });
    assert.deepEqual(g.shape, [3, 2, 2]);
    assert.deepEqual((g.toArray() as number[][][])[2], [[1, 2], [3, 4]]);
  });

  it("normalize maps the batch's min..max to 0..1", () => {
    const t = tensor([[[[-2, 0]]], [[[2, 6]]]]);
    const g = viz.makeGrid(t, { normalize: true, padding: 0 });
    assert.deepEqual(Array.from(g.data).slice(0, 4), [0, 0.25, 0.5, 1]);
  });

  it("normalize with valueRange clamps then scales", () => {
    const g = viz.makeGrid(tensor([[[[-5, 0, 0.5, 9]]], [[[1, 1, 1, 1]]]]), { normalize: true, valueRange: [0, 1], padding: 0 });
    assert.deepEqual(Array.from(g.data).slice(0, 8), [0, 0, 0.5, 1, 1, 1, 1, 1]);
  });

  it("scaleEach normalises each image by its own range", () => {
    const g = viz.makeGrid(tensor([[[[0, 10]]], [[[100, 300]]]]), { normalize: true, scaleEach: true, padding: 0 });
    assert.deepEqual(Array.from(g.data).slice(0, 4), [0, 1, 0, 1]);
    const shared = viz.makeGrid(tensor([[[[0, 10]]], [[[100, 300]]]]), { normalize: true, padding: 0 });
    assert.ok(Math.abs(shared.data[1] - 10 / 300) < 1e-6);
  });

  it("refuses what make_grid cannot lay out, in the user's terms", () => {
    assert.throws(() => viz.makeGrid(randn([2, 2, 2, 2, 2])), /makeGrid: expected images/);
    assert.throws(() => viz.makeGrid(randn([2, 1, 2, 2]), { nrow: 0 }), /nrow must be a positive integer/);
    assert.throws(() => viz.makeGrid(randn([2, 1, 2, 2]), { valueRange: [1, 0] as [number, number] }), /valueRange/);
  });
});

describe("viz.weights", () => {
  it("shows a linear classifier's rows as 28×28 templates with class names", () => {
    manualSeed(1);
    const lin = new nn.Linear(784, 10);
    const p = viz.weights(lin, { classNames: Array.from({ length: 10 }, (_, i) => `c${i}`) }).payload();
    assert.equal(p.tiles.length, 10);
    assert.deepEqual([p.tiles[3].height, p.tiles[3].width, p.tiles[3].channels], [28, 28, 1]);
    assert.equal(p.tiles[3].label, "c3");
    // Row 3, pixel (5, 7) is weight[3][5*28+7].
    assert.ok(Math.abs(p.tiles[3].data[5 * 28 + 7] - lin.weight.data[3 * 784 + 5 * 28 + 7]) < 1e-3 * Math.abs(lin.weight.data[3 * 784 + 5 * 28 + 7]) + 1e-7);
    assert.equal(p.colormap, "diverging");
    assert.equal(p.valueRange[0], -p.valueRange[1], "diverging scale is centred at zero");
  });

  it("shows CIFAR templates (3×32×32) as RGB tiles in [0, 1]", () => {
    const w = randn([10, 3072]);
    const p = viz.weights(w, { normalize: true, scaleEach: true }).payload();
    assert.deepEqual([p.tiles[0].height, p.tiles[0].channels], [32, 3]);
    for (const t of p.tiles) {
      assert.ok(Math.min(...t.data) === 0 && Math.max(...t.data) === 1);
      // Red at pixel 0 is weight[k][0]; green is weight[k][1024] (PyTorch's channel-first flatten).
    }
    const k = 2, lo = p.tiles[k].range[0], hi = p.tiles[k].range[1];
    assert.ok(Math.abs(p.tiles[k].data[1] - (w.data[k * 3072 + 1024] - lo) / (hi - lo)) < 1e-3);
  });

  it("gives RGB tiles for 3-channel filters and one tile per channel otherwise", () => {
    assert.equal(viz.weights(new nn.Conv2d(3, 6, 5)).payload().tiles.length, 6);
    const p = viz.weights(new nn.Conv2d(4, 5, 3)).payload();
    assert.equal(p.tiles.length, 20);
    assert.equal(p.tiles[0].channels, 1);
    assert.equal(p.nrow, 4, "one row per output filter");
  });

  it("says when a weight cannot be an image", () => {
    assert.throws(() => viz.weights(randn([10, 1000])), /cannot see 1000 weights per class as a square image; give imageShape/);
    assert.throws(() => viz.weights(new nn.ReLU() as any), /expected a layer with a weight/);
    assert.throws(() => viz.weights(randn([3, 3, 3]) as Tensor), /templates need a weight \(classes, features\)/);
  });
});
