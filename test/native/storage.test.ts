// The caching allocator (native/src/storage.h) through its exports and through tensors:
// counters, reuse, the cap, release, bad sizes, and blocks handed back from several
// threads at once. Tests needing global.gc run in a child process started with --expose-gc.
import { strict as assert } from "node:assert";
import { loadAddon } from "../../core/backend/addon";
import { emptyCache, zeros, randn } from "../../core";
import { inGcChild } from "../helpers";

const addon = loadAddon().addon!;

describe("native caching allocator", () => {
  it("hands out a block of the size asked, zeroed when asked", () => {
    const ab = addon.storageAlloc!(100_000, true);
    // Made with V8's own API and handed to Node-API by a cast (storage.cc): it must be a real ArrayBuffer.
    assert.ok(ab instanceof ArrayBuffer);
    assert.equal(ab.byteLength, 100_000);
    const f = new Float32Array(ab);
    assert.ok(f.every((v) => v === 0));
    // Float64Array needs 8-byte alignment of the start: the block's 64 give it.
    assert.equal(new Float64Array(ab, 0, 12_500).length, 12_500);
  });

  it("counts large tensor storage as allocated and small storage not at all", () => {
    const r = inGcChild(`
      global.gc(); global.gc();
      const before = g.memory().allocatedBytes;
      const big = g.zeros([256, 1024]); // 1 MiB
      const afterBig = g.memory().allocatedBytes;
      const small = g.zeros([100]);
      const m = g.memory();
      console.log(JSON.stringify({ big: afterBig - before, small: m.allocatedBytes - afterBig, peakOk: m.peakBytes >= m.allocatedBytes, allocator: m.allocator, sum: big.sum().item() + small.sum().item() }));`);
    assert.equal(r.big, 1 << 20);
    assert.equal(r.small, 0);
    assert.equal(r.peakOk, true);
    assert.equal(r.allocator, "caching");
    assert.equal(r.sum, 0);
  });

  it("returns a collected tensor's block to the cache and reuses it for the next one of its size", () => {
    const r = inGcChild(`
      const x = g.randn([1000, 1000]);
      const live0 = addon.storageStats();
      for (let i = 0; i < 10; i++) x.relu();
      global.gc(); global.gc();
      const after = addon.storageStats();
      const hits0 = after.hits;
      x.relu();
      console.log(JSON.stringify({ grew: after.allocatedBytes - live0.allocatedBytes, cached: after.cachedBytes, hit: addon.storageStats().hits - hits0 }));`);
    assert.equal(r.grew, 0, "every relu output was collected and its block given back");
    assert.ok(r.cached >= 4_000_000);
    assert.equal(r.hit, 1, "the next output of that size came from the cache");
  });

  it("gets a block back exactly once when its buffer was transferred to another ArrayBuffer", () => {
    const r = inGcChild(`
      global.gc(); global.gc();
      const base = addon.storageStats();
      let t = g.randn([1000, 1000]);
      let moved = structuredClone(t.data.buffer, { transfer: [t.data.buffer] });
      const detached = t.data.length === 0;
      const first = new Float32Array(moved)[0];
      t = null; global.gc(); global.gc();
      const whileMoved = addon.storageStats().allocatedBytes - base.allocatedBytes;
      moved = null; global.gc(); global.gc();
      const s = addon.storageStats();
      console.log(JSON.stringify({ detached, finite: Number.isFinite(first), whileMoved, grew: s.allocatedBytes - base.allocatedBytes, blocks: s.liveBlocks - base.liveBlocks }));`);
    assert.equal(r.detached, true);
    assert.equal(r.finite, true);
    assert.equal(r.whileMoved, 4_001_792, "the block stays allocated while the new ArrayBuffer holds it");
    assert.equal(r.grew, 0);
    assert.equal(r.blocks, 0);
  });

  it("storageFree gives a block back at once and empties every view of it; it refuses what it did not make", () => {
    const ab = addon.storageAlloc!(300_000, false);
    const view = new Float32Array(ab, 4, 10);
    const live = addon.storageStats!().liveBlocks, cached = addon.storageStats!().cachedBlocks;
    assert.equal(addon.storageFree!(new ArrayBuffer(300_000)), false, "a buffer of V8's own");
    assert.equal(addon.storageFree!(ab), true);
    assert.equal(ab.byteLength, 0);
    assert.equal(view.length, 0, "a view of a freed block reads nothing");
    assert.equal(addon.storageStats!().liveBlocks, live - 1);
    assert.equal(addon.storageStats!().cachedBlocks, cached + 1);
    assert.equal(addon.storageFree!(ab), false, "a second free of the same buffer");
    assert.throws(() => (addon.storageFree as (x: unknown) => boolean)(view), /storageFree: expected one ArrayBuffer/);
    // A kernel handed the emptied view refuses it, naming the call.
    assert.throws(() => addon.unary!(0, view, new Float32Array(10), 0, 0), /unary/);
  });

  it("keeps no more than its cap cached, and emptyCache() gives everything back", () => {
    const r = inGcChild(`
      addon.storageSetCap(10 << 20); // 10 MiB: two 4 MB blocks fit, three do not
      let keep = [];
      for (let i = 0; i < 6; i++) keep.push(g.randn([1000, 1000]));
      keep = null; global.gc(); global.gc();
      const capped = addon.storageStats().cachedBytes;
      const freed = g.emptyCache();
      console.log(JSON.stringify({ capped, freed, after: g.memory().cachedBytes }));`);
    assert.ok(r.capped <= 10 << 20 && r.capped >= 8_000_000, `cached ${r.capped}`);
    assert.equal(r.freed, r.capped);
    assert.equal(r.after, 0);
  });

  it("gives its cache back before refusing an allocation for want of available memory", () => {
    // The system counts cached blocks as used. process.availableMemory stands in for the
    // system here: 100 MiB available plus whatever the cache has given back since.
    const r = inGcChild(`
      let keep = [];
      for (let i = 0; i < 12; i++) keep.push(g.randn([1000, 1000]));
      keep = null; global.gc(); global.gc();
      const cached = addon.storageStats().cachedBytes;
      // What the cache has given back since (the addon's exports are read-only: counted, not wrapped).
      const returned = () => cached - addon.storageStats().cachedBytes;
      const available = () => (100 << 20) + returned();
      process.availableMemory = available; // Node >= 20.13
      require("os").freemem = available;   // older Node 20
      const t = g.zeros([64 << 20 >> 2]); // 64 MiB (smaller requests are not checked): more than half of 100 MiB, less than half of 100 MiB + the cache
      console.log(JSON.stringify({ cached, returned: returned(), n: t.numel }));`);
    assert.ok(r.cached >= 30_000_000, `cached ${r.cached}`);
    assert.equal(r.returned, r.cached, "the whole cache went back before the request was judged");
    assert.equal(r.n, 64 << 20 >> 2);
  });

  it("reads its cap from GRADLAB_CACHE_MAX_BYTES", () => {
    const r = inGcChild(`console.log(JSON.stringify(g.memory()));`, { GRADLAB_CACHE_MAX_BYTES: "12345678" });
    assert.equal(r.cacheLimitBytes, 12345678);
  });

  it("is off with GRADLAB_CACHING_ALLOCATOR=0 and says so", () => {
    const r = inGcChild(`const t = g.zeros([1000, 1000]); console.log(JSON.stringify(g.memory()));`, { GRADLAB_CACHING_ALLOCATOR: "0" });
    assert.match(r.allocator, /GRADLAB_CACHING_ALLOCATOR=0/);
    assert.equal(r.allocatedBytes, 0);
  });

  it("never hands one block to two holders when threads take and give back blocks at once", () => {
    // Deleters run on V8's GC threads while kernels allocate on the main one.
    assert.equal(addon.storageStress!(8, 20_000), true);
  });

  it("refuses bad sizes and caps with errors that name the call", () => {
    assert.throws(() => addon.storageAlloc!(0, false), /storageAlloc: bytes/);
    assert.throws(() => addon.storageAlloc!(-5, false), /storageAlloc: bytes/);
    assert.throws(() => addon.storageAlloc!(1.5, false), /storageAlloc: bytes/);
    assert.throws(() => addon.storageAlloc!(2 ** 40, false), /storageAlloc: bytes/);
    assert.throws(() => (addon.storageAlloc as any)("1000", false), /storageAlloc: bytes/);
    assert.throws(() => addon.storageSetCap!(-1), /storageSetCap: bytes/);
    assert.throws(() => addon.storageSetCap!(NaN), /storageSetCap: bytes/);
  });

  it("gives storage that reads back what was written, for every dtype", () => {
    const x = randn([300, 300]);
    assert.equal(x.data.length, 90_000);
    for (const dtype of ["float32", "float64", "int32", "bool"] as const) {
      const t = zeros([400, 400], { dtype });
      assert.equal(t.dtype, dtype);
      assert.equal(t.sum().item(), 0);
    }
    assert.ok(Math.abs(x.mul(2).sum().item() - 2 * x.sum().item()) < 1e-2);
  });

  // Keep `emptyCache` referenced for the case where tests run in one process.
  after(() => emptyCache());
});
