// Convolution and pooling geometry is built and checked once, by conv2dGeometry and
// pool2dGeometry (core/ops/window.ts), into named objects that every backend's kernels
// read by field: the output size is computed there, and bad sizes are refused there in
// the ops' own words (stride, padding, kernelSize, groups), not by position.
import { strict as assert } from "node:assert";
import { conv2dGeometry, pool2dGeometry } from "../../core/ops/window";

const convSizes = {
  batch: 2, inChannels: 4, inHeight: 9, inWidth: 8, outChannels: 6, kernelHeight: 3, kernelWidth: 2,
  strideH: 2, strideW: 2, paddingH: 1, paddingW: 1, dilationH: 2, dilationW: 2, groups: 2,
};
const poolSizes = {
  batch: 1, channels: 3, inHeight: 7, inWidth: 7, kernelHeight: 2, kernelWidth: 2,
  strideH: 2, strideW: 2, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1,
};

describe("convolution and pooling geometry", () => {
  it("conv2dGeometry computes PyTorch's output size and keeps every size by name", () => {
    const g = conv2dGeometry("conv2d", convSizes);
    // (9 + 2 − 2·2 − 1)/2 + 1 = 4 rows, (8 + 2 − 2·1 − 1)/2 + 1 = 4 columns.
    assert.deepEqual({ ...g }, { ...convSizes, outHeight: 4, outWidth: 4 });
    assert.ok(Object.isFrozen(g), "a geometry is read by several kernels and must not change between them");
  });

  it("conv2dGeometry refuses bad sizes naming the parameter", () => {
    assert.throws(() => conv2dGeometry("conv2d", { ...convSizes, strideW: 0 }), /^ValueError: conv2d: stride \(width\) must be an integer ≥ 1, got 0$/);
    assert.throws(() => conv2dGeometry("conv2d", { ...convSizes, paddingH: -1 }), /^ValueError: conv2d: padding \(height\) must be an integer ≥ 0, got -1$/);
    assert.throws(() => conv2dGeometry("conv2d", { ...convSizes, kernelHeight: 1.5 }), /^ValueError: conv2d: kernelSize \(height\) must be an integer ≥ 1, got 1.5$/);
    assert.throws(() => conv2dGeometry("conv2d", { ...convSizes, groups: 3 }),
      /conv2d: groups \(3\) must divide both the input channels \(4\) and the output channels \(6\)/);
    // A window that does not fit: refused unless dropRemainder, as the op itself does.
    const uneven = { ...convSizes, dilationH: 1, dilationW: 1, paddingH: 0, paddingW: 0, inHeight: 8 };
    assert.throws(() => conv2dGeometry("conv2d", uneven), /conv2d: a window of 3 with stride 2 does not fit/);
    assert.equal(conv2dGeometry("conv2d", uneven, true).outHeight, 3);
  });

  it("pool2dGeometry computes floor and ceil mode output sizes", () => {
    assert.equal(pool2dGeometry("maxPool2d", poolSizes, { dropRemainder: true }).outHeight, 3);
    const ceil = pool2dGeometry("maxPool2d", poolSizes, { ceilMode: true });
    assert.deepEqual([ceil.outHeight, ceil.outWidth], [4, 4]);
    assert.deepEqual(Object.keys(ceil).sort(), [...Object.keys(poolSizes), "outHeight", "outWidth"].sort());
  });

  it("pool2dGeometry refuses padding over half the window and bad sizes, naming them", () => {
    assert.throws(() => pool2dGeometry("avgPool2d", { ...poolSizes, paddingW: 2 }, { ceilMode: true }),
      /^ValueError: avgPool2d: padding \(0, 2\) must be at most half the window \(2×2\)$/);
    assert.throws(() => pool2dGeometry("maxPool2d", { ...poolSizes, dilationH: 0 }), /^ValueError: maxPool2d: dilation \(height\) must be an integer ≥ 1, got 0$/);
  });
});
