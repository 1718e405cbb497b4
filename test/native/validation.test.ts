// The native addon must turn every bad argument into a TypeError or RangeError whose
// message starts with the kernel's name, and never crash the process. The random part
// runs in a child process, so that a segfault shows up as a failed test with its signal.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadAddon } from "../../core/backend/addon";
import { convGeometry, poolGeometry } from "../geometry";

/* eslint-disable @typescript-eslint/no-explicit-any */

const KERNELS = [
  "unary", "unaryBackward", "binary", "where", "reduce", "gemm", "softmax", "softmaxBackward",
  "conv2d", "conv2dBackwardInput", "conv2dBackwardWeight", "conv2dMaxPool2x2", "conv2dMaxPool2x2BackwardWeight",
  "conv2dMaxPool2x2Backward",
  "maxPool2d", "maxPool2dBackward", "avgPool2d", "avgPool2dBackward",
  "stridedCopy", "stridedScatter", "indexSelect", "indexAdd", "gather", "scatterAdd",
  "cast", "fill", "nonzero", "countNonFinite",
];

describe("native addon: argument validation", function () {
  const load = loadAddon();
  const addon = load.addon as any;

  before(function () {
    if (!addon) this.skip();  // not built: see load.failures
  });

  function throwsWith(fn: () => unknown, type: typeof TypeError | typeof RangeError, message: string | RegExp) {
    assert.throws(fn, (e: any) => {
      assert.ok(e instanceof type, `expected ${type.name}, got ${e?.constructor?.name}: ${e?.message}`);
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  }

  it("exports every kernel plus info and setNumThreads", function () {
    if (!addon) this.skip();
    for (const k of [...KERNELS, "gemmDeterministic", "im2col", "col2imAdd", "info", "setNumThreads"]) assert.equal(typeof addon[k], "function", k);
    const info = addon.info();
    assert.ok(info.blas === "portable" || info.blas.startsWith("openblas"), info.blas);
    assert.ok(Number.isInteger(info.threads) && info.threads >= 1);
    assert.equal(typeof info.version, "string");
    assert.equal(typeof info.simd, "string");
  });

  it("gives exact messages for targeted mistakes", function () {
    if (!addon) this.skip();
    const f = (n: number) => new Float32Array(n);
    throwsWith(() => addon.gemm(false, false, 2, 3, 4, f(8), f(6), f(6), 1, 0, 0, 0, false), RangeError,
      "gemm: B has 6 elements but K=4, N=3 needs 12");
    throwsWith(() => addon.gemm(false, false, 2, 3, 4, f(8), f(12), f(6), 2, 8, 12, 6, false), RangeError,
      "gemm: A has 8 elements but batch 2 with strideA 8 and M=2, K=4 needs 16");
    throwsWith(() => addon.gemm(false, false, 2, 3, 4, f(8), new Float64Array(12), f(6), 1, 0, 0, 0, false), TypeError,
      "gemm: A is float32 (Float32Array) but B is float64 (Float64Array); they must match");
    throwsWith(() => addon.gemm(0, false, 2, 3, 4, f(8), f(12), f(6), 1, 0, 0, 0, false), TypeError,
      "gemm: transA must be a boolean, got the number 0");
    throwsWith(() => addon.gemmDeterministic(false, true, 2, 3, 4, f(8), f(6), f(6), 1, 0, 0, 0, false), RangeError,
      "gemmDeterministic: B has 6 elements but N=3, K=4 needs 12");
    throwsWith(() => addon.gemmDeterministic(false, false, 2, 3, 4, f(8), f(12), new Float64Array(6), 1, 0, 0, 0, false), TypeError,
      "gemmDeterministic: A is float32 (Float32Array) but C is float64 (Float64Array); they must match");
    const conv = convGeometry({ batch: 2, inChannels: 3, inHeight: 6, inWidth: 5, outChannels: 4, kernelHeight: 3, kernelWidth: 3,
      outHeight: 6, outWidth: 5, paddingH: 1, paddingW: 1 });
    const conv6 = { ...conv, inWidth: 6, outWidth: 6 };
    const pool6 = poolGeometry({ batch: 1, channels: 1, inHeight: 6, inWidth: 6, outHeight: 3, outWidth: 3, kernelHeight: 2, kernelWidth: 2,
      strideH: 2, strideW: 2 });
    throwsWith(() => addon.im2col(f(180), f(27 * 60 - 1), conv, 0), RangeError,
      "im2col: cols has 1619 elements but C/groups*KH*KW*N*OH*OW needs 1620");
    throwsWith(() => addon.im2col(f(180), f(27 * 60), conv, 1), RangeError, /^im2col: group must be/);
    throwsWith(() => addon.col2imAdd(f(27 * 60), f(180), conv, 0), TypeError, /^col2imAdd: acc must be a Float64Array/);
    throwsWith(() => addon.gemm(false, false, 2, 3), TypeError, /^gemm: expected 13 arguments \(transA, transB, M, N, K, A, B, C, batch, strideA, strideB, strideC, accumulate\), got 4$/);
    throwsWith(() => addon.reduce(0, f(4), 1.5, 2, 2, f(2)), RangeError, "reduce: outer must be an integer, got 1.5");
    throwsWith(() => addon.reduce(0, f(4), -1, 2, 2, f(2)), RangeError, "reduce: outer must be a non-negative integer no larger than 2147483647, got -1");
    throwsWith(() => addon.reduce(2, f(0), 1, 0, 1, f(1)), RangeError, "reduce: cannot take max over an empty dimension");
    throwsWith(() => addon.reduce(6, f(4), 1, 4, 1, f(1)), RangeError, "reduce: op must be between 0 and 5, got 6");
    throwsWith(() => addon.unary(3, new Int32Array(3), new Int32Array(3), 0, 0), TypeError,
      "unary: exp is not defined on int32 (cast to a float dtype first)");
    throwsWith(() => addon.unary(0, [1, 2, 3], f(3), 0, 0), TypeError,
      "unary: x must be a Float32Array, Float64Array or Int32Array, got an array");
    throwsWith(() => addon.binary(0, f(6), [2, 3], f(2), [2], f(6), [2, 3]), RangeError,
      "binary: shapes aShape [2,3] and bShape [2] cannot be broadcast together");
    throwsWith(() => addon.binary(0, f(6), [2, 3], f(3), [3], f(6), [6]), RangeError,
      "binary: outShape [6] is not the broadcast shape [2,3] of aShape [2,3] and bShape [3]");
    throwsWith(() => addon.binary(3, new Int32Array(1), [1], new Int32Array(1), [1], new Int32Array(1), [1]), TypeError,
      "binary: div is not defined on int32 (cast to a float dtype first)");
    throwsWith(() => addon.binary(7, f(1), [1], f(1), [1], f(1), [1]), TypeError,
      "binary: eq writes bool: out must be a Uint8Array, got a Float32Array");
    throwsWith(() => addon.indexSelect(f(10), 1, 5, 2, Int32Array.from([1, 7]), f(4)), RangeError,
      "indexSelect: index 7 is out of range for a dimension of size 5");
    throwsWith(() => addon.gather(f(6), [2, 3], 1, Int32Array.from([0, -1]), [2, 1], f(2)), RangeError,
      "gather: index -1 is out of range for a dimension of size 3");
    throwsWith(() => addon.cast(Float32Array.from([1, NaN]), new Int32Array(2)), RangeError, "cast: cannot convert NaN to int32");
    throwsWith(() => addon.cast(Float64Array.from([3e10]), new Int32Array(1)), RangeError, "cast: 30000000000 is outside the range of int32");
    throwsWith(() => addon.conv2d(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 36), { ...conv6, outHeight: 5 }), RangeError,
      "conv2d: outHeight is 5, but inHeight 6, kernelHeight 3, strideH 1, paddingH 1, dilationH 1 give 6");
    throwsWith(() => addon.conv2d(f(2 * 3 * 36), f(4 * 9), f(2 * 4 * 36), { ...conv6, groups: 2 }), RangeError,
      "conv2d: groups 2 does not divide inChannels 3");
    // conv2dMaxPool2x2: the pooled output's size, the winners' type, the bias's length.
    const i32 = (n: number) => new Int32Array(n);
    throwsWith(() => addon.conv2dMaxPool2x2(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 36), i32(2 * 4 * 9), conv6), RangeError,
      /^conv2dMaxPool2x2: out .*N\*OC\*floor\(OH\/2\)\*floor\(OW\/2\) = 2\*4\*3\*3/);
    throwsWith(() => addon.conv2dMaxPool2x2(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 9), f(2 * 4 * 9), conv6), TypeError, /^conv2dMaxPool2x2: argmax/);
    throwsWith(() => addon.conv2dMaxPool2x2(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 9), i32(2 * 4 * 9), conv6, f(3)), RangeError,
      /^conv2dMaxPool2x2: bias .*one value per output channel, 4/);
    // conv2dMaxPool2x2BackwardWeight: the pooled gradient's and winners' sizes, their types,
    // the plane sums' and relu output's lengths.
    const pw = (dy: unknown, am: unknown, sums: unknown = null, mask: unknown = null, dw: unknown = f(4 * 3 * 9)) =>
      () => addon.conv2dMaxPool2x2BackwardWeight(f(2 * 3 * 36), dy, am, dw, sums, conv6, mask);
    throwsWith(pw(f(2 * 4 * 8), i32(2 * 4 * 9)), RangeError, /^conv2dMaxPool2x2BackwardWeight: dy .*N\*OC\*floor\(OH\/2\)\*floor\(OW\/2\) = 2\*4\*3\*3/);
    throwsWith(pw(f(2 * 4 * 9), i32(2 * 4 * 8)), RangeError, /^conv2dMaxPool2x2BackwardWeight: argmax /);
    throwsWith(pw(f(2 * 4 * 9), f(2 * 4 * 9)), TypeError, /^conv2dMaxPool2x2BackwardWeight: argmax/);
    throwsWith(pw(new Float64Array(2 * 4 * 9), i32(2 * 4 * 9)), TypeError, /^conv2dMaxPool2x2BackwardWeight: .*dy/);
    throwsWith(pw(f(2 * 4 * 9), i32(2 * 4 * 9), f(7)), RangeError, /^conv2dMaxPool2x2BackwardWeight: planeSums .*N\*OC = 8/);
    throwsWith(pw(f(2 * 4 * 9), i32(2 * 4 * 9), null, f(71)), RangeError, /^conv2dMaxPool2x2BackwardWeight: reluOut /);
    throwsWith(pw(f(2 * 4 * 9), i32(2 * 4 * 9), null, null, f(4 * 3 * 8)), RangeError, /^conv2dMaxPool2x2BackwardWeight: dw /);
    assert.equal(pw(f(2 * 4 * 9), i32(2 * 4 * 9))(), false, "every winner at 0: outside the windows after the first, declined");
    // conv2dMaxPool2x2Backward: as that, and the filters' and input gradient's lengths and types.
    const pb = (dy: unknown, am: unknown, { sums = null as unknown, mask = null as unknown, dw = f(4 * 3 * 9) as unknown, dx = f(2 * 3 * 36) as unknown,
      w = f(4 * 3 * 9) as unknown } = {}) => () => addon.conv2dMaxPool2x2Backward(f(2 * 3 * 36), w, dy, am, dx, dw, sums, conv6, mask);
    const good = [f(2 * 4 * 9), i32(2 * 4 * 9)] as const;
    throwsWith(pb(f(2 * 4 * 8), i32(2 * 4 * 9)), RangeError, /^conv2dMaxPool2x2Backward: dy .*N\*OC\*floor\(OH\/2\)\*floor\(OW\/2\) = 2\*4\*3\*3/);
    throwsWith(pb(f(2 * 4 * 9), i32(2 * 4 * 8)), RangeError, /^conv2dMaxPool2x2Backward: argmax /);
    throwsWith(pb(f(2 * 4 * 9), f(2 * 4 * 9)), TypeError, /^conv2dMaxPool2x2Backward: argmax/);
    throwsWith(pb(new Float64Array(2 * 4 * 9), i32(2 * 4 * 9)), TypeError, /^conv2dMaxPool2x2Backward: .*dy/);
    throwsWith(pb(...good, { sums: f(7) }), RangeError, /^conv2dMaxPool2x2Backward: planeSums .*N\*OC = 8/);
    throwsWith(pb(...good, { mask: f(71) }), RangeError, /^conv2dMaxPool2x2Backward: reluOut /);
    throwsWith(pb(...good, { dw: f(4 * 3 * 8) }), RangeError, /^conv2dMaxPool2x2Backward: dw /);
    throwsWith(pb(...good, { dx: f(2 * 3 * 35) }), RangeError, /^conv2dMaxPool2x2Backward: dx /);
    throwsWith(pb(...good, { w: f(4 * 3 * 8) }), RangeError, /^conv2dMaxPool2x2Backward: w /);
    throwsWith(pb(...good, { w: new Float64Array(4 * 3 * 9) }), TypeError, /^conv2dMaxPool2x2Backward: .*w/);
    throwsWith(pb(...good, { dx: null }), TypeError, /^conv2dMaxPool2x2Backward: dx/);
    assert.equal(pb(...good)(), false, "3 input channels: not the sparse gradients' geometry, declined");
    throwsWith(() => addon.maxPool2dBackward(f(9), new Int32Array(9).fill(36), f(36), pool6), RangeError,
      "maxPool2dBackward: argmax holds 36 at 0, which is out of range for a 6x6 plane");
    // relu's output, optional in both: its length and dtype; relu a boolean.
    throwsWith(() => addon.maxPool2dBackward(f(9), i32(9), f(36), pool6, f(8)), RangeError, /^maxPool2dBackward: reluOut /);
    throwsWith(() => addon.maxPool2dBackward(f(9), i32(9), f(36), pool6, new Float64Array(9)), TypeError, /^maxPool2dBackward: .*reluOut/);
    throwsWith(() => addon.conv2dMaxPool2x2(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 9), i32(2 * 4 * 9), conv6, null, "yes"), TypeError,
      /^conv2dMaxPool2x2: relu/);
    // The 2x2 fast path checks each argmax against its window first: the extremes of int32
    // (whose difference from a window's start would overflow 32 bits) still reach the range check.
    for (const bad of [-2147483648, 2147483647]) {
      const am = Int32Array.from([0, 2, 4, 12, 14, 16, 24, 26, 28]);
      am[5] = bad;
      throwsWith(() => addon.maxPool2dBackward(f(9), am, f(36), pool6), RangeError,
        `maxPool2dBackward: argmax holds ${bad} at 5, which is out of range for a 6x6 plane`);
    }
    throwsWith(() => addon.stridedCopy(f(10), 2, [4], [3], f(3)), RangeError,
      "stridedCopy: the view (offset 2, shape [3]) reaches element 10 but src has only 10 elements");
    throwsWith(() => addon.stridedCopy(f(10), 0, [-1], [3], f(3)), RangeError,
      "stridedCopy: the stride of dimension 0 is -1; negative strides are not supported");
    throwsWith(() => addon.conv2d(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 36), { ...conv6, strideH: 0 }), RangeError,
      "conv2d: strideH must be at least 1, got 0");
    throwsWith(() => addon.conv2d(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 36), { ...conv6, paddingH: -1 }), RangeError,
      "conv2d: paddingH must be a non-negative integer no larger than 2147483647, got -1");
    throwsWith(() => addon.maxPool2d(f(36), f(9), new Int32Array(9), { ...pool6, kernelHeight: 2.5 }), RangeError,
      "maxPool2d: kernelHeight must be an integer, got 2.5");
    // A geometry is an object read by name: a missing field or the old positional array is named in the error.
    throwsWith(() => addon.conv2d(f(2 * 3 * 36), f(4 * 3 * 9), f(2 * 4 * 36), { ...conv6, groups: undefined }), TypeError,
      "conv2d: groups must be a number, got undefined");
    throwsWith(() => addon.avgPool2d(f(36), f(9), [1, 1, 6, 6, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1], true), TypeError,
      /^avgPool2d: geometry must be an object \{batch, channels, inHeight, .*\}, got an array$/);
    throwsWith(() => addon.stridedCopy(f(10), 0, [1, NaN], [3, 1], f(3)), RangeError, "stridedCopy: strides (dimension 1) must be an integer, got NaN");
    throwsWith(() => addon.setNumThreads(0), RangeError, "setNumThreads: n must be between 1 and 1024, got 0");
  });

  it("leaves buffers untouched when an index is bad", function () {
    if (!addon) this.skip();
    const dx = new Float32Array(10).fill(1);
    assert.throws(() => addon.indexAdd(dx, 1, 5, 2, Int32Array.from([0, 1, 5]), new Float32Array(6).fill(9)), RangeError);
    assert.deepEqual(Array.from(dx), new Array(10).fill(1));
    const d2 = new Float32Array(6).fill(1);
    assert.throws(() => addon.scatterAdd(d2, [2, 3], 1, Int32Array.from([0, 3]), [2, 1], new Float32Array(2).fill(5)), RangeError);
    assert.deepEqual(Array.from(d2), new Array(6).fill(1));
  });

  it("survives thousands of random bad calls (child process)", function () {
    if (!addon || !load.path) this.skip();
    this.timeout(120000);
    const script = path.join(__dirname, "validation-fuzz.js");
    const r = spawnSync(process.execPath, [script, load.path, "20240611", "40"], { encoding: "utf8", timeout: 110000 });
    assert.equal(r.signal, null, `the fuzz process died with ${r.signal}\n${r.stderr}`);
    assert.equal(r.status, 0, `the fuzz process exited with ${r.status}\n${r.stderr}`);
    const summary = JSON.parse(r.stdout.trim().split("\n").pop() as string);
    assert.ok(summary.calls >= 4000, `only ${summary.calls} calls`);
    assert.ok(summary.threw >= summary.calls * 0.8, `only ${summary.threw} of ${summary.calls} calls threw`);
    assert.deepEqual(summary.unexpected.slice(0, 20), []);
  });
});
