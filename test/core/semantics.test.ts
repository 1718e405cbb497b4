// One semantics per op, whatever the size and the backend: the reproducers of issue 21,
// each run on tiny and large tensors under every configuration (the TypeScript backend,
// native with the small-work shortcut, native with every call in C++).
import { strict as assert } from "node:assert";
import * as os from "node:os";
import { tensor, zeros, ones, full, optim, Tensor } from "../../core";
import { availableBackends, backend, setBackend, setSmallWorkThreshold } from "../../core/backend";
import { setMaxBytes } from "../../core/dtype";
import * as gl from "../../core";

/** The configurations a user can meet: name, backend, small-work threshold (undefined keeps the default). */
export const CONFIGS: { name: string; backend: string; smallWork?: number }[] = [
  { name: "js", backend: "js" },
  ...(availableBackends().includes("native") ? [{ name: "native", backend: "native" }, { name: "native-only", backend: "native", smallWork: 0 }] : []),
];

/** Runs body under one configuration, restoring the previous one after. */
export function under<T>(c: (typeof CONFIGS)[number], body: () => T): T {
  const prev = backend().name;
  setBackend(c.backend);
  const prevWork = c.smallWork === undefined ? undefined : setSmallWorkThreshold(c.smallWork);
  try {
    return body();
  } finally {
    setBackend(prev);
    if (prevWork !== undefined) setSmallWorkThreshold(prevWork);
  }
}

const SIZES = [4, 4096];

function eachConfigAndSize(title: string, body: (n: number) => void): void {
  for (const c of CONFIGS) {
    for (const n of SIZES) it(`${title} [${c.name}, ${n} elements]`, () => under(c, () => body(n)));
  }
}

function throwsNaming(fn: () => unknown, op: string, detail: RegExp): void {
  assert.throws(fn, (e: any) => {
    assert.ok(e instanceof Error, `not an Error: ${e}`);
    assert.ok(e.message.startsWith(`${op}:`), `message does not name ${op}: ${e.message}`);
    assert.match(e.message, detail);
    return true;
  });
}

describe("issue 21: one semantics per op whatever the size", () => {
  eachConfigAndSize("pow(1, NaN) is 1 and pow(-1, ±Inf) is 1, as C and PyTorch", (n) => {
    assert.deepEqual([...new Set(ones([n]).pow(full([n], NaN)).dataSync())], [1]);
    assert.deepEqual([...new Set(full([n], -1).pow(full([n], Infinity)).dataSync())], [1]);
    assert.deepEqual([...new Set(full([n], -1).pow(-Infinity).dataSync())], [1]);
    assert.deepEqual([...new Set(ones([n]).pow(NaN).dataSync())], [1]);
    assert.ok(Number.isNaN(full([n], 2).pow(full([n], NaN)).dataSync()[0]));
  });

  eachConfigAndSize("int32 products and powers wrap as C++ does (the low 32 bits, exactly)", (n) => {
    const a = full([n], 123456789, { dtype: "int32" });
    assert.deepEqual([...new Set(a.mul(a).dataSync())], [Math.imul(123456789, 123456789)]);
    const p = full([n], 3, { dtype: "int32" }).pow(full([n], 40, { dtype: "int32" }));
    assert.deepEqual([...new Set(p.dataSync())], [Number(BigInt.asIntN(32, 3n ** 40n))]);
  });

  eachConfigAndSize("SGD with a gradient of the wrong shape throws and leaves the parameter alone", (n) => {
    const p = ones([n], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.grad = ones([n - 1]);
    throwsNaming(() => opt.step(), "SGD.step", /parameter 0 has shape \[\d+\] but its gradient has shape/);
    assert.deepEqual([...new Set(p.dataSync())], [1]);
    p.grad = ones([n], { dtype: "float64" });
    throwsNaming(() => opt.step(), "SGD.step", /float32 but its gradient is float64/);
  });

  eachConfigAndSize("Adam with a 1e30 float32 gradient does what PyTorch does (g² overflows float32: no move)", (n) => {
    const p = ones([n], { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = full([n], 1e30);
    opt.step();
    assert.deepEqual([...new Set(p.dataSync())], [1]);
  });

  eachConfigAndSize("Adam with denormal float32 gradients gives the same bits everywhere", (n) => {
    const p = zeros([n], { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = full([n], 1e-40);
    opt.step();
    // In float32, (1 − β2)·g·g underflows to 0, so the step is lr/(1 − β1)·m/ε = 1e-33.
    const v = p.dataSync()[0];
    assert.ok(v < -0.9e-33 && v > -1.1e-33, String(v));
    assert.deepEqual([...new Set(p.dataSync())], [v]);
  });

  eachConfigAndSize("AdamW and weight decay 0 keep an infinite parameter infinite (no 0·Inf)", (n) => {
    const p = full([n], Infinity, { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.1 });
    p.grad = ones([n]);
    opt.step();
    assert.deepEqual([...new Set(p.dataSync())], [Infinity]);
  });

  eachConfigAndSize("bool tensors store true for any nonzero value, NaN included", (n) => {
    const t = zeros([n], { dtype: "bool" });
    for (const v of [-1, 0.5, NaN, 256, -Infinity]) {
      t.fill_(v);
      assert.deepEqual([...new Set(t.dataSync())], [1], `fill_(${v})`);
      assert.equal(t.sum().item(), n);
      assert.equal(t.eq(true).sum().item(), n);
    }
    t.fill_(0);
    assert.equal(t.sum().item(), 0);
    assert.deepEqual([...new Set(full([n], -1, { dtype: "bool" }).dataSync())], [1]);
    assert.deepEqual([...new Set(full([n], NaN, { dtype: "bool" }).dataSync())], [1]);
  });

  eachConfigAndSize("int32 refuses NaN, ±Inf and values outside its range (fill_, full, casts, scalars)", (n) => {
    throwsNaming(() => full([n], 1e12, { dtype: "int32" }), "full", /1000000000000 is outside the range of int32/);
    throwsNaming(() => full([n], NaN, { dtype: "int32" }), "full", /cannot fill an int32 tensor with NaN/);
    const t = zeros([n], { dtype: "int32" });
    throwsNaming(() => t.fill_(NaN), "fill_", /NaN/);
    throwsNaming(() => t.fill_(-Infinity), "fill_", /-Infinity/);
    throwsNaming(() => t.fill_(2 ** 31), "fill_", /outside the range of int32/);
    assert.deepEqual([...new Set(t.fill_(-2.7).dataSync())], [-2]); // truncated, as PyTorch
    throwsNaming(() => full([n], 3e9).int(), "int", /3000000000 is outside the range of int32/);
    throwsNaming(() => full([n], NaN).to("int32"), "to", /cannot convert NaN to int32/);
    throwsNaming(() => t.add(1e12), "add", /outside the range of int32/);
    throwsNaming(() => t.copy_(full([n], Infinity)), "copy_", /Infinity/);
    throwsNaming(() => tensor(full([n], NaN), { dtype: "int32" }), "tensor", /NaN/);
  });

  eachConfigAndSize("int32 sums are exact, and refused when int32 cannot hold them", (n) => {
    const big = full([n], 2147483645, { dtype: "int32" });
    throwsNaming(() => big.sum(), "sum", /does not fit in int32.*double\(\)\.sum\(\)/);
    assert.equal(big.double().sum().item(), 2147483645 * n);
    const small = full([n], -3, { dtype: "int32" });
    const s = small.sum();
    assert.equal(s.dtype, "int32");
    assert.equal(s.item(), -3 * n);
    assert.deepEqual(small.reshape([2, n / 2]).sum(1).toArray(), [-3 * n / 2, -3 * n / 2]);
    throwsNaming(() => full([n], 1000, { dtype: "int32" }).prod(), "prod", /does not fit in int32/);
    assert.equal(full([n], 1, { dtype: "int32" }).prod().item(), 1);
    assert.equal(full([n], 1, { dtype: "bool" }).sum().item(), n);
  });

  it("int32 sums of three near-limit values: 6442450941 in float64, refused in int32", () => {
    const t = tensor([2147483647, 2147483647, 2147483647], { dtype: "int32" });
    assert.throws(() => t.sum(), RangeError);
    assert.equal(t.double().sum().item(), 6442450941);
  });

  it("0-d tensors refuse slicing, narrowing, splitting and chunking with a clear message", () => {
    const t = tensor(5);
    throwsNaming(() => t.slice(0, 0, 1), "slice", /0-d tensor has no dimension/);
    throwsNaming(() => t.narrow(0, 0, 1), "slice", /0-d/);
    throwsNaming(() => t.split(1), "split", /0-d/);
    throwsNaming(() => t.chunk(1), "chunk", /0-d/);
    assert.deepEqual(t.reshape([1]).slice(0, 0, 1).toArray(), [5]);
  });

  it("the Tensor constructor checks data against shape and dtype", () => {
    throwsNaming(() => new Tensor(new Float32Array(1), [100000, 100000], "float32"), "Tensor", /needs 10000000000 elements but data has 1/);
    throwsNaming(() => new Tensor(new Float32Array(4), [2, 3], "float32"), "Tensor", /needs 6 elements but data has 4/);
    throwsNaming(() => new Tensor(new Float32Array(4), [4], "int32"), "Tensor", /Float32Array.*int32/);
    throwsNaming(() => new Tensor(new Float32Array(4), [4, -1] as number[], "float32"), "Tensor", /-1/);
    throwsNaming(() => new Tensor([1, 2] as any, [2], "float32"), "Tensor", /must be a Float32Array/);
    throwsNaming(() => new Tensor(new Float32Array(4), [4], "float16" as any), "Tensor", /dtype must be one of/);
    throwsNaming(() => new Tensor(Uint8Array.of(0, 253), [2], "bool"), "Tensor", /only 0 and 1, but element 1 is 253/);
    assert.deepEqual(new Tensor(new Float32Array(6), [2, 3], "float32").shape, [2, 3]);
  });

  it("allocations past GRADLAB_MAX_BYTES (or the memory available) raise before touching memory", () => {
    const prev = setMaxBytes(1 << 20);
    try {
      throwsNaming(() => zeros([1024, 1024], { dtype: "float64" }), "zeros", /float64 tensor of shape \[1024,1024\] needs 8\.0 MiB \(8388608 bytes\), more than GRADLAB_MAX_BYTES=1048576: 1\.0 MiB/);
      throwsNaming(() => full([1 << 20], 2), "full", /GRADLAB_MAX_BYTES/);
      throwsNaming(() => gl.arange(0, 2 ** 30), "arange", /GRADLAB_MAX_BYTES/);
      assert.equal(zeros([1000]).numel, 1000);
    } finally {
      setMaxBytes(prev);
    }
    if (prev === null && os.freemem() < 32 * 2 ** 30) {
      // 16 GiB: more than half of what this machine has available, refused before allocation.
      throwsNaming(() => zeros([2 ** 31 - 1], { dtype: "float64" }), "zeros", /needs 16\.0 GiB .*more than half the memory available to this process/);
    }
  });

  it("options that are null mean no options; other non-objects are refused naming the op", () => {
    assert.deepEqual(zeros([2], null as any).toArray(), [0, 0]);
    assert.deepEqual(ones([2], null as any).toArray(), [1, 1]);
    throwsNaming(() => zeros([2], 5 as any), "zeros", /options must be an object/);
    throwsNaming(() => tensor({} as any), "tensor", /expected a number/);
    throwsNaming(() => tensor(new Int16Array(2) as any), "tensor", /Int16Array/);
  });

  it("a layer too large to allocate says which layer and parameter, not zeros", () => {
    assert.throws(() => new gl.nn.Linear(1e300, 2), { name: "ValueError", message: /^Linear: weight shape \[2,1e\+300\] has more than 2\^31-1 elements/ });
    assert.throws(() => new gl.nn.Conv2d(1e9, 1e9, 3), { name: "ValueError", message: /^Conv2d: weight shape / });
  });
});
