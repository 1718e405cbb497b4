// Streaming stores (native/src/stream_store.h): a large elementwise output written into a
// block that has left the cache goes out with streaming stores. Its values must be the
// ordinary path's bits exactly (heads, tails and rows that do not start on a 64-byte line
// included), and the allocator must call a block cold only when it is: fresh from malloc or
// handed out long ago, never one given back and taken again at once. Each case runs in a
// child process (with --expose-gc) so that the allocator's history is the test's own; the
// per-path run in isa.test.ts runs this file on every instruction-set path.
import { strict as assert } from "node:assert";
import { inGcChild } from "../helpers";

// Every case makes its result in a fresh block (cold: streamed unless turned off) and
// prints one digest per case, and how many writes streamed.
const DIGESTS = `
const crypto = require("node:crypto");
g.manualSeed(7);
const x = g.randn([1000003]), y = g.randn([1000003]);
const m = g.randn([1000, 999]), row = g.randn([999]), col = g.randn([1000, 1]);
const cases = {
  "add, odd length": () => x.add(y),
  "mul by a row, rows off the 64-byte lines": () => m.mul(row),
  "add a column": () => m.add(col),
  "times a scalar": () => x.mul(2.5),
  "int32 add": () => x.mul(1000).int().add(y.mul(1000).int()),
  "float64 exp": () => x.double().exp(),
  "greater than (bool out)": () => x.gt(y),
  relu: () => x.relu(),
  "sigmoid (float32 fast path)": () => x.sigmoid(),
  "leaky relu": () => g.F.leakyRelu(x, 0.1),
  "in place add_": () => { const z = x.clone(); z.add_(y); return z; },
};
const before = g.memory().streamedWrites;
const out = {};
for (const [name, f] of Object.entries(cases)) {
  const t = f();
  const d = t.dataSync();
  out[name] = crypto.createHash("sha1").update(Buffer.from(d.buffer, d.byteOffset, d.byteLength)).digest("hex") + " " + d.length;
}
console.log(JSON.stringify({ out, streamed: g.memory().streamedWrites - before }));`;

describe("streaming stores for outputs in cold blocks", function () {
  this.timeout(120000);

  it("give the ordinary path's bits on every case, and do stream", () => {
    const on = inGcChild(DIGESTS);
    const off = inGcChild(DIGESTS, { GRADLAB_STREAMING_STORES: "0" });
    assert.equal(off.streamed, 0, "GRADLAB_STREAMING_STORES=0 turns them off");
    assert.ok(on.streamed >= Object.keys(on.out).length, `every case streamed its output (${on.streamed} streamed writes)`);
    assert.deepEqual(on.out, off.out);
  });

  it("stream into a fresh block and one handed out long ago, not into one given back and taken again at once", () => {
    const r = inGcChild(`
      global.gc(); global.gc();
      const x = g.randn([1000, 1000]);
      const streamed = () => g.memory().streamedWrites;
      let s = streamed();
      let y = x.add(x);
      const fresh = streamed() - s;
      S.releaseStorage(y.storage);       // its block back to the cache, still in cache
      s = streamed();
      y = x.add(x);                      // the same block again
      const again = streamed() - s;
      S.releaseStorage(y.storage);
      // 24 MB of other blocks (another size) handed out: the block above has left the cache.
      const others = Array.from({ length: 6 }, () => g.zeros([1001, 1000]));
      s = streamed();
      y = x.add(x);
      const later = streamed() - s;
      const small = x.narrow(0, 0, 200).add(1);  // 800 KB: stays in L2, never streamed
      console.log(JSON.stringify({ fresh, again, later, small: streamed() - s - later, n: others.length + small.shape[0] }));`);
    assert.deepEqual(r, { fresh: 1, again: 0, later: 1, small: 0, n: 206 });
  });
});
