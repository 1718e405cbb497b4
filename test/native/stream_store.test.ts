// Streaming stores (native/src/stream_store.h): a large elementwise or convolution output
// written into a block that has left the cache goes out with streaming stores. Its values must be the
// ordinary path's bits exactly (heads, tails and rows that do not start on a 64-byte line
// included), and the allocator must call a block cold only when it is: fresh from malloc or
// handed out long ago, never one given back and taken again at once. Each case runs in a
// child process (with --expose-gc) so that the allocator's history is the test's own; the
// per-path run in isa.test.ts runs this file on every instruction-set path.
import { strict as assert } from "node:assert";
import { inGcChild } from "../helpers";

// Every case makes its result in a fresh block (cold: streamed unless turned off) and
// prints one digest per case, and how many of its writes streamed.
const DIGESTS = `
const crypto = require("node:crypto");
g.manualSeed(7);
const x = g.randn([1000003]), y = g.randn([1000003]);
const m = g.randn([1000, 999]), row = g.randn([999]), col = g.randn([1000, 1]);
const w = g.randn([32, 1, 3, 3]), w5 = g.randn([5, 3, 3, 3]);
const u = g.randn([1200007]), v = g.randn([1200007]);  // as bytes, over the 1 MiB below which nothing streams
const cases = {
  "add, odd length": () => x.add(y),
  "mul by a row, rows off the 64-byte lines": () => m.mul(row),
  "add a column": () => m.add(col),
  "times a scalar": () => x.mul(2.5),
  "int32 add": () => x.mul(1000).int().add(y.mul(1000).int()),
  "float64 exp": () => x.double().exp(),
  "greater than (bool out)": () => u.gt(v),
  relu: () => x.relu(),
  "sigmoid (float32 fast path)": () => x.sigmoid(),
  "leaky relu": () => g.F.leakyRelu(x, 0.1),
  "in place add_": () => { const z = x.clone(); z.add_(y); return z; },
  // The course CNN's first layer: the direct 3×3 kernel on the AVX2 and AVX-512 paths.
  "conv2d, 1 channel in, 32 out": () => g.F.conv2d(x.narrow(0, 0, 64 * 784).reshape([64, 1, 28, 28]), w, null, { padding: 1 }),
  // Planes of 13×11 (not whole 64-byte lines, so lines straddle planes and images) and a
  // last block of one channel: rows streamed as they are done must still add up.
  "conv2d, 3 channels in, 5 out, 13×11": () => g.F.conv2d(x.narrow(0, 0, 400 * 3 * 143).reshape([400, 3, 13, 11]), w5, null, { padding: 1 }),
};
const out = {}, streamed = {};
for (const [name, f] of Object.entries(cases)) {
  const before = g.memory().streamedWrites;
  const t = f();
  streamed[name] = g.memory().streamedWrites - before;
  const d = t.dataSync();
  out[name] = crypto.createHash("sha1").update(Buffer.from(d.buffer, d.byteOffset, d.byteLength)).digest("hex") + " " + d.length;
}
console.log(JSON.stringify({ out, streamed, isa: g.backend().isa }));`;

describe("streaming stores for outputs in cold blocks", function () {
  this.timeout(120000);

  it("give the ordinary path's bits on every case, and do stream", () => {
    // No cache: a block a collection gives back mid-run (an intermediate of an earlier
    // case) would otherwise be reused still warm, and that case rightly not stream.
    const on = inGcChild(DIGESTS, { GRADLAB_CACHE_MAX_BYTES: "0" });
    const off = inGcChild(DIGESTS, { GRADLAB_CACHE_MAX_BYTES: "0", GRADLAB_STREAMING_STORES: "0" });
    assert.ok(Object.values(off.streamed).every((n) => n === 0), "GRADLAB_STREAMING_STORES=0 turns them off");
    for (const [name, n] of Object.entries(on.streamed as Record<string, number>)) {
      // The baseline path has no direct 3×3 kernel: its convolution is im2col and a product.
      if (name.startsWith("conv2d") && on.isa === "baseline") continue;
      assert.ok(n >= 1, `${name}: its output streamed (${on.isa} path)`);
    }
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
