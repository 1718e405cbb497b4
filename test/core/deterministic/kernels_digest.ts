// Runs every kernel as deterministic mode runs it, on fixed data with edge values (±0,
// ±Inf, NaN, subnormals), and prints one digest per kernel (and per op of the op-coded
// ones) as JSON. deterministic_kernels.test.ts compares the backends, thread counts,
// small-work thresholds and instruction-set paths. Arguments: backend, threads, small-work
// threshold, and "normal" to run the kernels outside the mode instead.
import { createHash } from "node:crypto";
import { setBackend, setNumThreads, setDeterministic, kernels, setSmallWorkThreshold } from "../../../core/backend";
import { UNARY, BINARY, REDUCE } from "../../../core/backend/kernels";
import type { Buffer } from "../../../core/backend/kernels";
import { convGeometry, poolGeometry } from "../../geometry";

const [backendName, threads, smallWork, mode] = process.argv.slice(2);
setBackend(backendName);
setNumThreads(Number(threads));
setSmallWorkThreshold(Number(smallWork));
setDeterministic(mode !== "normal");
const k = kernels();

let seed = 12345;
const uniform = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const EDGES = [0, -0, NaN, Infinity, -Infinity, 1e-40, -1e-40, 0.5, -0.5, 2.5, -1.5, 1e30, -1e30, 88.5, -104];
/** n values, mostly spread over [-4, 4], with the edge values sprinkled in. */
function data(n: number, Ctor: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array, edges = true) {
  const a = new Ctor(n);
  for (let i = 0; i < n; i++) a[i] = edges && i % 97 === 5 ? EDGES[(i / 97) % EDGES.length | 0] : (uniform() - 0.5) * 8;
  return a;
}
const positive = (n: number) => data(n, Float32Array, false).map(Math.abs);

const digests: Record<string, string> = {};
/**
 * Digests of the outputs, every NaN counted as one: the sign and payload of a NaN are not
 * part of the promise, as JavaScript itself does not keep them from one run to the next
 * (V8's compiled and interpreted code give -NaN·-1 different signs).
 */
function put(name: string, ...bufs: Buffer[]): void {
  const h = createHash("sha1");
  for (const b of bufs) {
    const copy = b.slice();
    if (copy instanceof Float32Array || copy instanceof Float64Array) for (let i = 0; i < copy.length; i++) if (copy[i] !== copy[i]) copy[i] = 0x7ff;
    h.update(new Uint8Array(copy.buffer, copy.byteOffset, copy.byteLength));
  }
  digests[name] = h.digest("hex");
}

// Above the addon's threading threshold (32768 elements), so that two threads share them.
const BIG = 70001;
const PARAMS: Record<string, [number, number]> = {
  leakyRelu: [0.01, 0], elu: [1, 0], softplus: [1, 20], hardtanh: [-1, 1], heaviside: [0.5, 0], clamp: [-0.3, 0.7], powScalar: [1.7, 0],
};
for (const Ctor of [Float32Array, Float64Array]) {
  const x = data(BIG, Ctor);
  const dy = data(BIG, Ctor);
  UNARY.forEach((name, op) => {
    const [a, b] = PARAMS[name] ?? [0, 0];
    const y = new Ctor(BIG), dx = new Ctor(BIG);
    k.unary(op, x, y, a, b);
    k.unaryBackward(op, x, y, dy, dx, a, b);
    put(`unary ${name} ${Ctor.name}`, y);
    put(`unaryBackward ${name} ${Ctor.name}`, dx);
  });
}
{
  const a = data(300), b = data(250), out = new Float32Array(300 * 250), bools = new Uint8Array(300 * 250);
  BINARY.forEach((name, op) => {
    const bool = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or"].includes(name);
    k.binary(op, a, [300, 1], b, [1, 250], bool ? bools : out, [300, 250]);
    put(`binary ${name}`, bool ? bools : out);
  });
  const cond = new Uint8Array(300 * 250).map(() => (uniform() < 0.5 ? 1 : 0));
  k.where(cond, [300, 250], a, [300, 1], b, [1, 250], out, [300, 250]);
  put("where", out);
}
for (const [outer, n, inner] of [[30, 257, 13], [1, 100003, 1], [3, 5, 40000]]) {
  const x = data(outer * n * inner);
  REDUCE.forEach((name, op) => {
    const out = name.startsWith("arg") ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
    k.reduce(op, x, outer, n, inner, out);
    put(`reduce ${name} ${outer}x${n}x${inner}`, out);
  });
  for (const log of [false, true]) {
    const y = new Float32Array(x.length), dx = new Float32Array(x.length);
    const finite = data(x.length, Float32Array, false);
    k.softmax(finite, y, outer, n, inner, log);
    k.softmaxBackward(y, data(x.length, Float32Array, false), dx, outer, n, inner, log);
    put(`softmax${log ? " log" : ""} ${outer}x${n}x${inner}`, y, dx);
  }
}
for (const Ctor of [Float32Array, Float64Array])
  for (const [M, N, K, batch] of [[64, 256, 784, 1], [130, 10, 257, 2], [7, 300, 33, 3]])
    for (const ta of [false, true]) for (const tb of [false, true]) for (const acc of [false, true]) {
      const A = data(M * K * batch, Ctor, false), B = data(K * N * batch, Ctor, false), C = data(M * N * batch, Ctor, false);
      k.gemm(ta, tb, M, N, K, A, B, C, batch, M * K, K * N, M * N, acc);
      put(`gemm ${Ctor.name} ${M}x${N}x${K}x${batch} ${ta} ${tb} ${acc}`, C);
    }
// The course CNN's two layers, a strided one with dilation, and a grouped one.
for (const [N, C, H, W, OC, KH, KW, s, pad, dil, G] of [
  [16, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1], [8, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1], [4, 6, 11, 9, 8, 3, 2, 2, 1, 2, 2]]) {
  const OH = Math.floor((H + 2 * pad - dil * (KH - 1) - 1) / s) + 1, OW = Math.floor((W + 2 * pad - dil * (KW - 1) - 1) / s) + 1;
  const p = convGeometry({ batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW,
    outHeight: OH, outWidth: OW, strideH: s, strideW: s, paddingH: pad, paddingW: pad, dilationH: dil, dilationW: dil, groups: G });
  const x = data(N * C * H * W, Float32Array, false), w = data(OC * (C / G) * KH * KW, Float32Array, false);
  const dy = data(N * OC * OH * OW, Float32Array, false);
  const y = new Float32Array(dy.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
  k.conv2d(x, w, y, p);
  k.conv2dBackwardInput(dy, w, dx, p);
  k.conv2dBackwardWeight(x, dy, dw, p);
  put(`conv2d ${[N, C, H, W, OC, KH, KW, OH, OW, s, s, pad, pad, dil, dil, G].join(",")}`, y, dx, dw);
}
for (const [KH, s, pad] of [[2, 2, 0], [3, 1, 1], [3, 2, 1]]) {
  const [N, C, H, W] = [8, 16, 28, 28];
  const OH = Math.floor((H + 2 * pad - KH) / s) + 1;
  const p = poolGeometry({ batch: N, channels: C, inHeight: H, inWidth: W, outHeight: OH, outWidth: OH, kernelHeight: KH, kernelWidth: KH,
    strideH: s, strideW: s, paddingH: pad, paddingW: pad });
  const x = data(N * C * H * W), y = new Float32Array(N * C * OH * OH), am = new Int32Array(y.length);
  const dy = data(y.length, Float32Array, false), dx = new Float32Array(x.length);
  k.maxPool2d(x, y, am, p);
  k.maxPool2dBackward(dy, am, dx, p);
  put(`maxPool2d ${KH} ${s} ${pad}`, y, am, dx);
  const ay = new Float32Array(y.length), adx = new Float32Array(x.length);
  k.avgPool2d(x, ay, p, pad > 0);
  k.avgPool2dBackward(dy, adx, p, pad > 0);
  put(`avgPool2d ${KH} ${s} ${pad}`, ay, adx);
}
{
  const src = data(200 * 300), dst = new Float32Array(300 * 200);
  k.stridedCopy(src, 0, [1, 300], [300, 200], dst);
  put("stridedCopy", dst);
  for (const acc of [false, true]) {
    const into = data(200 * 300);
    k.stridedScatter(into, 0, [1, 300], [300, 200], dst, acc);
    k.stridedScatter(into, 0, [0, 1], [50, 300], data(50 * 300), acc);
    put(`stridedScatter ${acc}`, into);
  }
  const idx = Int32Array.from({ length: 5000 }, () => Math.floor(uniform() * 300));
  const sel = new Float32Array(20 * 5000 * 7);
  const x = data(20 * 300 * 7);
  k.indexSelect(x, 20, 300, 7, idx, sel);
  put("indexSelect", sel);
  const into = data(20 * 300 * 7);
  k.indexAdd(into, 20, 300, 7, idx, data(sel.length));
  put("indexAdd", into);
  const gidx = Int32Array.from({ length: 400 * 50 }, () => Math.floor(uniform() * 300));
  const g = new Float32Array(400 * 50);
  const x2 = data(400 * 300);
  k.gather(x2, [400, 300], 1, gidx, [400, 50], g);
  put("gather", g);
  const sa = data(400 * 300);
  k.scatterAdd(sa, [400, 300], 1, gidx, [400, 50], data(400 * 50));
  put("scatterAdd", sa);
  const ints = new Int32Array(BIG), back = new Float32Array(BIG), f64 = new Float64Array(BIG);
  const finite = data(BIG, Float32Array, false);
  k.cast(finite, ints);
  k.cast(ints, back);
  k.cast(finite, f64);
  put("cast", ints, back, f64);
  const filled = new Float32Array(BIG);
  k.fill(filled, 0.1);
  put("fill", filled);
  const mask = new Uint8Array(BIG).map(() => (uniform() < 0.3 ? 1 : 0));
  put("nonzero", k.nonzero(mask));
  put("countNonFinite", Int32Array.of(k.countNonFinite(data(BIG))));
}
for (const Ctor of [Float32Array, Float64Array]) {
  for (const [momentum, nesterov, wd] of [[0, false, 0], [0.9, true, 1e-4], [0.9, false, 0]] as [number, boolean, number][]) {
    const p = data(BIG, Ctor, false), buf = new Ctor(BIG);
    for (let step = 0; step < 3; step++) k.sgdStep(p, data(BIG, Ctor, false), buf, 0.01, momentum, 0, wd, nesterov, step === 0);
    put(`sgdStep ${Ctor.name} ${momentum} ${nesterov} ${wd}`, p, buf);
  }
  for (const [decoupled, amsgrad, wd] of [[false, false, 0], [true, true, 0.01], [false, false, 1e-4]] as [boolean, boolean, number][]) {
    const p = data(BIG, Ctor, false), m = new Ctor(BIG), v = new Ctor(BIG), vmax = new Ctor(BIG);
    for (let step = 1; step <= 3; step++) k.adamStep(p, data(BIG, Ctor, false), m, v, vmax, step, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, amsgrad);
    put(`adamStep ${Ctor.name} ${decoupled} ${amsgrad} ${wd}`, p, m, v, vmax);
  }
}
console.log(JSON.stringify(digests));
