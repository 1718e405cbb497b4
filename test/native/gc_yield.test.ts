// The thread pool's idle workers stop spinning while V8 collects (native/src/gc_yield.cc):
// the addon must see every collection begin and end, on the main thread's isolate and on
// a worker thread's, and never be left thinking one still runs (its workers would then
// sleep after every job, and a second core would gain a training step nothing).
import { strict as assert } from "node:assert";
import { inGcChild, sourcePath } from "../helpers";

describe("thread pool and the garbage collector", () => {
  it("sees forced and allocation-driven collections begin and end on the main thread", () => {
    const r = inGcChild(`
      const w0 = addon.collectorWatch();
      global.gc(); global.gc({ type: "minor" });
      const w1 = addon.collectorWatch();
      // Dropped 4 MB results: V8 starts young collections by itself every few of them.
      const x = g.randn([1000, 1000]), y = g.randn([1000, 1000]);
      for (let i = 0; i < 200; i++) x.add(y);
      const w2 = addon.collectorWatch();
      console.log(JSON.stringify({ w0, w1, w2 }));
    `);
    assert.equal(r.w0.running, 0);
    assert.ok(r.w1.seen >= r.w0.seen + 2, `two forced collections, the pool saw ${r.w1.seen - r.w0.seen}`);
    assert.ok(r.w2.seen >= r.w1.seen + 10, `200 dropped 4 MB results, the pool saw ${r.w2.seen - r.w1.seen} collections`);
    assert.equal(r.w1.running, 0);
    assert.equal(r.w2.running, 0);
  });

  it("sees a worker thread's collections as well", () => {
    const r = inGcChild(`
      const { Worker } = require("node:worker_threads");
      const w0 = addon.collectorWatch();
      const worker = new Worker(\`
        const { parentPort, workerData } = require("node:worker_threads");
        const g = require(workerData);
        for (let i = 0; i < 3; i++) global.gc();
        const x = g.randn([1000]); x.add(x);
        parentPort.postMessage("done");
      \`, { eval: true, workerData: ${JSON.stringify(sourcePath("dist", "core"))} });
      worker.on("message", () => {
        const w1 = addon.collectorWatch();
        worker.terminate().then(() => console.log(JSON.stringify({ w0, w1, after: addon.collectorWatch() })));
      });
    `);
    assert.ok(r.w1.seen >= r.w0.seen + 3, `three collections in the worker, the pool saw ${r.w1.seen - r.w0.seen}`);
    assert.equal(r.after.running, 0);
  });
});
