// The native addon agrees with the TypeScript reference, kernel by kernel, on inputs
// large enough to take the threaded and BLAS paths (the op-level fixtures use small ones).
import { strict as assert } from "node:assert";
import { loadAddon } from "../../core/backend/addon";
import { convGeometry, poolGeometry } from "../geometry";
import { jsKernels } from "../../core/backend/js";
import { UNARY, BINARY, REDUCE, UNARY_INT_OK, BINARY_BOOL_OUT, unaryCode, type Kernels, type Buffer } from "../../core/backend/kernels";
import { Generator } from "../../core/random";
import { assertClose } from "../helpers";

const addon = loadAddon().addon;
const gen = new Generator(99);

function randomF32(n: number, scale = 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (gen.uniform() * 2 - 1) * scale;
  return a;
}
function randomF64(n: number, scale = 2): Float64Array {
  return Float64Array.from(randomF32(n, scale));
}

/** Runs the same kernel call on both backends with fresh copies of the outputs and compares them. */
function agree(name: keyof Kernels, args: () => unknown[], outputs: number[], rtol = 1e-5, atol = 1e-5): void {
  const a = args();
  const b = a.map((v) => (ArrayBuffer.isView(v) ? (v as Buffer).slice() : Array.isArray(v) ? v.slice() : v));
  const rn = (addon as any)[name](...a);
  const rj = (jsKernels as any)[name](...b);
  if (typeof rn === "number" || ArrayBuffer.isView(rn)) assert.deepEqual(rn, rj, `${name}: return value`);
  for (const k of outputs) {
    const x = a[k] as Buffer;
    const y = b[k] as Buffer;
    if (x instanceof Int32Array || x instanceof Uint8Array) assert.deepEqual(Array.from(x), Array.from(y), `${name}: output ${k}`);
    else assertClose(x, y, rtol, atol, `${name}: output ${k}`);
  }
}

describe("native agrees with the TypeScript reference", function () {
  before(function () {
    if (!addon) this.skip(); // the addon is not built: nothing to compare (npm test builds it)
  });

  const N = 100_003; // above the threading threshold, and odd so that chunks are uneven
  for (const op of UNARY) {
    it(`unary ${op} (and its backward)`, () => {
      const [pa, pb] = op === "clamp" || op === "hardtanh" ? [-0.5, 0.7] : op === "softplus" ? [2, 3] : op === "powScalar" ? [3, 0] : [0.1, 0];
      const x = op === "log" || op === "sqrt" || op === "rsqrt" || op === "log1p" ? randomF32(N).map(Math.abs) : randomF32(N);
      const code = UNARY.indexOf(op);
      agree("unary", () => [code, x, new Float32Array(N), pa, pb], [2], 2e-6, 1e-6);
      const y = new Float32Array(N);
      jsKernels.unary(code, x, y, pa, pb);
      agree("unaryBackward", () => [code, x, y, randomF32(N), new Float32Array(N), pa, pb], [4], 1e-5, 1e-6);
      if (UNARY_INT_OK.has(op)) {
        const xi = Int32Array.from(randomF32(1000, 100));
        agree("unary", () => [code, xi, new Int32Array(1000), -5, 7], [2]);
      }
    });
  }

  const shapes: [number[], number[], number[]][] = [
    [[317, 331], [317, 331], [317, 331]],
    [[317, 331], [331], [317, 331]],
    [[64, 1, 500], [1, 30, 500], [64, 30, 500]],
    [[1], [400, 300], [400, 300]],
    [[7, 1, 5], [3, 1], [7, 3, 5]],
  ];
  for (const op of BINARY) {
    it(`binary ${op} with broadcasting`, () => {
      for (const [as, bs, os] of shapes) {
        const n = (s: number[]) => s.reduce((p, q) => p * q, 1);
        const out = BINARY_BOOL_OUT.has(op) ? new Uint8Array(n(os)) : new Float64Array(n(os));
        const a = op === "pow" ? randomF64(n(as)).map(Math.abs) : randomF64(n(as)).map((v) => Math.round(v * 4) / 4);
        const b = randomF64(n(bs)).map((v) => Math.round(v * 4) / 4 || 0.5);
        agree("binary", () => [BINARY.indexOf(op), a, as, b, bs, out, os], [5], 1e-12, 1e-12);
      }
    });
  }

  it("where with three-way broadcasting", () => {
    const cond = Uint8Array.from(randomF32(300), (v) => (v > 0 ? 1 : 0));
    agree("where", () => [cond, [300, 1], randomF32(300 * 200), [300, 200], randomF32(200), [200], new Float32Array(300 * 200), [300, 200]], [6]);
  });

  for (const op of REDUCE) {
    it(`reduce ${op} over [outer, n, inner] layouts`, () => {
      for (const [outer, n, inner] of [[1, 200_000, 1], [1000, 300, 1], [10, 300, 97], [3, 1, 5000]]) {
        const out = op.startsWith("arg") ? new Int32Array(outer * inner) : new Float64Array(outer * inner);
        agree("reduce", () => [REDUCE.indexOf(op), randomF64(outer * n * inner), outer, n, inner, out], [5], 1e-10, 1e-9);
      }
    });
  }

  it("softmax and log-softmax, forward and backward", () => {
    for (const log of [false, true]) {
      for (const [outer, n, inner] of [[2000, 100, 1], [10, 50, 37]]) {
        const x = randomF32(outer * n * inner, 10);
        agree("softmax", () => [x, new Float32Array(x.length), outer, n, inner, log], [1], 1e-5, 1e-6);
        const y = new Float32Array(x.length);
        jsKernels.softmax(x, y, outer, n, inner, log);
        agree("softmaxBackward", () => [y, randomF32(x.length), new Float32Array(x.length), outer, n, inner, log], [2], 1e-4, 1e-5);
      }
    }
  });

  it("gemm: every transpose, batches, broadcast strides, accumulate, float32 and float64", () => {
    // [131, 45, 700]: threads on blocks of rows that are not a multiple of the tile's, and
    // K in three blocks of equal depth.
    for (const [M, N, K] of [[67, 129, 33], [256, 256, 256], [300, 77, 300], [20, 600, 200], [131, 45, 700], [1, 300, 500], [300, 1, 7]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const batch = 3;
          agree("gemm", () => [transA, transB, M, N, K, randomF32(batch * M * K), randomF32(K * N), randomF32(batch * M * N),
            batch, M * K, 0, M * N, true], [7], 1e-4, 1e-4);
        }
      }
      agree("gemm", () => [false, false, M, N, K, randomF64(M * K), randomF64(K * N), new Float64Array(M * N), 1, 0, 0, 0, false], [7], 1e-12, 1e-11);
      // Without accumulate, C is written, never read: NaN left in it must not show.
      agree("gemm", () => [false, true, M, N, K, randomF32(M * K), randomF32(K * N), new Float32Array(M * N).fill(NaN), 1, 0, 0, 0, false], [7], 1e-4, 1e-4);
    }
  });

  const convCases: number[][] = [
    // N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, groups
    [64, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    // The direct kernel (≤ 4 channels): rows of 19 (a last step overlapping the one before)
    // and of 5 (masked), with output channels not a multiple of its block of 4.
    [2, 2, 9, 19, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [3, 3, 7, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [8, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [4, 6, 11, 9, 8, 3, 2, 2, 1, 1, 0, 2, 1, 2],
    [3, 16, 8, 8, 16, 1, 1, 1, 1, 0, 0, 1, 1, 1],
    [2, 8, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 8],
    // float32 3x3 stride 1 with ≥ 16 channels takes Winograd F(2x2, 3x3): odd sizes (clipped
    // tiles), no padding, padding 2 (its backward is padded 0), a 1x1 image, many chunks,
    // rows of tiles wider than a vector and cut by chunks, channels not a multiple of 16.
    [5, 16, 9, 7, 24, 3, 3, 1, 1, 0, 0, 1, 1, 1],
    [4, 16, 28, 30, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [6, 40, 10, 12, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [3, 17, 6, 11, 16, 3, 3, 1, 1, 2, 2, 1, 1, 1],
    [2, 16, 1, 1, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [33, 16, 5, 5, 20, 3, 3, 1, 1, 1, 0, 1, 1, 1],
    // ... and with at most 4 input channels, computed directly: odd sizes, no padding,
    // padding 2, rows wider than 32, output channels not a multiple of 4.
    [3, 3, 9, 13, 10, 3, 3, 1, 1, 0, 0, 1, 1, 1],
    [2, 2, 5, 6, 9, 3, 3, 1, 1, 2, 2, 1, 1, 1],
    [2, 1, 7, 40, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    // ... and output rows of 28 and 32, which it compiles as constants (MNIST's and CIFAR's
    // first layers): from each padding, with an odd number of rows.
    [2, 2, 5, 30, 6, 3, 3, 1, 1, 0, 0, 1, 1, 1],
    [2, 1, 9, 26, 5, 3, 3, 1, 1, 2, 2, 1, 1, 1],
    [2, 3, 32, 32, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1],
    [3, 4, 7, 34, 4, 3, 3, 1, 1, 0, 0, 1, 1, 1],
  ];
  for (const [N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, G] of convCases) {
    it(`conv2d forward and both backwards: x (${N},${C},${H},${W}) w (${OC},${C / G},${KH},${KW}) stride ${sH},${sW} groups ${G}`, () => {
      const OH = Math.floor((H + 2 * pH - dH * (KH - 1) - 1) / sH) + 1;
      const OW = Math.floor((W + 2 * pW - dW * (KW - 1) - 1) / sW) + 1;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW,
        outHeight: OH, outWidth: OW, strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW, groups: G });
      const x = randomF32(N * C * H * W);
      const w = randomF32(OC * (C / G) * KH * KW);
      const dy = randomF32(N * OC * OH * OW);
      agree("conv2d", () => [x, w, new Float32Array(dy.length), p], [2], 1e-4, 1e-4);
      agree("conv2dBackwardInput", () => [dy, w, new Float32Array(x.length), p], [2], 1e-4, 1e-4);
      agree("conv2dBackwardWeight", () => [x, dy, new Float32Array(w.length), p], [2], 1e-4, 1e-3);
    });
  }

  it("conv2d's bias, added by each path's kernel as it stores a sum, has the bits of a separate add", () => {
    // The cases above take every path: Winograd, the direct kernel (at most 4 channels, rows
    // of 28 and 32 as constants), im2col's GEMM (strides, dilation, groups, 1x1).
    for (const [N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, G] of convCases) {
      const OH = Math.floor((H + 2 * pH - dH * (KH - 1) - 1) / sH) + 1;
      const OW = Math.floor((W + 2 * pW - dW * (KW - 1) - 1) / sW) + 1;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW,
        outHeight: OH, outWidth: OW, strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW, groups: G });
      for (const [make, name] of [[randomF32, "float32"], [randomF64, "float64"]] as const) {
        const x = make(N * C * H * W, 2), w = make(OC * (C / G) * KH * KW, 2), bias = make(OC, 8);
        const plain = x instanceof Float32Array ? new Float32Array(N * OC * OH * OW) : new Float64Array(N * OC * OH * OW);
        const fused = plain.slice();
        addon!.conv2d(x, w, plain, p);
        addon!.conv2d(x, w, fused, p, bias);
        const separate = plain.map((v, i) => v + bias[Math.floor(i / (OH * OW)) % OC]);
        const at = fused.findIndex((v, i) => !Object.is(v, separate[i]));
        assert.equal(at, -1, `${name} x (${N},${C},${H},${W}) w (${OC},${C / G},${KH},${KW}): element ${at} is ${fused[at]}, a separate add gives ${separate[at]}`);
        const js = plain.slice();
        jsKernels.conv2d(x, w, js, p, bias);
        assertClose(js, fused, 1e-4, 1e-4, `${name} against the TypeScript kernel`);
      }
    }
  });

  it("conv2dMaxPool2x2 gives the values and winners of conv2d then maxPool2d (then relu), on every convolution path", () => {
    for (const [N, C, H, W, OC, KH, KW, sH, sW, pH, pW, dH, dW, G] of convCases) {
      const OH = Math.floor((H + 2 * pH - dH * (KH - 1) - 1) / sH) + 1;
      const OW = Math.floor((W + 2 * pW - dW * (KW - 1) - 1) / sW) + 1;
      if (OH < 2 || OW < 2) continue;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW,
        outHeight: OH, outWidth: OW, strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW, groups: G });
      const q = poolGeometry({ batch: N, channels: OC, inHeight: OH, inWidth: OW, outHeight: Math.floor(OH / 2), outWidth: Math.floor(OW / 2),
        kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2 });
      const n = N * OC * q.outHeight * q.outWidth;
      for (const [make, name] of [[randomF32, "float32"], [randomF64, "float64"]] as const) {
        const w = make(OC * (C / G) * KH * KW, 2), bias = make(OC, 8);
        // Ties within windows: an image of zeros gives every output its bias exactly, on any
        // path (a constant one would not, through Winograd's transforms). A NaN takes the
        // convolution off Winograd (conv.cc), so it goes into a second run.
        const ties = make(N * C * H * W, 2);
        if (N > 1) ties.fill(0, C * H * W, 2 * C * H * W);
        const nan = ties.slice();
        nan[Math.floor(nan.length / 2)] = NaN;
        for (const [x, b] of [[ties, bias], [ties, null], [nan, bias]] as const) {
          const full = x instanceof Float32Array ? new Float32Array(N * OC * OH * OW) : new Float64Array(N * OC * OH * OW);
          addon!.conv2d(x, w, full, p, b);
          const y = full.slice(0, n), am = new Int32Array(n);
          addon!.maxPool2d(full, y, am, q);
          const fy = y.slice().fill(7), fam = new Int32Array(n).fill(-1);
          addon!.conv2dMaxPool2x2(x, w, fy, fam, p, b);
          const at = fy.findIndex((v, i) => !Object.is(v, y[i]) || fam[i] !== am[i]);
          assert.equal(at, -1, `${name} x (${N},${C},${H},${W}) w (${OC},${C / G},${KH},${KW})${b ? "" : " no bias"}${x === nan ? " with a NaN" : ""}: window ${at} ` +
            `is ${fy[at]} at ${fam[at]}, the two calls give ${y[at]} at ${am[at]}`);
          // With relu: relu's values (TypeScript's formula) of the same maxima, the same winners.
          const ry = fy.slice().fill(7), ram = new Int32Array(n).fill(-1);
          addon!.conv2dMaxPool2x2(x, w, ry, ram, p, b, true);
          const relu = y.map((v) => (v > 0 ? v : v === v ? 0 : v));
          const rat = ry.findIndex((v, i) => !Object.is(v, relu[i]) || ram[i] !== am[i]);
          assert.equal(rat, -1, `${name} relu x (${N},${C},${H},${W}) w (${OC},${C / G},${KH},${KW})${b ? "" : " no bias"}${x === nan ? " with a NaN" : ""}: ` +
            `window ${rat} is ${ry[rat]} at ${ram[rat]}, relu of the two calls gives ${relu[rat]} at ${am[rat]}`);
        }
      }
    }
  });

  it("conv2dMaxPool2x2BackwardWeight gives the bits of maxPool2dBackward, conv2dBackwardWeight and reduce's plane sums, or declines", () => {
    const isa = addon!.info().isa;
    // [N, C, H, W, OC, padding]: the course's first layer, odd outputs (a row and a column in
    // no window), widths under and over 8 and not a multiple of it, 1 to 4 channels (the direct
    // kernel), and 5 channels and 5x5 filters (not it: declined). More than 4 images: groups.
    const cases: [number, number, number, number, number, number, number][] = [
      [9, 1, 28, 28, 32, 1, 3], [6, 3, 13, 11, 7, 1, 3], [5, 4, 9, 7, 5, 0, 3], [3, 2, 6, 20, 4, 2, 3], [2, 5, 8, 8, 3, 1, 3], [2, 1, 8, 8, 3, 2, 5],
    ];
    for (const [N, C, H, W, OC, pad, K] of cases) {
      const OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: K, kernelWidth: K,
        outHeight: OH, outWidth: OW, paddingH: pad, paddingW: pad });
      const q = poolGeometry({ batch: N, channels: OC, inHeight: OH, inWidth: OW, outHeight: Math.floor(OH / 2), outWidth: Math.floor(OW / 2),
        kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2 });
      const n = N * OC * q.outHeight * q.outWidth;
      const x = randomF32(N * C * H * W), w = randomF32(OC * C * K * K);
      // Infinities and NaN in x: the dense gradient's zeros times them are NaN, which the kernel must give too.
      const special = x.slice();
      special[3] = Infinity, special[x.length - 2] = NaN;
      const full = new Float32Array(N * OC * OH * OW), y = new Float32Array(n), am = new Int32Array(n);
      addon!.conv2d(x, w, full, p);
      addon!.maxPool2d(full, y, am, q);
      const dy = randomF32(n);
      dy[1] = -0, dy[2] = NaN;
      for (const input of [x, special])
        for (const mask of [null, y]) {
          const what = `x (${N},${C},${H},${W}) w (${OC},${C},${K},${K})${mask ? " relu" : ""}${input === special ? " with Inf and NaN" : ""} on ${isa}`;
          const dense = new Float32Array(N * OC * OH * OW).fill(5);
          addon!.maxPool2dBackward(dy, am, dense, q, mask);
          const dw = new Float32Array(OC * C * K * K), sums = new Float32Array(N * OC);
          addon!.conv2dBackwardWeight(input, dense, dw, p);
          addon!.reduce(0, dense, N * OC, OH * OW, 1, sums);
          const kdw = new Float32Array(dw.length).fill(7), ksums = new Float32Array(sums.length).fill(7);
          const done = addon!.conv2dMaxPool2x2BackwardWeight(input, dy, am, kdw, ksums, p, mask);
          // The direct kernel's paths, and its filters and channels, take it; the others decline.
          assert.equal(done, isa !== "baseline" && C <= 4 && K === 3, `${what}: taken`);
          if (!done) {
            assert.ok(kdw.every((v) => v === 7), `${what}: declined, dw untouched`);
            continue;
          }
          const at = kdw.findIndex((v, i) => !Object.is(v, dw[i]));
          assert.equal(at, -1, `${what}: dw[${at}] is ${kdw[at]}, the dense gradient's gives ${dw[at]}`);
          const st = ksums.findIndex((v, i) => !Object.is(v, sums[i]));
          assert.equal(st, -1, `${what}: plane sum ${st} is ${ksums[st]}, reduce gives ${sums[st]}`);
        }
      // A winner outside its window (a hand-made argmax, or the extremes of int32): declined,
      // nothing written to dw, nothing read or written outside the arrays.
      for (const bad of [am[0] + 2, -1, 2147483647, -2147483648]) {
        const hostile = am.slice();
        hostile[n - 1] = bad;
        const kdw = new Float32Array(OC * C * K * K).fill(7);
        assert.equal(addon!.conv2dMaxPool2x2BackwardWeight(x, dy, hostile, kdw, null, p, null), false, `argmax ${bad}: declined`);
        assert.ok(kdw.every((v) => v === 7), `argmax ${bad}: dw untouched`);
      }
    }
  });

  it("conv2dMaxPool2x2Backward gives the bits of maxPool2dBackward, both gradients and reduce's plane sums, or declines", () => {
    const isa = addon!.info().isa;
    // [N, C, H, W, OC, padding]: the course's second layer (9 images: groups of 4 and one),
    // odd outputs (a row and a column in no window), channels that are not whole runs of 32,
    // more output channels than a 64-bit mask holds, and 3 input channels (not the sparse
    // kernels' geometry: declined).
    const cases = [[9, 32, 14, 14, 64, 1], [5, 17, 9, 7, 20, 0], [2, 48, 6, 5, 70, 2], [3, 16, 8, 8, 16, 1], [2, 3, 8, 8, 16, 1]];
    for (const [N, C, H, W, OC, pad] of cases) {
      const OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: 3, kernelWidth: 3,
        outHeight: OH, outWidth: OW, paddingH: pad, paddingW: pad });
      const q = poolGeometry({ batch: N, channels: OC, inHeight: OH, inWidth: OW, outHeight: Math.floor(OH / 2), outWidth: Math.floor(OW / 2),
        kernelHeight: 2, kernelWidth: 2, strideH: 2, strideW: 2 });
      const n = N * OC * q.outHeight * q.outWidth;
      const x = randomF32(N * C * H * W), w = randomF32(OC * C * 9);
      const full = new Float32Array(N * OC * OH * OW), y = new Float32Array(n), am = new Int32Array(n);
      addon!.conv2d(x, w, full, p);
      addon!.maxPool2d(full, y, am, q);
      // -0, NaN and infinities in the pooled gradient.
      const dy = randomF32(n);
      dy[1] = -0, dy[2] = NaN, dy[n - 3] = Infinity, dy[n - 1] = -Infinity;
      // Infinities or NaN in x or w: a skipped zero times them would have been NaN (declined).
      const xSpecial = x.slice(), wSpecial = w.slice();
      xSpecial[x.length - 2] = NaN, wSpecial[7] = Infinity;
      for (const [input, filters] of [[x, w], [xSpecial, w], [x, wSpecial]])
        for (const mask of [null, y]) {
          const what = `x (${N},${C},${H},${W}) w (${OC},${C},3,3) padding ${pad}${mask ? " relu" : ""}` +
            `${input === xSpecial ? " NaN in x" : filters === wSpecial ? " Inf in w" : ""} on ${isa}`;
          const dense = new Float32Array(N * OC * OH * OW).fill(5);
          addon!.maxPool2dBackward(dy, am, dense, q, mask);
          const dx = new Float32Array(N * C * H * W), dw = new Float32Array(OC * C * 9), sums = new Float32Array(N * OC);
          addon!.conv2dBackwardInput(dense, filters, dx, p);
          addon!.conv2dBackwardWeight(input, dense, dw, p);
          addon!.reduce(0, dense, N * OC, OH * OW, 1, sums);
          const kdx = new Float32Array(dx.length).fill(7), kdw = new Float32Array(dw.length).fill(7), ksums = new Float32Array(sums.length).fill(7);
          const done = addon!.conv2dMaxPool2x2Backward(input, filters, dy, am, kdx, kdw, ksums, p, mask);
          // The AVX2 and AVX-512 paths' sparse kernels take it where their geometry holds and x and w are finite.
          assert.equal(done, isa !== "baseline" && C >= 16 && input === x && filters === w, `${what}: taken`);
          if (!done) continue;
          for (const [name, got, want] of [["dx", kdx, dx], ["dw", kdw, dw], ["plane sum", ksums, sums]] as const) {
            const at = got.findIndex((v, i) => !Object.is(v, want[i]));
            assert.equal(at, -1, `${what}: ${name} ${at} is ${got[at]}, the dense gradient's gives ${want[at]}`);
          }
        }
      // A winner outside its window (a hand-made argmax, or the extremes of int32), in the
      // first plane or the last: declined, nothing read or written outside the arrays.
      for (const bad of [am[0] + 2, -1, 2147483647, -2147483648])
        for (const at of [0, n - 1]) {
          const hostile = am.slice();
          hostile[at] = bad;
          const kdx = new Float32Array(N * C * H * W), kdw = new Float32Array(OC * C * 9);
          assert.equal(addon!.conv2dMaxPool2x2Backward(x, w, dy, hostile, kdx, kdw, null, p, null), false, `argmax ${bad} at ${at}: declined`);
        }
    }
  });

  it("conv2d refuses a bias of the wrong length or dtype, and takes null as none", () => {
    const p = convGeometry({ batch: 1, inChannels: 2, inHeight: 5, inWidth: 5, outChannels: 3, kernelHeight: 3, kernelWidth: 3,
      outHeight: 5, outWidth: 5, paddingH: 1, paddingW: 1 });
    const x = randomF32(50), w = randomF32(54), y = new Float32Array(75);
    assert.throws(() => addon!.conv2d(x, w, y, p, new Float32Array(2)), (e: Error) => e instanceof RangeError && /conv2d: bias/.test(e.message));
    assert.throws(() => addon!.conv2d(x, w, y, p, new Float64Array(3)), (e: Error) => e instanceof TypeError && /bias/.test(e.message));
    assert.throws(() => addon!.conv2d(x, w, y, p, [1, 2, 3] as never), (e: Error) => e instanceof TypeError && /bias/.test(e.message));
    const none = new Float32Array(75);
    addon!.conv2d(x, w, none, p, null);
    addon!.conv2d(x, w, y, p);
    assert.deepEqual(none, y);
  });

  it("max and average pooling, forward and backward", () => {
    for (const [N, C, H, W, KH, KW, sH, sW, pH, pW, dH, dW, ceil] of [
      [64, 32, 28, 28, 2, 2, 2, 2, 0, 0, 1, 1, 0], [4, 3, 9, 9, 3, 3, 2, 2, 1, 1, 1, 1, 1], [2, 2, 10, 10, 2, 2, 1, 1, 0, 0, 2, 2, 0],
      // Rows of 7 and 4 windows (one vector step that may spill into the next row, or the
      // next plane's), with an odd row and column left out.
      [8, 5, 14, 14, 2, 2, 2, 2, 0, 0, 1, 1, 0], [3, 7, 11, 9, 2, 2, 2, 2, 0, 0, 1, 1, 0]]) {
      const size = (n: number, k: number, s: number, p: number, d: number) => {
        let o = (ceil ? Math.ceil : Math.floor)((n + 2 * p - d * (k - 1) - 1) / s) + 1;
        if (ceil && (o - 1) * s >= n + p) o--;
        return o;
      };
      const OH = size(H, KH, sH, pH, dH);
      const OW = size(W, KW, sW, pW, dW);
      const p = poolGeometry({ batch: N, channels: C, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW,
        strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW });
      const x = randomF32(N * C * H * W);
      const out = N * C * OH * OW;
      agree("maxPool2d", () => [x, new Float32Array(out), new Int32Array(out), p], [1, 2]);
      const arg = new Int32Array(out);
      jsKernels.maxPool2d(x, new Float32Array(out), arg, p);
      agree("maxPool2dBackward", () => [randomF32(out), arg, new Float32Array(x.length), p], [2]);
      // With a relu's output: the bits of relu's gradient then the pooling's, zeros of both
      // signs, NaN and infinities in the gradient and in relu's output included.
      const special = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40];
      const dy = randomF32(out).map((v, i) => (i % 5 === 0 ? special[i % special.length] : v));
      const reluOut = randomF32(out).map((v, i) => (i % 3 === 0 ? special[(i + 1) % special.length] : v > 0 ? v : 0));
      for (const [name, k] of [["native", addon!], ["TypeScript", jsKernels]] as const) {
        const fused = new Float32Array(x.length), plain = new Float32Array(x.length), masked = new Float32Array(out);
        jsKernels.unaryBackward(unaryCode.relu, reluOut, reluOut, dy, masked, 0, 0);
        (k as any).maxPool2dBackward(dy, arg, fused, p, reluOut);
        (k as any).maxPool2dBackward(masked, arg, plain, p);
        const at = fused.findIndex((v, i) => !Object.is(v, plain[i]));
        assert.equal(at, -1, `${name} maxPool2dBackward with reluOut (${N},${C},${H},${W}): element ${at} is ${fused[at]}, relu's gradient then the pooling's give ${plain[at]}`);
      }
      if (dH === 1) {
        for (const include of [true, false]) {
          agree("avgPool2d", () => [x, new Float32Array(out), p, include], [1]);
          agree("avgPool2dBackward", () => [randomF32(out), new Float32Array(x.length), p, include], [1]);
        }
      }
    }
  });

  it("strided copy and scatter (transpose, expand, slice), indexSelect/indexAdd, gather/scatterAdd", () => {
    const src = randomF32(300 * 400);
    agree("stridedCopy", () => [src, 0, [1, 400], [400, 300], new Float32Array(120000)], [4]);
    agree("stridedCopy", () => [src, 401, [0, 800, 2], [3, 100, 150], new Float32Array(45000)], [4]);
    agree("stridedScatter", () => [new Float32Array(120000), 5, [800, 3], [150, 100], randomF32(15000), true], [0]);
    const idx = Int32Array.from({ length: 500 }, () => gen.int(0, 300));
    agree("indexSelect", () => [src, 1, 300, 400, idx, new Float32Array(500 * 400)], [5]);
    agree("indexAdd", () => [new Float32Array(120000), 1, 300, 400, idx, randomF32(500 * 400)], [0]);
    const gidx = Int32Array.from({ length: 300 * 50 }, () => gen.int(0, 400));
    agree("gather", () => [src, [300, 400], 1, gidx, [300, 50], new Float32Array(15000)], [5]);
    agree("scatterAdd", () => [new Float32Array(120000), [300, 400], 1, gidx, [300, 50], randomF32(15000)], [0]);
  });

  it("cast (with NaN refused for int32), fill, nonzero, countNonFinite", () => {
    const x = randomF64(100_000, 1000);
    agree("cast", () => [x, new Int32Array(x.length)], [1]);
    agree("cast", () => [x, new Float32Array(x.length)], [1]);
    agree("cast", () => [x, new Uint8Array(x.length)], [1]);
    assert.throws(() => addon!.cast(Float64Array.of(1, NaN), new Int32Array(2)), /cast: cannot convert NaN to int32/);
    agree("fill", () => [new Float32Array(100_000), 2.5], [0]);
    const mask = Uint8Array.from(x, (v) => (v > 0 ? 1 : 0));
    agree("nonzero", () => [mask], []);
    const y = randomF32(100_000);
    y[7] = NaN; y[99_999] = Infinity; y[500] = -Infinity;
    agree("countNonFinite", () => [y], []);
  });

  it("fused SGD (momentum, nesterov, weight decay) and Adam/AdamW/AMSGrad steps, float32 and float64", () => {
    for (const rand of [randomF32, randomF64]) {
      const n = 100_003;
      for (const [momentum, nesterov, first] of [[0, false, true], [0.9, false, true], [0.9, true, false]] as const) {
        agree("sgdStep", () => [rand(n), rand(n), rand(n), 0.05, momentum, 0.1, 1e-2, nesterov, first], [0, 2], 1e-6, 1e-7);
      }
      for (const [decoupled, amsgrad] of [[false, false], [true, false], [false, true]] as const) {
        const sq = () => rand(n).map(Math.abs);
        agree("adamStep", () => [rand(n), rand(n), rand(n), sq(), sq(), 7, 1e-3, 0.9, 0.999, 1e-8, 0.01, decoupled, amsgrad], [0, 2, 3, 4], 1e-6, 1e-7);
      }
    }
  });

  it("long rows reduce in fixed chunks: sum, max/argmax with ties and a late NaN, the same on every thread count", () => {
    const n = 300_007;
    const x = randomF32(n);
    x[123_456] = 5; x[200_000] = 5; // a tie: the first occurrence wins
    for (const op of [0, 2, 3, 4, 5]) {
      const out = () => (op >= 4 ? new Int32Array(2) : new Float32Array(2));
      agree("reduce", () => [op, Float32Array.from([...x.subarray(0, 150_000), ...x.subarray(0, 150_000)]), 2, 150_000, 1, out()], [5], 1e-6, 1e-6);
      agree("reduce", () => [op, x, 1, n, 1, op >= 4 ? new Int32Array(1) : new Float32Array(1)], [5], 1e-6, 1e-6);
    }
    const y = x.slice();
    y[250_000] = NaN;
    for (const op of [0, 2, 3, 4, 5]) agree("reduce", () => [op, y, 1, n, 1, op >= 4 ? new Int32Array(1) : new Float32Array(1)], [5]);
    const threads = addon!.info().threads;
    const sums = [1, 2].map((t) => { addon!.setNumThreads(t); const o = new Float32Array(1); addon!.reduce(0, x, 1, n, 1, o); return o[0]; });
    addon!.setNumThreads(threads);
    assert.equal(sums[0], sums[1], "the sum does not depend on the number of threads");
  });

  it("float32 row sums: every length around the blocks of 32 lanes by 8 rows, within 8 ulp of the magnitudes summed", () => {
    // The float32 sum adds up to 8 values per lane in float32, the rest in double
    // (reduce.cc sumContiguous<float>): checked against an exact double sum, with the error
    // bounded by the magnitudes (a cancelling row has no relative bound), including a row
    // whose large values swamp the small ones in float32.
    const lengths = [0, 1, 7, 31, 32, 33, 63, 64, 255, 256, 257, 287, 288, 511, 513, 1000, 16_384 * 4 + 37];
    for (const n of lengths) {
      for (const kind of ["random", "swamped"] as const) {
        const x = kind === "random" ? randomF32(n, 10) : Float32Array.from({ length: n }, (_, i) => (i % 37 === 0 ? 1e8 * (i % 2 ? -1 : 1) : 1));
        const rows = 3;
        const xs = new Float32Array(rows * n);
        for (let r = 0; r < rows; r++) xs.set(x.map((v) => v * (r + 1)), r * n);
        const out = new Float32Array(rows);
        addon!.reduce(REDUCE.indexOf("sum"), xs, rows, n, 1, out);
        for (let r = 0; r < rows; r++) {
          let exact = 0, mag = 0;
          for (let i = 0; i < n; i++) { exact += xs[r * n + i]; mag += Math.abs(xs[r * n + i]); }
          const tol = 8 * 2 ** -23 * mag + Math.abs(exact) * 2 ** -24;
          assert.ok(Math.abs(out[r] - exact) <= tol, `n=${n} ${kind} row ${r}: ${out[r]} vs ${exact} (tolerance ${tol})`);
        }
      }
    }
  });

  it("float32 exp, sigmoid and softmax (vectorised) agree at the edges: NaN, ±Inf, overflow, denormals", () => {
    const edge = [NaN, Infinity, -Infinity, 0, -0, 88.7, 88.73, 89, -87.5, -100, -104, 1e-8, -1e-8, 20, -20];
    const x = Float32Array.from([...edge, ...randomF32(50_000, 30)]);
    for (const op of ["exp", "sigmoid"] as const) {
      const code = UNARY.indexOf(op);
      agree("unary", () => [code, x, new Float32Array(x.length), 0, 0], [2], 3e-7, 1e-30);
    }
    const rows = randomF32(64 * 1000, 20);
    rows[5] = NaN;           // row 0: all NaN
    for (let i = 1000; i < 2000; i++) rows[i] = -Infinity; // row 1: all -Inf
    rows[2000] = Infinity;   // row 2: +Inf
    for (const log of [false, true]) agree("softmax", () => [rows, new Float32Array(rows.length), 64, 1000, 1, log], [1], 2e-6, 1e-7);
  });

  it("2×2 stride-2 max pooling (the fast path) keeps the first of ties and the first NaN, with odd sizes", () => {
    // Rows of 14, 18 (a last step overlapping the one before), 8 and 4 windows; 7 (the
    // course's second pooling), 6, 5 and 3, whose rows spill into the next row of their
    // plane on the AVX2 path (pool_rows.cc) but for a plane's last.
    for (const [H, W] of [[28, 28], [6, 37], [4, 16], [7, 9], [14, 14], [12, 13], [10, 11], [6, 7]]) {
      const OH = Math.floor(H / 2), OW = Math.floor(W / 2);
      const x = Float32Array.from(randomF32(8 * 3 * H * W), (v) => Math.round(v * 2) / 2); // many ties
      x[5] = NaN; x[H * W + 2 * W + 1] = NaN; x[H * W + 2 * W] = NaN;
      const p = poolGeometry({ batch: 8, channels: 3, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: 2, kernelWidth: 2,
        strideH: 2, strideW: 2 });
      agree("maxPool2d", () => [x, new Float32Array(8 * 3 * OH * OW), new Int32Array(8 * 3 * OH * OW), p], [1, 2]);
    }
  });

  it("2×2 stride-2 max pooling and its gradient write nothing past their outputs, though short rows spill into the next", () => {
    // The output and argmax are views at the start of larger buffers whose tails hold a
    // sentinel: a plane's last row must not spill (the next plane may be another thread's,
    // or past the end of the tensor).
    for (const [H, W] of [[14, 14], [10, 11], [8, 8], [28, 28]]) {
      const OH = Math.floor(H / 2), OW = Math.floor(W / 2), n = 2 * 3 * OH * OW;
      const x = randomF32(2 * 3 * H * W);
      const yAll = new Float32Array(n + 16).fill(12345), aAll = new Int32Array(n + 16).fill(-7);
      const p = poolGeometry({ batch: 2, channels: 3, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: 2, kernelWidth: 2,
        strideH: 2, strideW: 2 });
      (addon as any).maxPool2d(x, yAll.subarray(0, n), aAll.subarray(0, n), p);
      assert.deepEqual(Array.from(yAll.subarray(n)), new Array(16).fill(12345), `${H}x${W}: values past the output`);
      assert.deepEqual(Array.from(aAll.subarray(n)), new Array(16).fill(-7), `${H}x${W}: indices past the output`);
      const y = new Float32Array(n), a = new Int32Array(n);
      jsKernels.maxPool2d(x, y, a, p);
      assert.deepEqual(Array.from(yAll.subarray(0, n)), Array.from(y), `${H}x${W}: values`);
      assert.deepEqual(Array.from(aAll.subarray(0, n)), Array.from(a), `${H}x${W}: indices`);
      // The gradient: a plane's last row pair must not spill either.
      const dy = randomF32(n), dxAll = new Float32Array(x.length + 16).fill(12345), dx = new Float32Array(x.length);
      (addon as any).maxPool2dBackward(dy, a, dxAll.subarray(0, x.length), p);
      jsKernels.maxPool2dBackward(dy, a, dx, p);
      assert.deepEqual(Array.from(dxAll.subarray(x.length)), new Array(16).fill(12345), `${H}x${W}: gradient past dx`);
      assert.deepEqual(Array.from(dxAll.subarray(0, x.length)), Array.from(dx), `${H}x${W}: gradient`);
    }
  });

  it("2×2 stride-2 max pooling's gradient (the fast path) writes every place of dx, bit for bit the scatter's", () => {
    // Rows of 14 (a last step overlapping the one before), 18 and 8 windows (vector steps);
    // 7 (the course's second pooling), 6, 5, 4 and 3 (one window at a time); odd sizes
    // leave a last row and column in no window. dx starts as garbage: every place must be written.
    for (const [H, W] of [[28, 28], [6, 37], [4, 16], [14, 14], [12, 13], [10, 10], [7, 9], [14, 7]]) {
      const OH = Math.floor(H / 2), OW = Math.floor(W / 2), out = 8 * 3 * OH * OW;
      const p = poolGeometry({ batch: 8, channels: 3, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: 2, kernelWidth: 2,
        strideH: 2, strideW: 2 });
      const x = Float32Array.from(randomF32(8 * 3 * H * W), (v) => Math.round(v * 2) / 2); // ties
      const arg = new Int32Array(out);
      jsKernels.maxPool2d(x, new Float32Array(out), arg, p);
      const dy = randomF32(out);
      dy[0] = -0; dy[3] = NaN; dy[out - 1] = -0; dy[out - 2] = Infinity;
      // A hand-made argmax inside the plane but outside its own window (and shared with
      // another window): the kernel falls back to the scatter, which adds both.
      const stray = Int32Array.from(arg);
      stray[out - 1] = stray[out - 2 * OW];
      for (const a of [arg, stray]) {
        const native = new Float32Array(8 * 3 * H * W).fill(7), ref = new Float32Array(native.length).fill(7);
        (addon as any).maxPool2dBackward(dy, a, native, p);
        jsKernels.maxPool2dBackward(dy, a, ref, p);
        const nb = new Uint32Array(native.buffer), rb = new Uint32Array(ref.buffer);
        const bad = nb.findIndex((v, i) => v !== rb[i]);
        assert.equal(bad, -1, `${H}x${W}${a === stray ? ", stray argmax" : ""}: dx[${bad}] is ${native[bad]}, the scatter gives ${ref[bad]}`);
      }
    }
  });

  // The values users hit at the edges, on a tiny size (below the small-work threshold, where
  // the native backend runs the TypeScript kernels) and a large one (threaded C++).
  const EDGE = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, 2, 1e38, -1e38, 3.4e38, 1e-40, -1e-40, 1e-45, 65504, -3.5, 7];
  const edgeF32 = (n: number, shift = 0) => Float32Array.from({ length: n }, (_, i) => EDGE[(i * 7 + shift) % EDGE.length]);
  for (const n of [EDGE.length, 100_003]) {
    it(`edge values (NaN, ±Inf, 1e38, denormals) agree: unary, pow, comparisons, softmax, casts, fill, optimisers [${n}]`, () => {
      const x = edgeF32(n);
      for (const op of UNARY) {
        const [pa, pb] = op === "clamp" || op === "hardtanh" ? [-0.5, 0.7] : op === "softplus" ? [2, 3] : op === "powScalar" ? [0.5, 0] : [0.1, 0];
        agree("unary", () => [UNARY.indexOf(op), x, new Float32Array(n), pa, pb], [2], 2e-6, 1e-6);
      }
      for (const op of ["pow", "add", "mul", "div", "maximum", "minimum", "eq", "lt", "and"] as const) {
        for (const shift of [0, 3, 5]) {
          const out = BINARY_BOOL_OUT.has(op) ? new Uint8Array(n) : new Float32Array(n);
          agree("binary", () => [BINARY.indexOf(op), x, [n], edgeF32(n, shift), [n], out, [n]], [5], 1e-6, 1e-30);
        }
      }
      for (const log of [false, true]) agree("softmax", () => [x, new Float32Array(n), 1, n, 1, log], [1], 1e-5, 1e-6);
      const rows = edgeF32(n - (n % EDGE.length));
      for (const log of [false, true]) agree("softmax", () => [rows, new Float32Array(rows.length), rows.length / EDGE.length, EDGE.length, 1, log], [1], 1e-5, 1e-6);
      agree("cast", () => [x, new Uint8Array(n)], [1]);
      agree("cast", () => [x, new Float64Array(n)], [1]);
      for (const v of [-1, 0.5, NaN, 256, 0]) agree("fill", () => [new Uint8Array(n), v], [0]);
      for (const v of [-2.7, 2147483647]) agree("fill", () => [new Int32Array(n), v], [0]);
      for (const v of [NaN, Infinity, 2 ** 31]) {
        assert.throws(() => addon!.fill(new Int32Array(n), v), RangeError);
        assert.throws(() => jsKernels.fill(new Int32Array(n), v), RangeError);
      }
      for (const [f, F] of [[edgeF32, Float32Array], [(k: number, sh = 0) => Float64Array.from(edgeF32(k, sh)), Float64Array]] as const) {
        const p = () => Float32Array.from({ length: n }, (_, i) => (i % 5) - 2);
        const asF = (a: Float32Array) => (F === Float32Array ? a : Float64Array.from(a));
        agree("sgdStep", () => [asF(p()), f(n), f(n, 2), 0.1, 0.9, 0, 0.01, true, false], [0, 2], 1e-6, 1e-30);
        agree("sgdStep", () => [asF(p()), f(n), new F(0), 0.1, 0, 0, 0, false, true], [0], 1e-6, 1e-30);
        for (const [decoupled, amsgrad, wd] of [[false, false, 0], [false, true, 0.01], [true, false, 0.01]] as const) {
          agree("adamStep", () => [asF(p()), f(n), new F(n), new F(n), new F(n), 1, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, amsgrad], [0, 2, 3, 4], 1e-6, 1e-30);
        }
      }
    });
  }

  it("the direct weight gradient (at most 4 channels): infinities in x stay in the taps that touch them, any thread count", () => {
    // A row's last step of under 8 columns reads the next row of x in its unused lanes
    // (direct_conv.cc): they must count as nothing, not 0 * Inf = NaN. Widths 28 (a last
    // step of 4), 13 and 5; batches that are not a multiple of the image groups.
    for (const [N, C, H, W, OC, pad] of [[7, 1, 28, 28, 32, 1], [5, 3, 9, 13, 6, 0], [3, 2, 6, 5, 5, 2]]) {
      const OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: 3, kernelWidth: 3,
        outHeight: OH, outWidth: OW, paddingH: pad, paddingW: pad });
      const x = randomF32(N * C * H * W);
      x[(0 * C + 0) * H * W + 4 * W] = Infinity; // image 0, row 4, column 0
      x[((N - 1) * C + C - 1) * H * W + 2 * W] = NaN; // the last image's last channel, row 2, column 0
      const dy = Float32Array.from(randomF32(N * OC * OH * OW), (v) => (v === 0 ? 0.5 : v));
      agree("conv2dBackwardWeight", () => [x, dy, new Float32Array(OC * C * 9), p], [2], 1e-4, 1e-3);
      // The direct kernel's groups of images fix the order of its sums; the baseline path has
      // no direct kernel, and im2col's GEMM chunks by thread count (deterministic mode covers that).
      if (addon!.info().isa === "baseline") continue;
      const threads = addon!.info().threads;
      const runs = [1, 2].map((t) => { addon!.setNumThreads(t); const dw = new Float32Array(OC * C * 9); addon!.conv2dBackwardWeight(x, dy, dw, p); return dw; });
      addon!.setNumThreads(threads);
      assert.deepEqual(Array.from(runs[0]), Array.from(runs[1]), "the same bits on 1 and 2 threads");
    }
  });

  it("Winograd's shapes with an infinite, NaN or huge value in the image or the gradient: the plain sums of products", () => {
    // Winograd's kernels check x and dy as they read them and give up (conv3x3.h); the
    // general path must then compute every output, as if Winograd had never started.
    for (const [N, C, H, W, OC, pad] of [[2, 16, 6, 7, 16, 1], [3, 16, 9, 8, 20, 0]]) {
      const OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: 3, kernelWidth: 3,
        outHeight: OH, outWidth: OW, paddingH: pad, paddingW: pad });
      const w = randomF32(OC * C * 9);
      for (const special of [Infinity, -Infinity, NaN, 1e30]) {
        const atol = special === 1e30 ? 1e25 : 1e-4;
        // In the last image (the last chunk of tiles): the chunks before it are done by then.
        const x = randomF32(N * C * H * W), dy = randomF32(N * OC * OH * OW);
        const finiteX = randomF32(x.length), finiteDy = randomF32(dy.length);
        x[x.length - 3 * W - 2] = special;
        dy[dy.length - 2 * OW - 1] = special;
        agree("conv2d", () => [x, w, new Float32Array(N * OC * OH * OW), p], [2], 1e-4, atol);
        agree("conv2dBackwardInput", () => [dy, w, new Float32Array(x.length), p], [2], 1e-4, atol);
        agree("conv2dBackwardWeight", () => [x, finiteDy, new Float32Array(w.length), p], [2], 1e-4, Math.max(atol, 1e-3));
        agree("conv2dBackwardWeight", () => [finiteX, dy, new Float32Array(w.length), p], [2], 1e-4, Math.max(atol, 1e-3));
      }
    }
  });

  it("convolution gradients of a mostly-zero output gradient (max pooling's): the sparse kernels' sums", () => {
    // A gradient with one value per 2x2 window, as max pooling routes it back, some of them
    // zeros (ReLU's): at most a third nonzero, so the AVX2 and AVX-512 paths take their sparse
    // kernels (sparse_conv.h) where Winograd's geometry holds; the baseline takes Winograd. Shapes:
    // the course's second layer, odd sizes, every padding, channels that are not whole
    // runs of 32 (17, 48) and more output channels than one 64-bit mask holds (70).
    const pooledLike = (N: number, OC: number, OH: number, OW: number, special?: number) => {
      const dy = new Float32Array(N * OC * OH * OW);
      for (let plane = 0; plane < N * OC; plane++)
        for (let i = 0; i + 1 < OH; i += 2)
          for (let j = 0; j + 1 < OW; j += 2) {
            if (gen.uniform() < 0.2) continue; // ReLU's zeros
            const at = plane * OH * OW + (i + (gen.uniform() < 0.5 ? 1 : 0)) * OW + j + (gen.uniform() < 0.5 ? 1 : 0);
            dy[at] = gen.uniform() * 4 - 2;
          }
      if (special !== undefined) {
        dy[dy.length - 2 * OW - 1] = special; // in the last image
        dy[3] = special === special ? -special : special; // and in the first
      }
      return dy;
    };
    for (const [N, C, H, W, OC, pad] of [[8, 32, 14, 14, 64, 1], [3, 17, 9, 7, 20, 0], [2, 48, 6, 5, 70, 2], [2, 16, 8, 8, 16, 1]]) {
      const OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: 3, kernelWidth: 3,
        outHeight: OH, outWidth: OW, paddingH: pad, paddingW: pad });
      const w = randomF32(OC * C * 9), x = randomF32(N * C * H * W);
      for (const special of [undefined, Infinity, -Infinity, NaN, -0]) {
        const dy = pooledLike(N, OC, OH, OW, special);
        agree("conv2dBackwardInput", () => [dy, w, new Float32Array(N * C * H * W), p], [2], 1e-4, 1e-4);
        agree("conv2dBackwardWeight", () => [x, dy, new Float32Array(OC * C * 9), p], [2], 1e-4, 1e-3);
      }
      // A non-finite weight or image value: a skipped zero of dy times it would have been
      // NaN, so the plain sums run.
      for (const special of [Infinity, NaN]) {
        const wSpecial = w.slice(), xSpecial = x.slice();
        wSpecial[wSpecial.length - 5] = special;
        xSpecial[xSpecial.length - 3 * W - 2] = special;
        const dy = pooledLike(N, OC, OH, OW);
        agree("conv2dBackwardInput", () => [dy, wSpecial, new Float32Array(N * C * H * W), p], [2], 1e-4, 1e-4);
        agree("conv2dBackwardWeight", () => [xSpecial, dy, new Float32Array(OC * C * 9), p], [2], 1e-4, 1e-3);
      }
      // The sparse kernels sum in one order (dw: fixed groups of images): the same bits on 1 and 2 threads
      // (the baseline takes Winograd, whose products there split by thread count).
      if (addon!.info().isa === "baseline") continue;
      const dy = pooledLike(N, OC, OH, OW);
      const threads = addon!.info().threads;
      const runs = [1, 2].map((t) => {
        addon!.setNumThreads(t);
        const dx = new Float32Array(N * C * H * W), dw = new Float32Array(OC * C * 9);
        addon!.conv2dBackwardInput(dy, w, dx, p);
        addon!.conv2dBackwardWeight(x, dy, dw, p);
        return [dx, dw];
      });
      addon!.setNumThreads(threads);
      assert.deepEqual(Array.from(runs[0][0]), Array.from(runs[1][0]), "dx: the same bits on 1 and 2 threads");
      assert.deepEqual(Array.from(runs[0][1]), Array.from(runs[1][1]), "dw: the same bits on 1 and 2 threads");
    }
  });

  it("conv2d with infinite or huge weights and padding: padded taps count as 0 × w on every path", () => {
    // 3x3 stride 1 with 16 channels would take Winograd for finite, modest values; with 1 channel, the direct kernel.
    for (const [N, C, H, W, OC, pad] of [[2, 16, 6, 7, 16, 1], [1, 1, 5, 5, 2, 1], [2, 3, 8, 8, 4, 2], [1, 2, 4, 4, 3, 0]]) {
      const OH = H + 2 * pad - 2, OW = W + 2 * pad - 2;
      const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: 3, kernelWidth: 3,
        outHeight: OH, outWidth: OW, paddingH: pad, paddingW: pad });
      const x = Float32Array.from({ length: N * C * H * W }, (_, i) => ((i * 37) % 11) / 4 - 1);
      // (1e30 rather than 1e38: float32 sums near the largest float overflow in one summation order and not in another.)
      for (const special of [Infinity, -Infinity, NaN, 1e30]) {
        const w = Float32Array.from({ length: OC * C * 9 }, (_, i) => (i % 13 === 4 ? special : ((i * 5) % 7) / 8 - 0.4));
        const atol = special === 1e30 ? 1e25 : 1e-4; // float32 rounding of terms of 1e30
        agree("conv2d", () => [x, w, new Float32Array(N * OC * OH * OW), p], [2], 1e-4, atol);
        const dy = Float32Array.from({ length: N * OC * OH * OW }, (_, i) => (i % 17 === 3 ? special : ((i * 3) % 5) / 4 - 0.5));
        agree("conv2dBackwardInput", () => [dy, w.map((v) => (Number.isFinite(v) ? v : 0.5)), new Float32Array(x.length), p], [2], 1e-4, atol);
        agree("conv2dBackwardWeight", () => [x, dy, new Float32Array(w.length), p], [2], 1e-4, Math.max(atol, 1e-3));
      }
    }
  });
});
