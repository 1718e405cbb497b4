// Each new block of the caching allocator nudges V8's young-generation check by allocating
// one 8-byte ArrayBuffer of V8's own (core/dtype.ts), so that blocks a caller drops come
// back at the next scavenge. Inside managedStorage — fit()'s training step, evaluate() —
// the caller gives its blocks back itself and the nudge is skipped: a scavenge there finds
// only the step's live activations (the course CNN ran 1.5 of them a step, 0.55 without).
// The nudges are counted through a counting stand-in for the global ArrayBuffer, which
// dtype.ts looks up at each call.
import { strict as assert } from "node:assert";
import { F, fit, evaluate, nn, optim, randn, randint, memory, setBackend, backend, manualSeed } from "../../core";
import { managedStorage } from "../../core/dtype";

describe("managed storage: no collection nudges where the caller gives blocks back itself", () => {
  const Original = globalThis.ArrayBuffer;
  let nudges = 0;
  let previous = "";

  before(function () {
    previous = backend().name;
    setBackend("native");
    if (memory().allocator !== "caching") this.skip(); // the addon is not built: no native blocks, no nudges
    globalThis.ArrayBuffer = new Proxy(Original, {
      construct(target, args, newTarget) {
        if (args[0] === 8) nudges++;
        return Reflect.construct(target, args, newTarget);
      },
    });
  });
  after(() => {
    globalThis.ArrayBuffer = Original;
    if (previous) setBackend(previous as "native" | "js");
  });

  const block = () => randn([256, 256]); // 256 KB: served by the caching allocator

  it("a new block nudges once outside, never inside, and again after a throw inside", () => {
    nudges = 0;
    block();
    assert.equal(nudges, 1, "outside managedStorage");
    nudges = 0;
    managedStorage(() => { block(); block(); });
    assert.equal(nudges, 0, "inside managedStorage");
    assert.throws(() => managedStorage(() => { block(); throw new Error("boom"); }), /boom/);
    nudges = 0;
    block();
    assert.equal(nudges, 1, "after a throw inside, the nudges resume");
  });

  it("fit()'s training steps and evaluate's batches make no nudges; only the loader's batches do", async () => {
    manualSeed(0);
    // 8 batches of 64 images of 1x28x28 (200 KB each: one nudge as the loader makes it).
    const x = randn([512, 1, 28, 28]), y = randint(0, 10, [512]);
    const model = new nn.Sequential(new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));
    const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const perStep: number[] = [];
    let last = 0;
    nudges = 0;
    await fit(model, [x, y], {
      epochs: 1, batchSize: 64, shuffle: false, optimizer, verbose: 0,
      callbacks: [{ onBatchEnd: () => { perStep.push(nudges - last); last = nudges; } }],
    });
    assert.equal(perStep.length, 8);
    // Each step allocates the conv output, its ReLU and pooling, their gradients (all over
    // 64 KB): 9 nudges a step before managed storage. Now only the loader's batch remains.
    assert.ok(perStep.every((n) => n <= 1), `nudges per step: ${perStep.join(", ")}`);
    nudges = 0;
    const logs = evaluate(model, [x, y], { batchSize: 64 });
    assert.ok(Number.isFinite(logs.loss));
    assert.ok(nudges <= 8, `evaluate: ${nudges} nudges for 8 batches`);
  });

  it("a dropped result outside fit still nudges (so plain loops get their blocks back)", () => {
    const a = randn([512, 512]);
    nudges = 0;
    for (let i = 0; i < 5; i++) void F.relu(a);
    assert.equal(nudges, 5);
  });
});
