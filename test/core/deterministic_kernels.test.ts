// Deterministic mode kernel by kernel: every kernel (every op of the op-coded ones) gives
// the same bits on the native backend, on every instruction-set path, with one thread and
// two and with every call in C++, as on the TypeScript backend; outside the mode many do not.
import { strict as assert } from "node:assert";
import { jsKernels } from "../../core/backend/js";
import { deterministicConv, type ColumnKernels } from "../../core/backend/det_conv";
import { loadAddon } from "../../core/backend/addon";
import type { Conv2dGeometry } from "../../core/backend/kernels";
import { convGeometry } from "../geometry";
import { configurations, describeConfig, runIn, type Config } from "./deterministic/runs";

type Digests = Record<string, string>;
const digestsOf = (c: Config, mode: string) => runIn<Digests>("kernels_digest", c, c.backend, String(c.threads), String(c.smallWork), mode);

/** The kernels whose digests differ between two runs. */
const differing = (a: Digests, b: Digests) => Object.keys(a).filter((k) => a[k] !== b[k]);

describe("deterministic mode's convolution", () => {
  // Agreeing with itself everywhere proves nothing if it computes something else: against
  // the reference's direct loops, in float64 (where only the order of the sums differs);
  // with its column loops in TypeScript, and with the addon's.
  const addon = loadAddon().addon;
  const columns: [string, ColumnKernels | undefined][] = [["TypeScript columns", undefined]];
  if (addon?.im2col && addon.col2imAdd) columns.push(["the addon's columns", { im2col: addon.im2col.bind(addon), col2imAdd: addon.col2imAdd.bind(addon) }]);
  let seed = 7;
  const data = (n: number) => Float64Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5);
  const cases: [string, Conv2dGeometry][] = [
    ["3x3, padding 1", convGeometry({ batch: 2, inChannels: 3, inHeight: 7, inWidth: 6, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
      outHeight: 7, outWidth: 6, paddingH: 1, paddingW: 1 })],
    ["3x2, stride 2, padding 1, dilation 2, 2 groups", convGeometry({ batch: 2, inChannels: 4, inHeight: 9, inWidth: 8, outChannels: 6,
      kernelHeight: 3, kernelWidth: 2, outHeight: 4, outWidth: 4, strideH: 2, strideW: 2, paddingH: 1, paddingW: 1, dilationH: 2, dilationW: 2, groups: 2 })],
    ["1x1, stride 2, no padding", convGeometry({ batch: 3, inChannels: 2, inHeight: 5, inWidth: 5, outChannels: 3, kernelHeight: 1, kernelWidth: 1,
      outHeight: 3, outWidth: 3, strideH: 2, strideW: 2 })],
  ];
  for (const [name, p] of cases) for (const [how, cols] of columns) {
    it(`agrees with the reference's direct loops, forward and both gradients: ${name}, ${how}`, () => {
      const conv = deterministicConv(jsKernels.gemm, cols);
      const { batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW, outHeight: OH,
        outWidth: OW, groups: G } = p;
      const x = data(N * C * H * W), w = data(OC * (C / G) * KH * KW), dy = data(N * OC * OH * OW);
      const close = (got: Float64Array, want: Float64Array, what: string) => {
        assert.equal(got.length, want.length);
        for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-12 * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} against ${want[i]}`);
      };
      const [y1, y2] = [new Float64Array(dy.length), new Float64Array(dy.length)];
      conv.conv2d(x, w, y1, p);
      jsKernels.conv2d(x, w, y2, p);
      close(y1, y2, "y");
      const [dx1, dx2] = [new Float64Array(x.length), new Float64Array(x.length)];
      conv.conv2dBackwardInput(dy, w, dx1, p);
      jsKernels.conv2dBackwardInput(dy, w, dx2, p);
      close(dx1, dx2, "dx");
      const [dw1, dw2] = [new Float64Array(w.length), new Float64Array(w.length)];
      conv.conv2dBackwardWeight(x, dy, dw1, p);
      jsKernels.conv2dBackwardWeight(x, dy, dw2, p);
      close(dw1, dw2, "dw");
    });
  }
});

describe("deterministic mode, kernel by kernel", function () {
  this.timeout(600000);
  const configs = configurations();
  before(function () {
    if (configs.length < 2) this.skip(); // no addon: nothing to compare the reference with
  });

  it("every kernel gives the TypeScript backend's bits on the native backend, on every path, thread count and small-work threshold", () => {
    const [js, ...natives] = configs;
    const reference = digestsOf(js, "det");
    assert.ok(Object.keys(reference).length > 200);
    for (const c of natives) assert.deepEqual(differing(reference, digestsOf(c, "det")), [], `kernels that differ on ${describeConfig(c)}`);
  });

  it("outside the mode, the native backend's kernels differ from the reference's in places (the comparison above can fail)", () => {
    const [js, ...natives] = configs;
    const diff = differing(digestsOf(js, "normal"), digestsOf(natives[natives.length - 1], "normal"));
    assert.ok(diff.some((k) => k.startsWith("gemm")) && diff.some((k) => k.startsWith("unary exp")), diff.join("; "));
  });
});
