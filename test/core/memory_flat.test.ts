// 10,000 MLP training steps keep memory flat: the caching allocator's allocated bytes and
// the process's resident set, sampled every 500 steps, show no growth trend. A step
// whose storage never came back (a leak of one 200 KB batch a step) would add 2 GB.
// Runs in a child process so that other tests' garbage does not move the numbers; each
// sample of allocated bytes follows a full collection, so it counts live storage only
// (without one it swings by tens of MB with the collector's timing, and garbage promoted
// to the old generation can sit for thousands of steps, which looks like a slow leak).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { sourcePath } from "../helpers";

const CHILD = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
g.manualSeed(0);
// Synthetic data of Fashion-MNIST's shape: 8 batches of 64 images of 784 floats (200 KB
// each, served by the allocator) and their labels, cycled.
const xs = [], ys = [];
for (let b = 0; b < 8; b++) { xs.push(g.randn([64, 784])); ys.push(g.randint(0, 10, [64])); }
const model = new g.nn.Sequential(new g.nn.Linear(784, 256), new g.nn.ReLU(), new g.nn.Linear(256, 10));
const opt = new g.optim.Adam(model.parameters(), { lr: 1e-3 });
const samples = [];
for (let step = 1; step <= 10000; step++) {
  opt.zeroGrad();
  const loss = g.F.crossEntropy(model.forward(xs[step % 8]), ys[step % 8]);
  loss.backward();
  opt.step();
  if (step % 500 === 0) {
    global.gc(); global.gc(); // the second finishes the first one's sweep of array buffers
    samples.push({ step, allocated: g.memory().allocatedBytes, rss: process.memoryUsage.rss(), loss: loss.item() });
  }
}
console.log(JSON.stringify(samples));
`;

describe("memory over a long training run", function () {
  this.timeout(20 * 60 * 1000);

  it("stays flat over 10,000 MLP steps (allocator bytes and resident set)", () => {
    const r = spawnSync(process.execPath, ["--expose-gc", "-e", CHILD], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const s: { step: number; allocated: number; rss: number; loss: number }[] = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(s.length, 20);
    assert.ok(s[0].allocated > 0, "the run went through the caching allocator");
    // The first 2,000 steps warm up (V8's heap and the cache grow to their working size);
    // later windows of 2,000 steps are compared against the first window after that.
    const windows = [4, 8, 12, 16].map((i) => s.slice(i, i + 4));
    const base = windows[0];
    for (const w of windows.slice(1)) {
      // Live storage only: the parameters, Adam's state, the batches, one step's values
      // still in scope (4.95 MB at every sample here). A leak of one 64 KB block every 16
      // steps adds 8 MB a window (tried: 4.95 → 45.9 MB over the run).
      assert.ok(Math.max(...w.map((x) => x.allocated)) <= Math.max(...base.map((x) => x.allocated)) + (1 << 20),
        `allocated bytes grew: ${JSON.stringify(s.map((x) => x.allocated))}`);
      assert.ok(Math.max(...w.map((x) => x.rss)) <= Math.max(...base.map((x) => x.rss)) + (64 << 20),
        `resident set grew: ${JSON.stringify(s.map((x) => x.rss))}`);
    }
    // It trained: the loss on the cycled batches went down.
    assert.ok(s[s.length - 1].loss < s[0].loss);
  });
});
