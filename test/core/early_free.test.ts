// backward() gives each spent gradient's storage back to the caching allocator at once
// (core/autograd.ts, releaseSpent), and never one that something may still read: a
// gradient passed on or viewed (add, reshape, permute, slices of cat), one accumulated
// into a leaf's .grad, a retained one, the caller's own. The same graph runs in two
// child processes, with the early return on and off (GRADLAB_EARLY_FREE=0): every .grad
// must be the same bits, and only the first gives the blocks back during backward.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { sourcePath } from "../helpers";

// Tensors of 64 x 1024 floats (256 KB: the allocator's size); one backward through
// pass-throughs, views and slices, with a retained intermediate and a caller's gradient.
const CHILD = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
g.manualSeed(3);
const x = g.randn([64, 1024], { requiresGrad: true }), w = g.randn([1024, 1024], { requiresGrad: true });
const h = x.matmul(w);                       // a fresh gradient for x and w
const a = h.relu().add(h);                   // add passes its gradient through to both
const r = a.reshape([64, 32, 32]).permute([0, 2, 1]).reshape([64, 1024]);  // views of it
const c = g.cat([r, x.mul(2)], 1);           // slices of one gradient, for two inputs
c.retainGrad();                              // kept: must survive the walk
const s = x.mul(2).add(x.mul(3));            // one gradient object waiting for two nodes
const t = c.tanh().add(g.cat([x.add(x), s], 1));  // x reached six ways: accumulated
const y = t.div(t.abs().add(1)).maximum(t.mul(0.5));  // gradients with temporaries of their own
const outGrad = g.randn(y.shape);
y.backward(outGrad);
const bits = (t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("base64");
const crypto = require("crypto");
const digest = (t) => crypto.createHash("sha1").update(bits(t)).digest("hex");
console.log(JSON.stringify({
  grads: { x: digest(x.grad), w: digest(w.grad), c: digest(c.grad), outGrad: digest(outGrad) },
  cGradLength: c.grad.data.length, outGradLength: outGrad.data.length,
}));
`;

// A chain of four products by constants on 256 KB tensors: each gradient in the walk is
// spent once the next is made. Too little memory for the garbage collector to run, so
// without the early return all three are still allocated when backward returns.
const CHAIN = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
const x = g.randn([64, 1024], { requiresGrad: true });
const y = x.mul(2).mul(3).mul(4).mul(5);
const outGrad = g.randn(y.shape);
const before = g.memory().allocatedBytes;
y.backward(outGrad);
console.log(JSON.stringify({ keptBlocks: (g.memory().allocatedBytes - before - x.grad.data.byteLength) / x.grad.data.byteLength }));
`;

// One quotient of 256 KB tensors: its gradient for the divisor makes two temporaries
// (−g, −g·out) on the way to −g·out/b. With the early return only the two .grad blocks
// are still allocated when backward returns; without it, the temporaries too.
const TEMPORARIES = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
const x = g.randn([64, 1024], { requiresGrad: true }), y = g.rand([64, 1024]).add(1).requiresGrad_();
const z = x.div(y);
const outGrad = g.randn(z.shape);
const before = g.memory().allocatedBytes;
z.backward(outGrad);
console.log(JSON.stringify({ keptBlocks: (g.memory().allocatedBytes - before) / x.grad.data.byteLength - 2 }));
`;

// A 2×2 max pooling of 4 MB: its forward saves the winners' indices (1 MB of int32) for
// the gradient alone, as a tensor its node owns. Once backward has used and released the
// node they are given back: emptied (detached) when backward returns. Without the early
// return they stay whole until collected.
const POOL_INDICES = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
const x = g.randn([64, 16, 32, 32], { requiresGrad: true });
const y = g.F.maxPool2d(x, { kernelSize: 2 });
const [indices] = y.gradFn.owned;
const before = indices.dataSync().length;
y.backward(g.randn(y.shape));
console.log(JSON.stringify({ before, after: indices.dataSync().length, caching: g.memory().allocator === "caching", grad: x.grad.numel }));
`;

// fit(), evaluate() and predict() give each step's values back: a module that keeps every
// input it sees (a 64 KB activation) finds them all emptied with the early return, none
// without; the weights, the evaluated loss and the predictions are the same bits.
const STEPS = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
const crypto = require("crypto");
const digest = (t) => crypto.createHash("sha1").update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)).digest("hex");
g.manualSeed(0);
const x = g.randn([256, 1024]), y = g.randint(0, 10, [256]);
const seen = [];
class Keep extends g.nn.Module { forward(h) { seen.push(h); return h; } }
const model = new g.nn.Sequential(new g.nn.Linear(1024, 256), new g.nn.ReLU(), new Keep(), new g.nn.Linear(256, 10));
(async () => {
  await g.fit(model, [x, y], { epochs: 2, batchSize: 64, shuffle: false, verbose: 0 });
  const fitted = seen.length;
  const logs = g.evaluate(model, [x, y], { batchSize: 64, verbose: 0 });
  const pred = g.predict(model, x, { batchSize: 64 });
  console.log(JSON.stringify({
    caching: g.memory().allocator === "caching",
    emptied: seen.filter((t) => t.dataSync().length === 0).length, kept: seen.length, fitted,
    weights: Object.values(model.stateDict()).map(digest), loss: logs.loss, pred: digest(pred), inputs: [digest(x), digest(y)],
  }));
})();
`;

function run<T = { grads: Record<string, string>; cGradLength: number; outGradLength: number }>(earlyFree: boolean, script = CHILD): T {
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env: { ...process.env, GRADLAB_EARLY_FREE: earlyFree ? "1" : "0" } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("backward gives spent gradients back at once", function () {
  this.timeout(120000);

  it("the same gradients, bit for bit, with the early return on and off; nothing kept is emptied", () => {
    const on = run(true), off = run(false);
    assert.deepEqual(on.grads, off.grads);
    assert.equal(on.cGradLength, 64 * 2048, "a retained gradient stays whole");
    assert.equal(on.outGradLength, 64 * 2048, "the caller's gradient stays whole");
  });

  /**
   * Runs script with the early return on and off: off keeps up to `offBlocks` blocks past
   * backward (fewer if a collection ran meanwhile: a loaded machine), on none (or fewer
   * than none, if a collection also freed forward garbage).
   */
  function blocksBack(ctx: Mocha.Context, script: string, offBlocks: number, what: string): void {
    const on = run<{ keptBlocks: number }>(true, script), off = run<{ keptBlocks: number }>(false, script);
    if (off.keptBlocks <= 0) {
      console.log("      (skipped: without the caching allocator, or a collection freed them anyway)");
      ctx.skip();
    }
    assert.ok(off.keptBlocks <= offBlocks, `without the early return, at most ${what}: ${off.keptBlocks}`);
    assert.ok(on.keptBlocks <= 0, `with it, none: ${on.keptBlocks}`);
  }

  it("the spent gradients' blocks are back in the cache when backward returns", function () {
    blocksBack(this, CHAIN, 3, "the three spent gradients");
  });

  it("so are the temporaries a gradient made and did not return", function () {
    blocksBack(this, TEMPORARIES, 2, "the two temporaries");
  });

  it("so are the indices max pooling saved for its gradient alone", function () {
    type R = { before: number; after: number; caching: boolean; grad: number };
    const on = run<R>(true, POOL_INDICES), off = run<R>(false, POOL_INDICES);
    if (!on.caching) {
      console.log("      (skipped: without the caching allocator nothing is given back early)");
      this.skip();
    }
    assert.deepEqual(on, { before: 64 * 16 * 16 * 16, after: 0, caching: true, grad: 64 * 16 * 32 * 32 });
    assert.equal(off.after, 64 * 16 * 16 * 16, "without the early return they stay");
  });

  it("fit(), evaluate() and predict() give each step's values back, with the same results", function () {
    type Out = { caching: boolean; emptied: number; kept: number; fitted: number; weights: string[]; loss: number; pred: string; inputs: string[] };
    const on = run<Out>(true, STEPS), off = run<Out>(false, STEPS);
    if (!on.caching) {
      console.log("      (skipped: without the caching allocator nothing is given back early)");
      return this.skip();
    }
    assert.equal(on.kept, 16, "8 training steps, 4 evaluated batches, 4 predicted");
    assert.equal(on.emptied, 16);
    assert.equal(off.emptied, 0);
    assert.deepEqual({ ...on, emptied: 0 }, off, "the same weights, loss, predictions and data");
  });
});
