// Bad input gets an error in the user's terms, and the process goes on.
import { strict as assert } from "node:assert";
import { tensor, zeros, ones, randn, arange, full, F, cat, ShapeError, DTypeError, ValueError } from "../../core";
import { forEachBackend } from "../helpers";

function throwsLike(fn: () => unknown, kind: Function, message: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof kind, `expected ${kind.name}, got ${e.name}: ${e.message}`);
    assert.match(e.message, message);
    return true;
  });
}

forEachBackend("errors in the user's terms", () => {
  it("matmul names both shapes and the inner sizes", () => {
    throwsLike(() => zeros([2, 3]).matmul(zeros([4, 5])), ShapeError,
      /^matmul: cannot multiply \[2,3\] by \[4,5\] \(inner sizes 3 and 4 differ\)$/);
    throwsLike(() => zeros([2, 3]).matmul(zeros([3], { dtype: "float64" })), DTypeError, /same dtype, got float32 and float64/);
    throwsLike(() => zeros([2, 3], { dtype: "int32" }).matmul(zeros([3, 2], { dtype: "int32" })), DTypeError, /floating-point/);
  });

  it("broadcasting says which dimension clashes", () => {
    throwsLike(() => ones([2, 3]).add(ones([4])), ShapeError, /add: shapes \[2,3\] and \[4\] cannot be broadcast together \(dimension -1 has sizes 3 and 4\)/);
  });

  it("conv and pool sizes that do not fit", () => {
    const x = zeros([1, 3, 7, 7]);
    throwsLike(() => F.conv2d(x, zeros([2, 4, 3, 3])), ShapeError, /weight \[2,4,3,3\] expects 4 input channels but the input \[1,3,7,7\] has 3/);
    throwsLike(() => F.conv2d(x, zeros([2, 3, 9, 9])), ShapeError, /window \(9\) is larger than the rows \(7\)/);
    throwsLike(() => F.conv2d(x, zeros([2, 3, 3, 3]), null, { stride: 3 }), ShapeError, /does not fit/);
    throwsLike(() => F.conv2d(x, zeros([4, 1, 3, 3]), null, { groups: 2 }), ShapeError, /groups \(2\) must divide both the input channels \(3\)/);
    throwsLike(() => F.conv2d(zeros([3, 7]), zeros([2, 3, 3, 3])), ShapeError, /expected input of shape \(N, C, H, W\)/);
    throwsLike(() => F.maxPool2d(x, { kernelSize: 2 }), ShapeError, /maxPool2d: a window of 2 with stride 2 does not fit/);
    assert.deepEqual(F.maxPool2d(x, { kernelSize: 2, ceilMode: true }).shape, [1, 3, 4, 4]);
    throwsLike(() => F.maxPool2d(x, { kernelSize: 2, padding: 2 }), ValueError, /padding \(2, 2\) must be at most half the window/);
    throwsLike(() => F.conv2d(x, zeros([2, 3, 3, 3]), zeros([3])), ShapeError, /bias must have shape \[2\]/);
  });

  it("dtype mismatches", () => {
    throwsLike(() => F.conv2d(zeros([1, 1, 3, 3]), zeros([1, 1, 2, 2], { dtype: "float64" })), DTypeError, /input is float32 but weight is float64/);
    throwsLike(() => F.conv2d(zeros([1, 1, 3, 3]), zeros([2, 1, 2, 2]), zeros([2], { dtype: "float64" })), DTypeError, /bias is float64 but input is float32/);
    throwsLike(() => zeros([3]).indexSelect(0, tensor([0.5])), DTypeError, /indices must be an int32 tensor, got float32/);
    throwsLike(() => zeros([3], { dtype: "int32", requiresGrad: true }), DTypeError, /only floating-point tensors can require gradients/);
    throwsLike(() => cat([zeros([2]), zeros([2], { dtype: "float64" })]), DTypeError, /tensor 0 is float32 and tensor 1 is float64/);
    throwsLike(() => zeros([2], { dtype: "float16" as any }), DTypeError, /dtype must be one of float32, float64, int32, bool, got "float16"/);
  });

  it("NaN where an op cannot accept it", () => {
    throwsLike(() => tensor([1, NaN], { dtype: "int32" }), ValueError, /cannot store NaN in an int32 tensor \(element 1\)/);
    throwsLike(() => tensor([1, NaN]).int(), RangeError, /cannot convert NaN to int32/);
    throwsLike(() => tensor([Infinity]).to("int32"), RangeError, /cannot convert Infinity to int32/);
    throwsLike(() => arange(0, NaN), ValueError, /end must be a finite number, got NaN/);
    throwsLike(() => full([2], NaN, { dtype: "int32" }), ValueError, /cannot fill an int32 tensor with NaN/);
    throwsLike(() => zeros([2, NaN]), ValueError, /not a non-negative integer \(NaN\)/);
    throwsLike(() => randn([-1]), ValueError, /not a non-negative integer \(-1\)/);
  });

  it("out-of-range indices and dims", () => {
    throwsLike(() => zeros([3, 4]).indexSelect(1, [0, 4]), ValueError, /indexSelect: index 4 is out of range for a dimension of size 4/);
    throwsLike(() => zeros([3, 4]).gather(1, tensor([[5]], { dtype: "int32" })), ValueError, /gather: index 5 is out of range/);
    throwsLike(() => zeros([3, 4]).index(3), ValueError, /index 3 is out of range for dimension 0 of size 3/);
    throwsLike(() => zeros([3, 4]).sum(2), ValueError, /sum: dim 2 is out of range for a tensor with 2 dimensions \(expected -2\.\.1\)/);
    throwsLike(() => zeros([3, 4]).reshape([5, -1]), ShapeError, /cannot reshape \[3,4\] \(12 elements\) into \[5,-1\]/);
    throwsLike(() => zeros([3, 4]).item(), ValueError, /only a tensor with one element has an item/);
  });

  it("ragged and malformed arrays", () => {
    throwsLike(() => tensor([[1, 2], [3]] as any), ShapeError, /ragged: row \[1\] has 1 elements, expected 2/);
    throwsLike(() => tensor([1, "a"] as any), ValueError, /element \[1\] is "a", not a number/);
  });

  it("backward on something without a graph, or non-scalar without a gradient", () => {
    throwsLike(() => ones([2]).sum().backward(), ValueError, /does not require a gradient/);
    const x = ones([2, 2], { requiresGrad: true });
    throwsLike(() => x.mul(2).backward(), ShapeError, /single-element output; this one has shape \[2,2\]/);
    const y = x.mul(x).sum();
    y.backward();
    throwsLike(() => y.backward(), ValueError, /freed by an earlier backward\(\)/);
  });

  it("in-place changes to tensors in a graph are refused outside noGrad", () => {
    const w = ones([2], { requiresGrad: true });
    throwsLike(() => w.add_(1), ValueError, /in place while gradients are recorded; wrap the update in noGrad/);
  });
});
