// The numeric assertions: numpy's assert_allclose semantics, messages that point at the
// worst elements, shapes, and the gradient check's thresholds.
import { strict as assert } from "node:assert";
import { tensor, randn, expectClose, expectShape, checkGradient, testing, Tensor } from "../../core";

function message(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    assert.equal((e as Error).name, "AssertionError");
    return (e as Error).message;
  }
  assert.fail("expected the assertion to fail");
}

describe("assign: expectClose", () => {
  it("passes within atol + rtol·|expected| and fails just outside, as numpy", () => {
    expectClose(1.0000001, 1, { rtol: 1e-6 });
    expectClose(tensor([1, 2, 3]), [1.001, 2.002, 3.003], { rtol: 1e-3 });
    expectClose(0.5, 0.4, { atol: 0.1 + 1e-12 });
    message(() => expectClose(0.5, 0.4, { atol: 0.099 }));
    // Not symmetric: the tolerance scales with expected.
    expectClose(90, 100, { rtol: 0.1 });
    message(() => expectClose(100, 90, { rtol: 0.1 }));
  });

  it("uses numpy's defaults: rtol 1e-7, atol 0", () => {
    expectClose(1 + 5e-8, 1);
    message(() => expectClose(1 + 5e-7, 1));
    message(() => expectClose(1e-9, 0));
  });

  it("treats NaN as equal to NaN unless told not to; infinities must match", () => {
    expectClose([NaN, 1], [NaN, 1]);
    message(() => expectClose([NaN, 1], [NaN, 1], { equalNan: false }));
    message(() => expectClose(NaN, 1));
    expectClose([Infinity, -Infinity], [Infinity, -Infinity]);
    message(() => expectClose(Infinity, -Infinity, { atol: 1e300 }));
  });

  it("broadcasts as numpy and refuses shapes that do not fit", () => {
    expectClose(tensor([[1, 1], [1, 1]]), 1);
    expectClose(tensor([[1, 2], [1, 2]]), [1, 2]);
    const m = message(() => expectClose(tensor([[1, 2, 3]]), [1, 2]));
    assert.match(m, /shapes differ: actual \[1,3\], expected \[2\]/);
  });

  it("shows the worst elements first, with their indices", () => {
    const actual = tensor([[0, 1, 2], [3, 4, 5]], { dtype: "float64" });
    const m = message(() => expectClose(actual, [[0, 1.5, 2], [3, 4, 9]], { atol: 0.1, show: 2 }));
    assert.match(m, /2 of 6 elements differ \(shape \[2,3\]\)/);
    const worst = m.indexOf("at [1, 2]"), next = m.indexOf("at [0, 1]");
    assert.ok(worst > 0 && next > worst, m);
    assert.match(m, /actual 5, expected 9 \(\|diff\| 4\)/);
    assert.match(m, /max \|diff\| 4/);
  });

  it("says what was wrong with the arguments", () => {
    assert.throws(() => expectClose([[1, 2], [3]], [1]), /ragged/);
    assert.throws(() => expectClose("3", 3), /expected a tensor, a number or nested arrays/);
    assert.throws(() => expectClose(1, 1, { rtol: -1 }), /rtol and atol must be ≥ 0/);
  });
});

describe("assign: expectShape", () => {
  it("matches exact shapes, with -1 for any size", () => {
    expectShape(randn([2, 3]), [2, 3]);
    expectShape(randn([2, 3]), [-1, 3]);
    expectShape([[1, 2, 3]], [1, 3]);
    assert.match(message(() => expectShape(randn([3, 2]), [2, 3])), /wrong shape: got \[3,2\], expected \[2,3\]/);
    assert.match(message(() => expectShape(randn([6]), [2, 3], "scores")), /^scores: wrong shape/);
  });
});

describe("assign: checkGradient", () => {
  const x = () => randn([3, 4], { dtype: "float64", requiresGrad: true });

  it("passes a right gradient and reports topic 3's verdict", () => {
    const r = checkGradient((a: Tensor) => a.tanh().mul(a).sum(), [x()]);
    assert.ok(r.maxRelError <= testing.GRADIENT_THRESHOLDS.pass);
    assert.equal(testing.gradientVerdict(1e-9), "excellent");
    assert.equal(testing.gradientVerdict(1e-3), "suspicious");
    assert.equal(testing.gradientVerdict(0.5), "most likely wrong");
  });

  it("fails a wrong gradient and names the worst element", () => {
    // d(x·stop(x))/dx is x, not 2x: half the gradient is missing.
    const m = message(() => checkGradient((a: Tensor) => a.mul(a.detach()).sum(), [x()]));
    assert.match(m, /gradient check failed: max relative error .* > 0\.0001 \(most likely wrong\)/);
    assert.match(m, /worst: input 0, element \d+: analytic/);
  });
});
