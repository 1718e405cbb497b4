// Run by validation.test.ts in a child process (so that a crash shows up as a signal,
// not as a dead mocha): feeds every kernel of the native addon thousands of bad
// arguments from a seeded generator and prints a JSON summary on stdout.
//
//   node dist/test/native/validation-fuzz.js <addon path> [seed] [rounds]
/* eslint-disable @typescript-eslint/no-explicit-any */

type Args = any[];
interface Template {
  name: string;
  /** A valid call's arguments (fresh each time). */
  make: () => Args;
  /** Index of each argument by kind, for targeted mutations. */
  kinds: string[];
  /** How many of the last arguments may be left out, or be null or undefined. */
  optional?: number;
  /** Arguments before those that may be null or undefined (the plane sums). */
  nullable?: number[];
}

const addonPath = process.argv[2];
const seed = Number(process.argv[3] ?? 1);
const rounds = Number(process.argv[4] ?? 40);
// eslint-disable-next-line @typescript-eslint/no-var-requires
const addon: any = require(addonPath);

let state = seed >>> 0 || 1;
function rnd(): number {
  // xorshift32
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const f32 = (n: number) => new Float32Array(n).map(() => rnd() * 2 - 1);
// Geometries are objects read by name (core/backend/kernels.ts); the mutations below damage one field.
const convFields = { batch: 2, inChannels: 3, inHeight: 6, inWidth: 5, outChannels: 4, kernelHeight: 3, kernelWidth: 3, outHeight: 6, outWidth: 5,
  strideH: 1, strideW: 1, paddingH: 1, paddingW: 1, dilationH: 1, dilationW: 1, groups: 1 };
const poolFields = { batch: 2, channels: 3, inHeight: 6, inWidth: 6, outHeight: 3, outWidth: 3, kernelHeight: 2, kernelWidth: 2,
  strideH: 2, strideW: 2, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1 };
const conv = { slice: () => ({ ...convFields }) };
const pool = { slice: () => ({ ...poolFields }) };

// kinds: op:<count> | buf | ibuf (Int32Array) | ubuf (Uint8Array) | floatbuf (float32 or float64, whatever its siblings) | f64buf (Float64Array) | size | shape | num | bool | conv | pool | offset | strides | dim
const templates: Template[] = [
  { name: "unary", kinds: ["op:32", "buf", "buf", "num", "num"], make: () => [3, f32(10), new Float32Array(10), 0, 0] },
  { name: "unaryBackward", kinds: ["op:32", "buf", "buf", "buf", "buf", "num", "num"], make: () => [3, f32(10), f32(10), f32(10), new Float32Array(10), 0, 0] },
  { name: "binary", kinds: ["op:15", "buf", "shape", "buf", "shape", "buf", "shape"], make: () => [0, f32(6), [2, 3], f32(3), [3], new Float32Array(6), [2, 3]] },
  { name: "where", kinds: ["ubuf", "shape", "buf", "shape", "buf", "shape", "buf", "shape"], make: () => [new Uint8Array(6), [2, 3], f32(6), [2, 3], f32(1), [1], new Float32Array(6), [2, 3]] },
  { name: "reduce", kinds: ["op:6", "buf", "size", "size", "size", "buf"], make: () => [0, f32(24), 2, 3, 4, new Float32Array(8)] },
  {
    name: "gemm", kinds: ["bool", "bool", "size", "size", "size", "buf", "buf", "buf", "size", "size", "size", "size", "bool"],
    make: () => [false, false, 2, 3, 4, f32(16), f32(24), new Float32Array(12), 2, 8, 12, 6, false],
  },
  {
    name: "gemmDeterministic", kinds: ["bool", "bool", "size", "size", "size", "buf", "buf", "buf", "size", "size", "size", "size", "bool"],
    make: () => [true, true, 2, 3, 4, f32(16), f32(24), new Float32Array(12), 2, 8, 12, 6, true],
  },
  { name: "softmax", kinds: ["buf", "buf", "size", "size", "size", "bool"], make: () => [f32(24), new Float32Array(24), 2, 3, 4, false] },
  { name: "softmaxBackward", kinds: ["buf", "buf", "buf", "size", "size", "size", "bool"], make: () => [f32(24), f32(24), new Float32Array(24), 2, 3, 4, true] },
  { name: "conv2d", kinds: ["buf", "buf", "buf", "conv"], make: () => [f32(2 * 3 * 30), f32(4 * 3 * 9), new Float32Array(2 * 4 * 30), conv.slice()] },
  // 6x5 outputs pool to 3x2: 2 * 4 * 6 windows. (The bias, optional as conv2d's, is left out.)
  { name: "conv2dMaxPool2x2", kinds: ["buf", "buf", "buf", "ibuf", "conv"], make: () => [f32(2 * 3 * 30), f32(4 * 3 * 9), new Float32Array(48), new Int32Array(48), conv.slice()] },
  // With the bias and relu (both optional).
  {
    name: "conv2dMaxPool2x2", kinds: ["buf", "buf", "buf", "ibuf", "conv", "buf", "bool"], optional: 2,
    make: () => [f32(2 * 3 * 30), f32(4 * 3 * 9), new Float32Array(48), new Int32Array(48), conv.slice(), f32(4), true],
  },
  { name: "conv2dBackwardInput", kinds: ["buf", "buf", "buf", "conv"], make: () => [f32(2 * 4 * 30), f32(4 * 3 * 9), new Float32Array(2 * 3 * 30), conv.slice()] },
  { name: "conv2dBackwardWeight", kinds: ["buf", "buf", "buf", "conv"], make: () => [f32(2 * 3 * 30), f32(2 * 4 * 30), new Float32Array(4 * 3 * 9), conv.slice()] },
  // The pooled gradient and winners of 6x5 outputs (3x2 windows), the plane sums and relu's output optional.
  {
    name: "conv2dMaxPool2x2BackwardWeight", kinds: ["buf", "buf", "ibuf", "buf", "buf", "conv", "buf"], optional: 1, nullable: [4],
    make: () => [f32(2 * 3 * 30), f32(48), Int32Array.from({ length: 48 }, (_, i) => 10 * Math.floor((i % 6) / 2) + 2 * (i % 2)), new Float32Array(4 * 3 * 9),
      new Float32Array(8), conv.slice(), f32(48)],
  },
  // Both gradients from the pooled one: the filters and the input gradient too.
  {
    name: "conv2dMaxPool2x2Backward", kinds: ["buf", "buf", "buf", "ibuf", "buf", "buf", "buf", "conv", "buf"], optional: 1, nullable: [6],
    make: () => [f32(2 * 3 * 30), f32(4 * 3 * 9), f32(48), Int32Array.from({ length: 48 }, (_, i) => 10 * Math.floor((i % 6) / 2) + 2 * (i % 2)),
      new Float32Array(2 * 3 * 30), new Float32Array(4 * 3 * 9), new Float32Array(8), conv.slice(), f32(48)],
  },
  { name: "im2col", kinds: ["buf", "buf", "conv", "size"], make: () => [f32(2 * 3 * 30), new Float32Array(27 * 2 * 30), conv.slice(), 0] },
  { name: "col2imAdd", kinds: ["floatbuf", "f64buf", "conv", "size"], make: () => [f32(27 * 2 * 30), new Float64Array(2 * 3 * 30), conv.slice(), 0] },
  { name: "maxPool2d", kinds: ["buf", "buf", "ibuf", "pool"], make: () => [f32(2 * 3 * 36), new Float32Array(2 * 3 * 9), new Int32Array(2 * 3 * 9), pool.slice()] },
  { name: "maxPool2dBackward", kinds: ["buf", "ibuf", "buf", "pool"], make: () => [f32(2 * 3 * 9), new Int32Array(2 * 3 * 9).fill(35), new Float32Array(2 * 3 * 36), pool.slice()] },
  // With a relu's output (optional) to take relu's gradient first.
  {
    name: "maxPool2dBackward", kinds: ["buf", "ibuf", "buf", "pool", "buf"], optional: 1,
    make: () => [f32(2 * 3 * 9), new Int32Array(2 * 3 * 9).fill(35), new Float32Array(2 * 3 * 36), pool.slice(), f32(2 * 3 * 9)],
  },
  { name: "avgPool2d", kinds: ["buf", "buf", "pool", "bool"], make: () => [f32(2 * 3 * 36), new Float32Array(2 * 3 * 9), pool.slice(), true] },
  { name: "avgPool2dBackward", kinds: ["buf", "buf", "pool", "bool"], make: () => [f32(2 * 3 * 9), new Float32Array(2 * 3 * 36), pool.slice(), false] },
  { name: "stridedCopy", kinds: ["buf", "offset", "strides", "shape", "buf"], make: () => [f32(14), 2, [1, 4], [4, 3], new Float32Array(12)] },
  { name: "stridedScatter", kinds: ["buf", "offset", "strides", "shape", "buf", "bool"], make: () => [f32(14), 2, [1, 4], [4, 3], f32(12), true] },
  { name: "indexSelect", kinds: ["buf", "size", "size", "size", "ibuf", "buf"], make: () => [f32(24), 2, 3, 4, Int32Array.from([2, 0]), new Float32Array(16)] },
  { name: "indexAdd", kinds: ["buf", "size", "size", "size", "ibuf", "buf"], make: () => [f32(24), 2, 3, 4, Int32Array.from([2, 0]), f32(16)] },
  { name: "gather", kinds: ["buf", "shape", "dim", "ibuf", "shape", "buf"], make: () => [f32(12), [3, 4], 1, Int32Array.from([0, 3, 1, 1, 2, 0]), [3, 2], new Float32Array(6)] },
  { name: "scatterAdd", kinds: ["buf", "shape", "dim", "ibuf", "shape", "buf"], make: () => [f32(12), [3, 4], 0, Int32Array.from([0, 2, 1, 1]), [2, 2], f32(4)] },
  { name: "cast", kinds: ["anybuf", "anybuf"], make: () => [f32(5), new Int32Array(5)] },
  { name: "fill", kinds: ["anybuf", "num"], make: () => [new Float32Array(5), 1.5] },
  { name: "nonzero", kinds: ["ubuf"], make: () => [new Uint8Array([0, 1, 1, 0])] },
  { name: "countNonFinite", kinds: ["anybuf"], make: () => [f32(5)] },
  { name: "sgdStep", kinds: ["buf", "buf", "buf", "num", "num", "num", "num", "bool", "bool"], make: () => [f32(10), f32(10), f32(10), 0.1, 0.9, 0, 0.01, true, false] },
  {
    name: "adamStep", kinds: ["buf", "buf", "buf", "buf", "buf", "num", "num", "num", "num", "num", "num", "bool", "bool"],
    make: () => [f32(10), f32(10), f32(10), f32(10).map(Math.abs), f32(10).map(Math.abs), 3, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, true],
  },
  { name: "setNumThreads", kinds: ["threads"], make: () => [2] },
];

const notTyped = [undefined, null, 0, 1.5, "x", {}, [], [1, 2, 3], () => 0, true, Symbol("s"), 10n, new ArrayBuffer(16), new DataView(new ArrayBuffer(8))];
const wrongTyped = () => pick([new Int8Array(8), new Uint16Array(8), new Int16Array(8), new Uint32Array(8), new Uint8ClampedArray(8), new BigInt64Array(8), new BigUint64Array(8)]);
const notNumber = [undefined, null, "3", {}, [], [3], true, 3n, Symbol("n"), new Float32Array(1)];
const badSize = [-1, -0.5, 1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, 1e300, -(2 ** 31)];

interface Mutation { args: Args; mustThrow: boolean; what: string; }

/** One bad call: a mutation of a valid call's arguments. */
function mutate(t: Template): Mutation {
  const m = mutateAny(t);
  // An optional argument left out, null or undefined is a valid call, as is a nullable one null or undefined.
  const required = m.args.length - (t.optional ?? 0);
  const absent = m.args.findIndex((v, i) => (i >= required || t.nullable?.includes(i)) && (v === null || v === undefined));
  return absent >= 0 && m.what.startsWith(`arg ${absent} `) ? { ...m, mustThrow: false } : m;
}

function mutateAny(t: Template): Mutation {
  const args = t.make();
  const i = Math.floor(rnd() * args.length);
  const kind = t.kinds[i];
  const r = rnd();
  if (r < 0.08) {
    // Missing arguments (not only optional ones).
    const k = Math.floor(rnd() * (args.length - (t.optional ?? 0)));
    return { args: args.slice(0, k), mustThrow: true, what: `only ${k} arguments` };
  }
  if (kind.startsWith("op:")) {
    const n = Number(kind.slice(3));
    const v = pick([-1, n, n + 1, 1000, 0.5, NaN, Infinity, 2 ** 40, ...notNumber]);
    args[i] = v;
    return { args, mustThrow: true, what: `op ${String(v)}` };
  }
  switch (kind) {
    case "buf": case "ibuf": case "ubuf": case "anybuf": case "floatbuf": case "f64buf": {
      const c = rnd();
      if (c < 0.35 || kind === "anybuf") {
        args[i] = c < 0.2 || kind === "anybuf" ? pick(notTyped) : wrongTyped();
        return { args, mustThrow: true, what: `arg ${i} not a usable typed array` };
      }
      if (c < 0.6 && kind === "buf") {
        // Another dtype than its siblings (all templates use float32 for "buf").
        args[i] = pick([new Float64Array(args[i].length), new Int32Array(args[i].length), new Uint8Array(args[i].length)]);
        return { args, mustThrow: true, what: `arg ${i} wrong dtype` };
      }
      if (c < 0.6 && (kind === "floatbuf" || kind === "f64buf")) {
        const n = args[i].length;
        args[i] = pick(kind === "f64buf" ? [new Float32Array(n), new Int32Array(n), new Uint8Array(n)] : [new Int32Array(n), new Uint8Array(n)]);
        return { args, mustThrow: true, what: `arg ${i} wrong dtype` };
      }
      if (c < 0.6 && kind === "ibuf") {
        args[i] = new Float32Array(args[i].length);
        return { args, mustThrow: true, what: `arg ${i} index not int32` };
      }
      if (c < 0.6 && kind === "ubuf") {
        args[i] = new Float32Array(args[i].length);
        return { args, mustThrow: t.name !== "nonzero" || true, what: `arg ${i} mask not uint8` };
      }
      // Too short (by at least one element), sometimes empty.
      const len = args[i].length;
      if (len === 0) return { args, mustThrow: false, what: "noop" };
      const Ctor = args[i].constructor;
      args[i] = new Ctor(rnd() < 0.3 ? 0 : Math.floor(rnd() * len));
      // Index arrays that shrink and outputs that are exact are legal in some kernels.
      const must = !(kind === "ibuf" && (t.name === "indexSelect" || t.name === "indexAdd")) && !(t.name === "nonzero");
      return { args, mustThrow: must, what: `arg ${i} shortened to ${args[i].length}` };
    }
    case "size": case "offset": case "dim": case "threads": {
      const c = rnd();
      if (c < 0.6) {
        args[i] = pick(badSize);
        const must = !(kind === "dim" && false);
        return { args, mustThrow: must && !(kind === "threads" && args[i] === 2), what: `arg ${i} = ${args[i]}` };
      }
      if (c < 0.8) {
        args[i] = pick(notNumber);
        return { args, mustThrow: true, what: `arg ${i} not a number` };
      }
      // A different valid-looking integer: may or may not be consistent.
      args[i] = Math.floor(rnd() * 50);
      return { args, mustThrow: false, what: `arg ${i} = ${args[i]}` };
    }
    case "num": {
      args[i] = pick(notNumber);
      return { args, mustThrow: true, what: `arg ${i} not a number` };
    }
    case "bool": {
      args[i] = pick([0, 1, "true", null, undefined, {}, []]);
      return { args, mustThrow: true, what: `arg ${i} not a boolean` };
    }
    case "shape": case "strides": {
      const c = rnd();
      const arr = args[i] as number[];
      if (c < 0.25) {
        args[i] = pick([undefined, null, 3, "2,3", {}, new Int32Array(arr), { length: 2, 0: 1, 1: 2 }]);
        return { args, mustThrow: true, what: `arg ${i} not an array` };
      }
      if (c < 0.6 && arr.length > 0) {
        const copy = arr.slice() as any[];
        copy[Math.floor(rnd() * copy.length)] = pick([...badSize.filter((v) => kind === "shape" || v < 0 || !Number.isInteger(v)), "2", null, undefined, {}]);
        args[i] = copy;
        return { args, mustThrow: true, what: `arg ${i} = ${JSON.stringify(copy)}` };
      }
      if (c < 0.75) {
        args[i] = new Array(100).fill(1);
        return { args, mustThrow: true, what: `arg ${i} with 100 dims` };
      }
      // Random small shapes: mostly inconsistent, sometimes fine.
      args[i] = Array.from({ length: Math.floor(rnd() * 4) }, () => Math.floor(rnd() * 5));
      return { args, mustThrow: false, what: `arg ${i} = ${JSON.stringify(args[i])}` };
    }
    case "conv": case "pool": {
      const p = args[i] as Record<string, unknown>;
      const keys = Object.keys(p);
      const c = rnd();
      const k = pick(keys);
      if (c < 0.1) {
        delete p[k];
        return { args, mustThrow: true, what: `geometry without ${k}` };
      }
      if (c < 0.15) {
        args[i] = pick([Object.values(p), null, 3, "geometry"]);
        return { args, mustThrow: true, what: `geometry = ${JSON.stringify(args[i])}` };
      }
      if (c < 0.5) {
        p[k] = pick([...badSize, "1", null]);
        return { args, mustThrow: true, what: `geometry.${k} = ${String(p[k])}` };
      }
      // Off by some amount: inconsistent geometry (or, rarely, a different valid one).
      p[k] = Math.max(0, (p[k] as number) + pick([-2, -1, 1, 2, 7, 1000, 2 ** 30]));
      return { args, mustThrow: false, what: `geometry.${k} = ${p[k]}` };
    }
  }
  return { args, mustThrow: false, what: "unchanged" };
}

/** Gemm strides and dims that reach past the end of a buffer: always an error. */
function gemmOverrun(): Mutation {
  const M = 1 + Math.floor(rnd() * 5), N = 1 + Math.floor(rnd() * 5), K = 1 + Math.floor(rnd() * 5), batch = 1 + Math.floor(rnd() * 4);
  const sA = M * K, sB = K * N, sC = M * N;
  const A = new Float32Array(batch * sA), B = new Float32Array(batch * sB), C = new Float32Array(batch * sC);
  const which = Math.floor(rnd() * 3);
  const strides = [sA, sB, sC];
  strides[which] += 1 + Math.floor(rnd() * 3);
  if (batch === 1) return { args: [false, false, M, N, K + (which === 0 ? 1 : 0), A, B, C, 1, sA, sB, sC, false], mustThrow: which === 0, what: "gemm K+1" };
  return { args: [rnd() < 0.5, rnd() < 0.5, M, N, K, A, B, C, batch, strides[0], strides[1], strides[2], rnd() < 0.5], mustThrow: true, what: `gemm stride ${which} overrun` };
}

const summary = { calls: 0, threw: 0, returned: 0, unexpected: [] as string[] };
function call(name: string, m: Mutation) {
  summary.calls++;
  try {
    addon[name](...m.args);
    summary.returned++;
    if (m.mustThrow) summary.unexpected.push(`${name}(${m.what}) returned instead of throwing`);
  } catch (e: any) {
    summary.threw++;
    const ok = (e instanceof TypeError || e instanceof RangeError) && typeof e.message === "string" && e.message.startsWith(name + ": ");
    if (!ok) summary.unexpected.push(`${name}(${m.what}) threw ${e?.constructor?.name}: ${e?.message}`);
  }
}

for (let r = 0; r < rounds; r++) {
  for (const t of templates) {
    // The valid template itself must work.
    if (r === 0) {
      try { addon[t.name](...t.make()); } catch (e: any) { summary.unexpected.push(`${t.name} valid call threw: ${e.message}`); }
    }
    for (let k = 0; k < 4; k++) call(t.name, mutate(t));
  }
  for (let k = 0; k < 5; k++) call("gemm", gemmOverrun());
  for (let k = 0; k < 5; k++) call("gemmDeterministic", gemmOverrun());
}
addon.setNumThreads(2);
process.stdout.write(JSON.stringify(summary) + "\n");
