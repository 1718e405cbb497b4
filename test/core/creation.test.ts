// Creation, dtypes, the seeded generator, views, and printing.
import { strict as assert } from "node:assert";
import { tensor, zeros, ones, full, eye, arange, linspace, rand, randn, randint, randperm, zerosLike, manualSeed, Generator, Tensor } from "../../core";
import { forEachBackend, assertClose } from "../helpers";
import { activeBackend } from "../../core/backend";

forEachBackend("creation", () => {
  it("tensor infers shape and dtype; float32 by default", () => {
    const x = tensor([[1, 2], [3, 4]]);
    assert.deepEqual(x.shape, [2, 2]);
    assert.equal(x.dtype, "float32");
    assert.equal(tensor([true, false]).dtype, "bool");
    assert.equal(tensor(Int32Array.of(1, 2)).dtype, "int32");
    assert.equal(tensor(3).ndim, 0);
    assert.deepEqual(tensor([]).shape, [0]);
  });

  it("filled tensors, eye, arange, linspace", () => {
    assert.deepEqual(full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.equal(arange(5).dtype, "int32");
    assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(zerosLike(ones([2, 3], { dtype: "float64" })).dtype, "float64");
  });

  it("the same seed gives the same bits; different seeds differ", () => {
    manualSeed(42);
    const a = [randn([100]), rand([7]), randint(0, 10, [20]), randperm(9)];
    manualSeed(42);
    const b = [randn([100]), rand([7]), randint(0, 10, [20]), randperm(9)];
    a.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), Array.from(b[i].dataSync())));
    manualSeed(43);
    assert.notDeepEqual(Array.from(randn([10]).dataSync()), Array.from(a[0].dataSync().slice(0, 10)));
  });

  it("the generator's first numbers are fixed forever (same bits on every run and backend)", () => {
    // These three match the reference C xoshiro128** (Blackman & Vigna) seeded by splitmix32 from 0.
    const g = new Generator(0);
    const first = [g.nextU32(), g.nextU32(), g.nextU32()];
    assert.deepEqual(first, [3809008728, 1133695204, 53579671]);
    const n = new Generator(2024);
    assertClose([n.normal(), n.normal()], [-0.2720754094197253, 1.036048497808388], 0, 1e-15);
  });

  it("randn is standard normal, rand uniform, randint unbiased, randperm a permutation", () => {
    manualSeed(1);
    const x = randn([100000]);
    assert.ok(Math.abs(x.mean().item()) < 0.02);
    assert.ok(Math.abs(x.std().item() - 1) < 0.02);
    const u = rand([100000]);
    assert.ok(u.min().item() >= 0 && u.max().item() < 1);
    assert.ok(Math.abs(u.mean().item() - 0.5) < 0.01);
    const r = randint(3, 6, [30000]);
    for (const v of [3, 4, 5]) assert.ok(Math.abs(r.eq(v).sum().item() / 30000 - 1 / 3) < 0.02);
    assert.deepEqual(Array.from(randperm(50).dataSync()).sort((p, q) => p - q), [...Array(50).keys()]);
  });

  it("reshape-family ops share storage; transpose copies", () => {
    const x = arange(6).float();
    const v = x.reshape([2, 3]);
    assert.equal(v.storage, x.storage);
    assert.equal(v.unsqueeze(0).flatten().storage, x.storage);
    assert.notEqual(v.T.storage, x.storage);
    if (activeBackend().memory === "host") assert.equal(v.dataSync().buffer, x.dataSync().buffer, "the same typed array's memory");
    assert.deepEqual(v.T.toArray(), [[0, 3], [1, 4], [2, 5]]);
  });

  it("indexing with numbers, slices, ellipsis, newaxis and masks", () => {
    const x = arange(24).reshape([2, 3, 4]);
    assert.deepEqual(x.index(1, 2).toArray(), [20, 21, 22, 23]);
    assert.deepEqual(x.index("...", -1).toArray(), [[3, 7, 11], [15, 19, 23]]);
    assert.deepEqual(x.index(0, "1:", "::2").toArray(), [[4, 6], [8, 10]]);
    assert.deepEqual(x.index(null, 0, 0).shape, [1, 4]);
    assert.deepEqual(x.index(x.gt(20)).toArray(), [21, 22, 23]);
  });

  it("prints like PyTorch", () => {
    assert.equal(tensor([[1, 2], [3, 4]]).toString(), "tensor([[1., 2.],\n        [3., 4.]])");
    assert.equal(tensor([0.5, -1.25]).toString(), "tensor([ 0.5000, -1.2500])");
    assert.equal(tensor([1, 2], { requiresGrad: true }).toString(), "tensor([1., 2.], requiresGrad=true)");
    assert.equal(arange(3).toString(), "tensor([0, 1, 2], dtype=int32)");
    assert.equal(tensor([1e-6, 1]).toString(), "tensor([1.0000e-06, 1.0000e+00])");
    assert.equal(tensor([NaN, Infinity]).toString(), "tensor([nan, inf])");
    assert.match(zeros([2000]).toString(), /^tensor\(\[0\., 0\., 0\., \.\.\., 0\., 0\., 0\.\]\)$/);
    const bundle = (tensor(1) as any)[Symbol.for("Jupyter.display")]();
    assert.equal(bundle["text/plain"], "tensor(1.)");
  });

  it("tensors made under one backend stay valid under another", () => {
    assert.ok(tensor([1]) instanceof Tensor);
  });
});
