// The backend contract holds without host memory: on the sealed backend (core/backend/sealed.ts)
// a tensor's memory is an opaque handle that kernels open and JavaScript cannot index, and
// values cross only by copyIn / copyOut. The whole core suite runs on it (last test).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { tensor, randn, nn, optim, noGrad, memory } from "../../core";
import { activeBackend, availableBackends, registerBackend, setBackend, kernels, backend } from "../../core/backend";
import { makeSealedBackend } from "../../core/backend/sealed";
import { binaryCode } from "../../core/backend/kernels";
import { loadAddon, packageRoot } from "../../core/backend/addon";

describe("sealed backend: memory reached only through the backend", () => {
  let previous = "";
  let unregister: (() => void) | null = null;
  before(() => {
    previous = backend().name;
    if (!availableBackends().includes("sealed")) unregister = registerBackend(makeSealedBackend(activeBackend()));
    setBackend("sealed");
  });
  after(() => {
    setBackend(previous === "sealed" ? "sealed" : previous);
    unregister?.();
  });

  it("a tensor's handle is opaque: not a typed array, nothing to index", () => {
    const t = tensor([1, 2, 3]);
    const h = t.storage.handle as unknown as Record<number, unknown>;
    assert.equal(ArrayBuffer.isView(h), false);
    assert.equal(h[0], undefined);
    assert.equal(t.storage.backend.memory, "sealed");
    assert.deepEqual(t.toArray(), [1, 2, 3]);
  });

  it("reading gives a copy: writing to .data or dataSync() leaves the tensor as it was", () => {
    const t = tensor([1, 2, 3]);
    t.data[0] = 100;
    t.dataSync()[1] = 100;
    assert.deepEqual(t.toArray(), [1, 2, 3]);
    assert.notEqual(t.dataSync(), t.dataSync());
  });

  it("a kernel given a typed array that did not come from the backend refuses it, naming the kernel", () => {
    const a = tensor([1, 2]), out = tensor([0, 0]);
    assert.throws(() => kernels().binary(binaryCode.add, new Float32Array([1, 2]), [2], a.storage.handle, [2], out.storage.handle, [2]),
      /sealed backend: binary \(argument 1\) was given a host Float32Array, not a handle this backend allocated/);
    kernels().binary(binaryCode.add, a.storage.handle, [2], a.storage.handle, [2], out.storage.handle, [2]);
    assert.deepEqual(out.toArray(), [2, 4]);
  });

  it("a tensor moves with its views to the backend an op runs on, values unchanged", () => {
    const x = tensor([[1, 2], [3, 4]]);
    const v = x.reshape([4]);
    assert.equal(v.storage, x.storage);
    setBackend(availableBackends().includes("native") ? "native" : "js");
    try {
      assert.deepEqual(x.add(1).toArray(), [[2, 3], [4, 5]]);
      assert.equal(x.storage.backend.memory, "host");
      assert.ok(ArrayBuffer.isView(v.storage.handle), "the view moved with it");
      assert.equal(v.dataSync(), v.storage.handle, "host memory reads without a copy");
    } finally {
      setBackend("sealed");
    }
    assert.deepEqual(v.mul(2).toArray(), [2, 4, 6, 8]);
    assert.equal(x.storage.backend.memory, "sealed");
  });

  it("trains a layer with an optimiser: parameters, gradients and optimiser state all sealed", () => {
    const layer = new nn.Linear(8, 3);
    const opt = new optim.Adam(layer.parameters(), { lr: 0.01 });
    const x = randn([16, 8]), target = randn([16, 3]);
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      opt.zeroGrad();
      const loss = layer.forward(x).sub(target).square().mean();
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    assert.ok(losses[19] < losses[0], `loss ${losses[0]} → ${losses[19]}`);
    for (const p of layer.parameters()) {
      assert.equal(p.storage.backend.memory, "sealed");
      assert.equal(p.grad!.storage.backend.memory, "sealed");
    }
    noGrad(() => assert.equal(layer.weight.isFinite().logicalNot().sum().item(), 0));
  });

  it("backward gives spent gradients back through the backend's free", function () {
    if (!loadAddon().addon || memory().allocator !== "caching") this.skip(); // early return needs the caching allocator
    // A chain of products by constants on 256 KiB tensors (as test/core/early_free.test.ts):
    // without the early return, 3 spent gradients are still allocated when backward returns.
    const x = randn([64, 1024], { requiresGrad: true });
    const y = x.mul(2).mul(3).mul(4).mul(5);
    const outGrad = randn(y.shape);
    const before = memory().allocatedBytes;
    y.backward(outGrad);
    assert.equal(x.grad!.storage.backend.memory, "sealed");
    const blocks = (memory().allocatedBytes - before) / (x.numel * 4);
    assert.ok(blocks <= 1, `${blocks} blocks of 256 KiB still allocated; x.grad is the one expected`);
  });
});

describe("sealed backend: the whole core suite", function () {
  it("passes with every tensor on the sealed backend (GRADLAB_TEST_BACKEND=sealed)", function () {
    if (process.env.GRADLAB_TEST_BACKEND) this.skip(); // this is that run
    this.timeout(1800000);
    const root = packageRoot();
    const mocha = path.join(root, "node_modules/mocha/bin/mocha.js");
    const r = spawnSync(process.execPath, [mocha, "--no-config", "--require", path.join(root, "dist/test/setup.js"),
      "--timeout", "600000", "--reporter", "dot", path.join(root, "dist/test/core/**/*.test.js")], {
      encoding: "utf8",
      env: { ...process.env, GRADLAB_TEST_BACKEND: "sealed" },
      maxBuffer: 1 << 26,
    });
    const summary = (r.stdout.match(/\d+ passing.*|\d+ failing.*|\d+ pending.*/g) ?? []).join(", ");
    assert.equal(r.status, 0, `${summary}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-2000)}`);
    assert.match(summary, /passing/);
    assert.doesNotMatch(summary, /failing/);
  });
});
