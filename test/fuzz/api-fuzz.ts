// Run by api-fuzz.test.ts in a child process (so that a crash or a hang is a failed test,
// not a dead mocha): calls gradlab's public API with seeded random arguments — bad ones
// (wrong types, null, NaN, negative and huge sizes, wrong shapes and dtypes) and good
// ones at the edges (NaN, ±Inf, 1e38, denormals, empty and 0-d tensors), on tiny and on
// large tensors — under every configuration (js, native with the small-work shortcut,
// native with every call in C++), and prints a JSON summary on stdout's last line.
//
//   node dist/test/fuzz/api-fuzz.js [seed] [cases] [--case i]   (--case prints that case's arguments and outcomes)
//
// A case passes when every configuration gives the same outcome: the same values
// (NaN-aware, with a tolerance for float sums), or the same Error whose message starts
// with an op's name and names nothing internal.
/* eslint-disable @typescript-eslint/no-explicit-any */
import * as gl from "../../core";
import { Tensor, F, nn, optim } from "../../core";
import { availableBackends, backend, setBackend, setSmallWorkThreshold } from "../../core/backend";

const argv = process.argv.slice(2);
const only = argv.indexOf("--case") >= 0 ? Number(argv[argv.indexOf("--case") + 1]) : -1;
const positional = argv.filter((a, i) => !a.startsWith("--") && argv[i - 1] !== "--case");
const seed = Number(positional[0] ?? 21);
const cases = Number(positional[1] ?? 2000);

// ---- seeded randomness -------------------------------------------------------------
let state = 1;
function reseed(s: number): void {
  state = (s >>> 0) || 1;
  for (let i = 0; i < 4; i++) rnd();
}
function rnd(): number {
  // xorshift32
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const chance = (p: number) => rnd() < p;

// ---- arguments: makers that build a fresh value for each configuration ------------
/** An argument: a maker run once per configuration, its description, and whether it holds values near the float32 limit. */
interface Arg { make: () => unknown; desc: string; huge?: boolean }
const isHuge = (v: unknown): boolean => (typeof v === "number" ? Math.abs(v) >= 1e30 && Number.isFinite(v) : Array.isArray(v) ? v.some(isHuge) : false);
const lit = (v: unknown, desc?: string): Arg => ({ make: () => v, desc: desc ?? show(v), huge: isHuge(v) });

function show(v: unknown): string {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "function") return "() => 0";
  if (v === undefined) return "undefined";
  if (ArrayBuffer.isView(v)) return `new ${v.constructor.name}(${(v as any).length})`;
  try { return JSON.stringify(v, (_k, x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x)); } catch { return String(v); }
}

const EDGE = [NaN, Infinity, -Infinity, 0, -0, 1e38, -1e38, 3.4e38, 1e-40, -1e-40, 1e-45, 1, -1, 65504, 0.5];
const INT_EDGE = [2147483647, -2147483648, 0, 1, -1, 46341];

type Vals = "normal" | "edge" | "int" | "intEdge" | "bool" | "prob" | { labels: number } | "positive";
type DT = "float32" | "float64" | "int32" | "bool";

function value(v: Vals): number {
  if (v === "normal") return Math.round((rnd() * 6 - 3) * 64) / 64;
  if (v === "positive") return Math.round(rnd() * 4 * 64 + 1) / 64;
  if (v === "edge") return chance(0.3) ? pick(EDGE) : Math.round((rnd() * 6 - 3) * 64) / 64;
  if (v === "int") return int(-5, 5);
  if (v === "intEdge") return chance(0.3) ? pick(INT_EDGE) : int(-5, 5);
  if (v === "bool") return int(0, 1);
  if (v === "prob") return chance(0.1) ? pick([0, 1, NaN]) : rnd();
  return int(0, v.labels - 1);
}

const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array } as const;

/** A tensor argument: dtype, shape and values drawn now; the tensor is built fresh per configuration. */
function tensorArg(dtype: DT, shape: number[], vals: Vals, requiresGrad = false): Arg {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, () => value(vals));
  return {
    make: () => {
      const t = new Tensor(CTOR[dtype].from(data), shape.slice(), dtype);
      return requiresGrad ? t.requiresGrad_() : t;
    },
    desc: `${dtype}[${shape}]${typeof vals === "string" ? vals : "labels"}${requiresGrad ? "+grad" : ""}`,
    huge: data.some(isHuge),
  };
}

function floatDT(): DT { return chance(0.75) ? "float32" : "float64"; }
function anyDT(): DT { return pick(["float32", "float32", "float64", "int32", "bool"] as const); }
function valsFor(dt: DT): Vals { return dt === "bool" ? "bool" : dt === "int32" ? (chance(0.5) ? "int" : "intEdge") : chance(0.5) ? "edge" : "normal"; }

/** A shape: tiny (0-12 elements, 0-d and empty included) or large (at least 1024 elements, past the small-work threshold). */
function shapeOf(large: boolean, minRank = 0, maxRank = 3): number[] {
  const rank = int(minRank, maxRank);
  if (!large) return Array.from({ length: rank }, () => (chance(0.08) ? 0 : int(1, 3)));
  if (rank === 0) return [int(1024, 3000)];
  const s = Array.from({ length: rank }, () => int(2, 8));
  let n = s.reduce((a, b) => a * b, 1);
  while (n < 1024) { const i = int(0, rank - 1); s[i] *= 2; n *= 2; }
  return s;
}

/** A shape that broadcasts against s: some dims 1, some leading dims dropped. */
function broadcastable(s: number[]): number[] {
  let b = s.map((d) => (chance(0.25) ? 1 : d));
  if (chance(0.3)) b = b.slice(int(0, b.length));
  return b;
}

// ---- bad arguments ---------------------------------------------------------------------
const BAD: (() => Arg)[] = [
  () => lit(undefined), () => lit(null), () => lit(NaN), () => lit(-1), () => lit(1.5), () => lit(1e300), () => lit(-(2 ** 31)),
  () => lit(2 ** 31), () => lit(Infinity), () => lit("x"), () => lit("2"), () => lit({}), () => lit([]), () => lit([1, 2]),
  () => lit([NaN]), () => lit([-1, 2]), () => lit([1e5, 1e5]), () => lit([2 ** 31, 2]), () => lit(true), () => lit(3n),
  () => lit(() => 0), () => ({ make: () => new Float32Array(3), desc: "new Float32Array(3)" }),
  () => tensorArg("int32", [2, 3], "int"), () => tensorArg("bool", [3], "bool"), () => tensorArg("float32", [], "normal"),
  () => tensorArg("float32", [0], "normal"), () => tensorArg("float64", [2, 0, 3], "normal"), () => tensorArg("float32", [7, 5], "normal"),
  () => tensorArg("float32", [1, 1, 1, 1, 1], "normal"),
];
const badArg = () => pick(BAD)();

// ---- the API under test ------------------------------------------------------------------
interface OpDef {
  name: string;
  /** Valid (or nearly) arguments for tiny or large tensors. */
  args: (large: boolean) => Arg[];
  call: (...a: any[]) => unknown;
}

const T = (large: boolean, dt: DT = anyDT(), minRank = 0, maxRank = 3) => tensorArg(dt, shapeOf(large, minRank, maxRank), valsFor(dt));
const FT = (large: boolean, minRank = 0, maxRank = 3) => T(large, floatDT(), minRank, maxRank);
const dimArg = () => lit(pick([0, 1, -1, 2, -2, 0, 1]));
const opts = (o: Record<string, () => unknown>): Arg => {
  const v: Record<string, unknown> = {};
  for (const [k, g] of Object.entries(o)) if (chance(0.6)) v[k] = g();
  return lit(v);
};

const UNARY = ["neg", "abs", "sign", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "floor", "ceil", "round",
  "reciprocal", "square", "atan", "log1p", "expm1", "erf"];
const BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr"];
const ACT = ["relu", "leakyRelu", "elu", "selu", "softplus", "softsign", "sigmoid", "tanh", "hardtanh", "gelu", "silu", "heaviside"];

function binaryShapes(large: boolean): [Arg, Arg] {
  const dt = anyDT();
  const s = shapeOf(large);
  const other = chance(0.3) ? lit(value(chance(0.5) ? "edge" : "int")) : tensorArg(chance(0.8) ? dt : anyDT(), broadcastable(s), valsFor(dt));
  return [tensorArg(dt, s, valsFor(dt)), other];
}

function convArgs(large: boolean): Arg[] {
  const N = large ? 2 : int(1, 2), G = pick([1, 1, 2]), C = G * int(1, large ? 4 : 2), OC = G * int(1, large ? 4 : 2);
  const K = pick([1, 2, 3]), H = large ? 16 : int(K, 6), W = large ? 16 : int(K, 6);
  const dt = floatDT();
  const vals: Vals = chance(0.4) ? "edge" : "normal";
  return [
    tensorArg(dt, chance(0.15) ? [C, H, W] : [N, C, H, W], vals),
    tensorArg(dt, [OC, C / G, K, K], vals),
    chance(0.5) ? tensorArg(dt, [OC], vals) : lit(null),
    lit({ stride: pick([1, 1, 2, [1, 2]]), padding: pick([0, 1, "same", "valid", [1, 0]]), dilation: pick([1, 1, 2]), groups: G, dropRemainder: true }),
  ];
}

function poolArgs(large: boolean): Arg[] {
  const dt = floatDT();
  const K = pick([1, 2, 3]);
  return [
    tensorArg(dt, [large ? 4 : 1, large ? 4 : int(1, 2), large ? 16 : int(K, 6), large ? 16 : int(K, 6)], chance(0.4) ? "edge" : "normal"),
    lit({ kernelSize: K, stride: pick([undefined, 1, 2]), padding: pick([0, 0, 1]), ceilMode: chance(0.3), dropRemainder: true }),
  ];
}

function lossArgs(large: boolean, kind: "labels" | "same" | "prob"): Arg[] {
  const N = large ? int(100, 300) : int(1, 4), K = large ? int(10, 20) : int(2, 4);
  const dt = floatDT();
  const input = tensorArg(dt, [N, K], chance(0.4) ? "edge" : "normal");
  if (kind === "labels") return [input, tensorArg("int32", [N], { labels: K })];
  if (kind === "prob") return [tensorArg(dt, [N, K], "prob"), tensorArg(dt, [N, K], "prob")];
  return [input, tensorArg(dt, [N, K], chance(0.4) ? "edge" : "normal")];
}

function optimArgs(large: boolean): Arg[] {
  const dt = floatDT();
  const s = shapeOf(large, 1, 2);
  const vals: Vals = chance(0.5) ? "edge" : "normal";
  return [tensorArg(dt, s, "normal", true), tensorArg(dt, chance(0.9) ? s : broadcastable(s), vals), lit(chance(0.5) ? 0.1 : pick([1e-3, 0, 1e30]))];
}

/** One optimiser step (two, with state) on a parameter with the given gradient; the parameter's values are the outcome. */
function stepWith(make: (p: Tensor) => any) {
  return (p: Tensor, g: Tensor, lr: number) => {
    const opt = make(p);
    opt.paramGroups[0].options.lr = lr;
    p.grad = g;
    opt.step();
    opt.step();
    return p.detach().clone();
  };
}

/** f(x).sum().backward(); the gradient is the outcome. */
function gradOf(f: (x: Tensor) => Tensor) {
  return (x: Tensor) => {
    if (x instanceof Tensor && !x.requiresGrad) x.requiresGrad_();
    const y = f(x);
    (y.numel === 1 ? y.reshape([]) : y.sum()).backward();
    return x.grad;
  };
}

const OPS: OpDef[] = [
  // creation
  { name: "tensor", args: () => [lit(pick([[1, 2], [[1, 2], [3]], [true, false], 5, [[NaN, Infinity]], [1e12], [-1, 0.5, NaN]])), opts({ dtype: () => pick(["float32", "int32", "bool", "float64", "half"]) })], call: (v, o) => gl.tensor(v, o) },
  { name: "zeros", args: (l) => [lit(shapeOf(l)), opts({ dtype: anyDT })], call: (s, o) => gl.zeros(s, o) },
  { name: "ones", args: (l) => [lit(shapeOf(l)), opts({ dtype: anyDT })], call: (s, o) => gl.ones(s, o) },
  { name: "full", args: (l) => [lit(shapeOf(l)), lit(value("edge")), opts({ dtype: anyDT })], call: (s, v, o) => gl.full(s, v, o) },
  { name: "eye", args: () => [lit(int(0, 4)), lit(int(0, 4)), opts({ dtype: anyDT })], call: (n, m, o) => gl.eye(n, m, o) },
  { name: "arange", args: () => [lit(int(-3, 3)), lit(int(0, 40)), lit(pick([1, 2, 0.5, -1])), opts({ dtype: anyDT })], call: (a, b, c, o) => gl.arange(a, b, c, o) },
  { name: "linspace", args: () => [lit(value("normal")), lit(value("normal")), lit(int(0, 10)), opts({ dtype: anyDT })], call: (a, b, n, o) => gl.linspace(a, b, n, o) },
  { name: "randn", args: (l) => [lit(shapeOf(l)), opts({ dtype: anyDT })], call: (s, o) => gl.randn(s, o) },
  { name: "rand", args: (l) => [lit(shapeOf(l)), opts({ dtype: anyDT })], call: (s, o) => gl.rand(s, o) },
  { name: "randint", args: (l) => [lit(int(-5, 0)), lit(int(1, 10)), lit(shapeOf(l)), opts({ dtype: anyDT })], call: (a, b, s, o) => gl.randint(a, b, s, o) },
  { name: "randperm", args: (l) => [lit(l ? 2000 : int(0, 8)), opts({ dtype: anyDT })], call: (n, o) => gl.randperm(n, o) },
  { name: "fullLike", args: (l) => [T(l), lit(value("edge")), opts({ dtype: anyDT })], call: (t, v, o) => gl.fullLike(t, v, o) },
  { name: "Tensor", args: (l) => { const s = shapeOf(l); const n = chance(0.8) ? s.reduce((a, b) => a * b, 1) : int(0, 5); const dt = anyDT();
    return [{ make: () => new CTOR[dt](n), desc: `new ${CTOR[dt].name}(${n})` }, lit(s), lit(dt)]; },
    call: (data, s, dt) => new Tensor(data, s, dt) },
  // elementwise
  ...UNARY.map((u): OpDef => ({ name: u, args: (l) => [T(l)], call: (x) => x[u]() })),
  ...BINARY.map((b): OpDef => ({ name: b, args: (l) => binaryShapes(l), call: (x, y) => x[b](y) })),
  { name: "where", args: (l) => { const [a, b] = binaryShapes(l); return [tensorArg("bool", shapeOf(l), "bool"), a, b]; }, call: (c, a, b) => gl.where(c, a, b) },
  { name: "clamp", args: (l) => [T(l), lit(chance(0.7) ? value("edge") : null), lit(chance(0.7) ? value("edge") : undefined)], call: (x, lo, hi) => x.clamp(lo, hi) },
  { name: "to", args: (l) => [T(l), lit(anyDT())], call: (x, d) => x.to(d) },
  { name: "isNaN", args: (l) => [T(l)], call: (x) => x.isNaN() },
  { name: "isFinite", args: (l) => [T(l)], call: (x) => x.isFinite() },
  // in place
  { name: "fill_", args: (l) => [T(l), lit(value("edge"))], call: (x, v) => x.fill_(v) },
  { name: "copy_", args: (l) => { const [a, b] = binaryShapes(l); return [a, b]; }, call: (x, y) => x.copy_(y) },
  { name: "add_", args: (l) => binaryShapes(l), call: (x, y) => x.add_(y) },
  { name: "clamp_", args: (l) => [T(l), lit(value("normal")), lit(value("edge"))], call: (x, a, b) => x.clamp_(a, b) },
  // reductions
  ...["sum", "mean", "prod", "amax", "amin", "argmax", "argmin", "logsumexp"].map((r): OpDef => ({
    name: r, args: (l) => [T(l, anyDT(), 1), chance(0.3) && r !== "logsumexp" ? lit(undefined) : dimArg(), lit(chance(0.5))], call: (x, d, k) => x[r](d, k),
  })),
  { name: "max", args: (l) => [T(l, anyDT(), 1), chance(0.4) ? lit(undefined) : dimArg()], call: (x, d) => x.max(d) },
  { name: "var", args: (l) => [FT(l, 1), dimArg(), opts({ correction: () => pick([0, 1, 2]), keepdim: () => chance(0.5) })], call: (x, d, o) => x.var(d, o) },
  { name: "std", args: (l) => [FT(l, 1), chance(0.5) ? lit(undefined) : dimArg()], call: (x, d) => x.std(d) },
  { name: "norm", args: (l) => [FT(l, 1), lit(pick([1, 2, Infinity, 3, 0.5])), chance(0.5) ? lit(undefined) : dimArg()], call: (x, p, d) => x.norm(p, d) },
  // linear algebra
  { name: "matmul", args: (l) => { const dt = floatDT(); const [M, K, N] = l ? [int(20, 40), int(20, 40), int(20, 40)] : [int(1, 3), int(0, 3), int(1, 3)];
    const v: Vals = chance(0.3) ? "edge" : "normal";
    return [tensorArg(dt, chance(0.2) ? [K] : chance(0.2) ? [2, M, K] : [M, K], v), tensorArg(chance(0.9) ? dt : anyDT(), chance(0.2) ? [K] : [K, N], v)]; },
    call: (a, b) => a.matmul(b) },
  { name: "dot", args: (l) => { const n = l ? 2000 : int(0, 4); const dt = floatDT(); return [tensorArg(dt, [n], "edge"), tensorArg(dt, [n], "normal")]; }, call: (a, b) => a.dot(b) },
  // movement and indexing
  { name: "reshape", args: (l) => [T(l), lit(chance(0.5) ? [-1] : shapeOf(l))], call: (x, s) => x.reshape(s) },
  { name: "transpose", args: (l) => [T(l, anyDT(), 2), dimArg(), dimArg()], call: (x, a, b) => x.transpose(a, b) },
  { name: "permute", args: (l) => [T(l, anyDT(), 3, 3), lit(pick([[2, 0, 1], [0, 1, 2], [1, 1, 0], [0, 1]]))], call: (x, p) => x.permute(p) },
  { name: "expand", args: (l) => [tensorArg("float32", [1, 3], "edge"), lit(l ? [500, 3] : pick([[2, 3], [4, -1], [2, 2, 3]]))], call: (x, s) => x.expand(s) },
  { name: "squeeze", args: (l) => [T(l), chance(0.5) ? lit(undefined) : dimArg()], call: (x, d) => x.squeeze(d) },
  { name: "unsqueeze", args: (l) => [T(l), dimArg()], call: (x, d) => x.unsqueeze(d) },
  { name: "flatten", args: (l) => [T(l), lit(pick([0, 1])), lit(pick([-1, 1, 2]))], call: (x, a, b) => x.flatten(a, b) },
  { name: "slice", args: (l) => [T(l, anyDT(), chance(0.1) ? 0 : 1), dimArg(), lit(pick([0, 1, -1, undefined, 5])), lit(pick([undefined, 2, -1, 100])), lit(pick([1, 1, 2, 3]))],
    call: (x, d, a, b, s) => x.slice(d, a, b, s) },
  { name: "index", args: (l) => [T(l, anyDT(), 1), lit(pick([0, -1, ":", "1:", "::2", "...", null, 5, "a:b"])), lit(pick([undefined, 0, ":", "0:1"]))],
    call: (x, a, b) => (b === undefined ? x.index(a) : x.index(a, b)) },
  { name: "indexSelect", args: (l) => [T(l, anyDT(), 1), dimArg(), chance(0.5) ? lit([0, 1, -1]) : tensorArg("int32", [l ? 1500 : 3], { labels: 2 })], call: (x, d, i) => x.indexSelect(d, i) },
  { name: "gather", args: (l) => { const s = l ? [40, 40] : [2, 3]; return [tensorArg(floatDT(), s, "edge"), lit(pick([0, 1])), tensorArg("int32", s, { labels: 2 })]; },
    call: (x, d, i) => x.gather(d, i) },
  { name: "maskedFill", args: (l) => { const s = shapeOf(l); const dt = anyDT(); return [tensorArg(dt, s, valsFor(dt)), tensorArg("bool", broadcastable(s), "bool"), lit(value("edge"))]; },
    call: (x, m, v) => x.maskedFill(m, v) },
  { name: "maskedSelect", args: (l) => { const s = shapeOf(l); return [T(l), tensorArg("bool", s, "bool")]; }, call: (x, m) => x.maskedSelect(m) },
  { name: "split", args: (l) => [T(l, anyDT(), 1), lit(pick([1, 2, [1, 1], 0])), dimArg()], call: (x, s, d) => x.split(s, d) },
  { name: "chunk", args: (l) => [T(l, anyDT(), 1), lit(pick([1, 2, 3])), dimArg()], call: (x, n, d) => x.chunk(n, d) },
  { name: "cat", args: (l) => { const s = shapeOf(l, 1); const dt = anyDT(); return [tensorArg(dt, s, valsFor(dt)), tensorArg(dt, s, valsFor(dt)), dimArg()]; },
    call: (a, b, d) => gl.cat([a, b], d) },
  { name: "stack", args: (l) => { const s = shapeOf(l); const dt = anyDT(); return [tensorArg(dt, s, valsFor(dt)), tensorArg(dt, s, valsFor(dt)), dimArg()]; },
    call: (a, b, d) => gl.stack([a, b], d) },
  // nn.functional
  { name: "conv2d", args: convArgs, call: (x, w, b, o) => F.conv2d(x, w, b, o) },
  { name: "conv2d.backward", args: convArgs, call: (x, w, b, o) => { if (x instanceof Tensor && x.requiresGrad === false) x.requiresGrad_(); if (w instanceof Tensor && w.requiresGrad === false) w.requiresGrad_(); F.conv2d(x, w, b, o).sum().backward(); return [x.grad, w.grad]; } },
  { name: "maxPool2d", args: poolArgs, call: (x, o) => F.maxPool2d(x, o) },
  { name: "avgPool2d", args: poolArgs, call: (x, o) => F.avgPool2d(x, o) },
  { name: "maxPool2d.backward", args: poolArgs, call: (x, o) => gradOf((t) => F.maxPool2d(t, o))(x) },
  { name: "softmax", args: (l) => [FT(l, 1), dimArg()], call: (x, d) => F.softmax(x, d) },
  { name: "logSoftmax", args: (l) => [FT(l, 1), dimArg()], call: (x, d) => F.logSoftmax(x, d) },
  ...ACT.map((a): OpDef => ({ name: a, args: (l) => [FT(l)], call: (x) => (F as any)[a](x) })),
  { name: "crossEntropy", args: (l) => lossArgs(l, "labels"), call: (x, t) => F.crossEntropy(x, t) },
  { name: "nllLoss", args: (l) => lossArgs(l, "labels"), call: (x, t) => F.nllLoss(x, t) },
  { name: "multiMarginLoss", args: (l) => lossArgs(l, "labels"), call: (x, t) => F.multiMarginLoss(x, t) },
  { name: "mseLoss", args: (l) => lossArgs(l, "same"), call: (x, t) => F.mseLoss(x, t) },
  { name: "l1Loss", args: (l) => lossArgs(l, "same"), call: (x, t) => F.l1Loss(x, t) },
  { name: "binaryCrossEntropy", args: (l) => lossArgs(l, "prob"), call: (x, t) => F.binaryCrossEntropy(x, t) },
  { name: "bceWithLogits", args: (l) => lossArgs(l, "same"), call: (x, t) => F.bceWithLogits(x, t) },
  { name: "batchNorm", args: (l) => { const C = int(1, 3); const dt = floatDT(); return [tensorArg(dt, [l ? 400 : int(1, 4), C], chance(0.3) ? "edge" : "normal"), tensorArg(dt, [C], "normal"), tensorArg(dt, [C], "positive"), lit(chance(0.5))]; },
    call: (x, m, v, training) => [F.batchNorm(x, m, v, null, null, { training }), m, v] },
  { name: "dropout", args: (l) => [FT(l), lit(pick([0, 0.5, 1, 0.3]))], call: (x, p) => F.dropout(x, { p }) },
  { name: "crossEntropy.backward", args: (l) => lossArgs(l, "labels"), call: (x, t) => gradOf((z) => F.crossEntropy(z, t))(x) },
  { name: "linear", args: (l) => { const dt = floatDT(); const [N, I, O] = l ? [64, 40, 30] : [int(1, 3), int(1, 3), int(1, 3)];
    return [tensorArg(dt, [N, I], "edge"), tensorArg(dt, [O, I], "normal"), chance(0.5) ? tensorArg(dt, [O], "normal") : lit(undefined)]; },
    call: (x, w, b) => F.linear(x, w, b) },
  { name: "nn.Linear", args: (l) => [lit(l ? 300 : int(1, 4)), lit(int(1, 4)), FT(l, 2, 2)], call: (i, o, x) => { gl.manualSeed(7); return new nn.Linear(i, o).forward(x); } },
  { name: "nn.Conv2d", args: () => [lit(int(1, 3)), lit(int(1, 3)), lit(pick([1, 3, [3, 1]])), tensorArg("float32", [1, int(1, 3), 5, 5], "normal")],
    call: (i, o, k, x) => { gl.manualSeed(7); return new nn.Conv2d(i, o, k).forward(x); } },
  { name: "prelu", args: (l) => [FT(l, 2), tensorArg("float32", [pick([1, 2, 3])], "normal")], call: (x, w) => F.prelu(x, w) },
  { name: "heaviside", args: (l) => binaryShapes(l), call: (x, v) => F.heaviside(x, v) },
  { name: "item", args: (l) => [T(l)], call: (x) => x.item() },
  { name: "toArray", args: (l) => [T(l)], call: (x) => x.toArray() },
  { name: "matmul.backward", args: (l) => { const dt = floatDT(); const [M, K, N] = l ? [40, 30, 35] : [int(1, 3), int(1, 3), int(1, 3)];
    return [tensorArg(dt, [M, K], "edge"), tensorArg(dt, [K, N], "normal")]; },
    call: (a, b) => { if (a instanceof Tensor && !a.requiresGrad) a.requiresGrad_(); if (b instanceof Tensor && !b.requiresGrad) b.requiresGrad_(); a.matmul(b).sum().backward(); return [a.grad, b.grad]; } },
  // optimisers
  { name: "SGD.step", args: optimArgs, call: stepWith((p) => new optim.SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 })) },
  { name: "SGD.step", args: optimArgs, call: stepWith((p) => new optim.SGD([p], { lr: 0.1 })) },
  { name: "Adam.step", args: optimArgs, call: stepWith((p) => new optim.Adam([p], { amsgrad: true })) },
  { name: "AdamW.step", args: optimArgs, call: stepWith((p) => new optim.AdamW([p])) },
  { name: "RMSprop.step", args: optimArgs, call: stepWith((p) => new optim.RMSprop([p], { momentum: 0.5 })) },
  { name: "Adagrad.step", args: optimArgs, call: stepWith((p) => new optim.Adagrad([p])) },
  // gradients
  { name: "backward", args: (l) => [FT(l, 1)], call: gradOf((t) => t.tanh().mul(t.exp()).add(t.abs().sqrt()).sub(t.sigmoid().log()).relu().pow(2)) },
];

// ---- running a case under each configuration ---------------------------------------------
const CONFIGS: { name: string; backend: string; smallWork?: number }[] = [
  { name: "js", backend: "js" },
  ...(availableBackends().includes("native") ? [{ name: "native", backend: "native" }, { name: "native-only", backend: "native", smallWork: 0 }] : []),
];
const defaultSmallWork = setSmallWorkThreshold(1024);
setSmallWorkThreshold(defaultSmallWork);

type Outcome = { error: string; kind: string } | { value: unknown };

/** A result as plain data to compare: tensors as { dtype, shape, data }. */
function plain(v: unknown, depth = 0): unknown {
  if (depth > 4) return "…";
  if (v instanceof Tensor) return { dtype: v.dtype, shape: v.shape.slice(), data: Array.from(v.data as ArrayLike<number>) };
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, depth + 1)]));
  return v;
}

function runIn(c: (typeof CONFIGS)[number], op: OpDef, args: Arg[]): Outcome {
  setBackend(c.backend);
  setSmallWorkThreshold(c.smallWork ?? defaultSmallWork);
  gl.manualSeed(1234);
  try {
    const built = args.map((a) => a.make());
    return { value: plain(op.call(...built)) };
  } catch (e: any) {
    return { error: e instanceof Error ? e.message : `a thrown ${typeof e}: ${String(e)}`, kind: e instanceof Error ? e.constructor.name : "non-Error" };
  }
}

/** Messages that name gradlab's internals or JavaScript's, not the user's arguments. */
const INTERNAL = [/Cannot read propert/, /is not a function/, /Invalid typed array length/, /Invalid array length/, /is not iterable/,
  /Cannot convert/, /Maximum call stack/, /internal error/, /out of memory/, /\[object /, /\bp\[\d/, /strides\[/, /reading '/,
  /Cannot destructure/, /is not defined/, /Reduce of empty array/, /offset is out of bounds/, /Array buffer allocation failed/,
/Cannot mix BigInt/, /Do not know how to serialize/];
const OP_PREFIX = /^[A-Za-z_][\w]*(\.[A-Za-z_]\w*)?: \S/;

function closeValues(a: unknown, b: unknown, path: string): string | null {
  if (typeof a === "number" && typeof b === "number") {
    if (Object.is(a, b) || a === b) return null;
    if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) return `${path}: ${a} vs ${b}`;
    const tol = 1e-5 + 1e-4 * Math.max(Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= tol ? null : `${path}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} vs ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = closeValues(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.join() !== kb.join()) return `${path}: keys ${ka} vs ${kb}`;
    for (const k of ka) {
      const d = closeValues((a as any)[k], (b as any)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) ? null : `${path}: ${show(a)} vs ${show(b)}`;
}

interface Problem { case: number; op: string; args: string; what: string }

/** Whether the op is called as a method of its first argument (x.sum(...), p.grad = g), which must then stay a tensor. */
function isMethod(op: OpDef): boolean {
  const src = op.call.toString();
  const first = /^\(?\s*(\w+)/.exec(src)?.[1];
  return !!first && new RegExp(`\\b${first}\\s*[.[]`).test(src);
}

function genCase(i: number): { op: OpDef; args: Arg[]; large: boolean; bad: number } {
  reseed(seed * 1_000_003 + i);
  const op = pick(OPS);
  const large = chance(0.35);
  const args = op.args(large);
  let bad = -1;
  if (chance(0.4) && args.length) {
    bad = int(0, args.length - 1);
    args[bad] = bad === 0 && isMethod(op) ? pick(BAD.slice(BAD.length - 7))() : badArg();
  }
  return { op, args, large, bad };
}

/** Ops whose results are sums of many products or terms (see orderDependent). */
const SUMMING = new Set(["matmul", "matmul.backward", "linear", "nn.Linear", "dot", "conv2d", "conv2d.backward", "sum", "mean", "var", "std", "norm", "logsumexp", "crossEntropy",
  "crossEntropy.backward", "nllLoss", "mseLoss", "l1Loss", "bceWithLogits", "binaryCrossEntropy", "multiMarginLoss", "batchNorm", "avgPool2d"]);

const summary = { seed, cases: 0, orderDependent: 0, slowest: { case: -1, ms: 0, op: "" }, configs: CONFIGS.map((c) => c.name), values: 0, errors: 0, problemCount: 0, problems: [] as Problem[], byKind: {} as Record<string, number>, prefixes: {} as Record<string, number> };
const started = Date.now();
for (let i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : cases); i++) {
  const { op, args, large } = genCase(i);
  const huge = args.some((a) => a.huge);
  const desc = `${op.name}(${args.map((a) => a.desc).join(", ")})`;
  process.stdout.write(`@${i} ${large ? "large" : "tiny"}\n`);
  const t0 = Date.now();
  const outs = CONFIGS.map((c) => runIn(c, op, args));
  const ms = Date.now() - t0;
  if (ms > summary.slowest.ms) summary.slowest = { case: i, ms, op: desc.slice(0, 200) };
  if (only >= 0) process.stdout.write(`${desc}\n${outs.map((o, k) => `  ${CONFIGS[k].name}: ${JSON.stringify(o).slice(0, 2000)}`).join("\n")}\n`);
  summary.cases++;
  const problem = (what: string) => {
    summary.problemCount++;
    if (summary.problems.length < 300) summary.problems.push({ case: i, op: op.name, args: desc.slice(0, 300), what: what.slice(0, 400) });
  };
  const first = outs[0];
  if ("error" in first) summary.errors++;
  else summary.values++;
  for (const [k, o] of outs.entries()) {
    if (!("error" in o)) continue;
    summary.byKind[o.kind] = (summary.byKind[o.kind] ?? 0) + 1;
    const prefix = o.error.split(":")[0];
    summary.prefixes[prefix] = (summary.prefixes[prefix] ?? 0) + 1;
    if (o.kind === "non-Error") problem(`[${CONFIGS[k].name}] threw something that is not an Error: ${o.error}`);
    else if (!OP_PREFIX.test(o.error)) problem(`[${CONFIGS[k].name}] message does not start with an op's name: ${o.kind}: ${o.error}`);
    else if (INTERNAL.some((re) => re.test(o.error))) problem(`[${CONFIGS[k].name}] internal message: ${o.kind}: ${o.error}`);
  }
  for (let k = 1; k < outs.length; k++) {
    const o = outs[k];
    const name = `${CONFIGS[0].name} vs ${CONFIGS[k].name}`;
    if ("error" in first !== "error" in o) {
      problem(`${name}: ${"error" in first ? `error "${first.error}"` : "a value"} vs ${"error" in o ? `error "${o.error}"` : "a value"}`);
    } else if ("error" in first && "error" in o) {
      if (first.error !== o.error) problem(`${name}: different errors: "${first.error}" vs "${o.error}"`);
    } else {
      const d = closeValues((first as any).value, (o as any).value, "result");
      // Sums with terms near the float32 limit overflow or cancel in one summation order and
      // not in another (BLAS blocks its sums, threads chunk them, the reference sums in
      // order, in double): 1e38 + 1 − 1e38 is 0 or 1. Counted, not failed.
      if (d && huge && SUMMING.has(op.name)) summary.orderDependent++;
      else if (d) problem(`${name}: different values: ${d}`);
    }
  }
}
summary.byKind.ms = Date.now() - started;
process.stdout.write(JSON.stringify(summary) + "\n");
