// Deterministic mode: a Fashion-MNIST MLP epoch and a CNN epoch give the same parameter
// bits on both backends, with one thread and two, on both sides of the small-work
// threshold and on every instruction-set path this CPU runs; without the mode they do
// not. What no backend can run deterministically raises, saying so.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { tensor, setBackend, setDeterministic, isDeterministic, DeterminismError, backend } from "../../core";
import { registerBackend, jsBackend } from "../../core/backend";
import { packageRoot } from "../../core/backend/addon";
import { configurations, describeConfig, runIn, type Config } from "./deterministic/runs";

interface EpochResult { params: string; loss: number }

/** Each configuration's parameter digest after one epoch of `model`. */
function epochs(model: string, mode: "det" | "normal", configs: Config[]): Map<string, EpochResult> {
  return new Map(configs.map((c) => [describeConfig(c), runIn<EpochResult>("epoch", c, model, c.backend, String(c.threads), String(c.smallWork), mode)]));
}

function assertAllEqual(results: Map<string, EpochResult>): void {
  const [first, ...rest] = [...results];
  for (const [name, r] of rest) assert.equal(r.params, first[1].params, `parameters after the epoch differ: ${name} against ${first[0]}`);
}

describe("deterministic mode", function () {
  this.timeout(600000);
  const configs = configurations();

  for (const model of ["mlp", "cnn"]) {
    it(`a Fashion-MNIST ${model.toUpperCase()} epoch gives the same parameter bits on every backend, thread count, small-work threshold and instruction-set path`, () => {
      const results = epochs(model, "det", configs);
      assert.ok(results.size >= (configs.length > 1 ? 3 : 1));
      assertAllEqual(results);
    });

    it(`without the mode, the same ${model.toUpperCase()} epoch does not give the same bits everywhere (the comparison above can fail)`, function () {
      // The TypeScript backend, and the native one with one thread (small calls in TypeScript) and two (all in C++).
      const normal = configs.filter((c) => c.backend === "js" || c.isa === configs[configs.length - 1].isa);
      if (normal.length < 2) this.skip();
      const digests = new Set([...epochs(model, "normal", normal).values()].map((r) => r.params));
      assert.ok(digests.size > 1, "every configuration agreed bit for bit without deterministic mode");
    });
  }

  it("GRADLAB_DETERMINISTIC=1 turns the mode on at load; setDeterministic turns it on and off and returns the previous setting", () => {
    const core = path.join(packageRoot(), "dist/core");
    for (const [value, on] of [["1", true], ["true", true], ["0", false], ["", false]] as [string, boolean][]) {
      const r = spawnSync(process.execPath, ["-e", `console.log(require(${JSON.stringify(core)}).isDeterministic())`],
        { encoding: "utf8", env: { ...process.env, GRADLAB_DETERMINISTIC: value } });
      assert.equal(r.stdout.trim(), String(on), `GRADLAB_DETERMINISTIC=${JSON.stringify(value)}: ${r.stderr}`);
    }
    const before = isDeterministic();
    try {
      assert.equal(setDeterministic(true), before);
      assert.equal(isDeterministic(), true);
      assert.equal(setDeterministic(false), true);
      assert.equal(isDeterministic(), false);
      assert.throws(() => setDeterministic("yes" as unknown as boolean), /setDeterministic: expected true or false, got "yes"/);
    } finally {
      setDeterministic(before);
    }
  });

  it("an op on a backend without a deterministic kernel for it raises a DeterminismError that names the kernel and the way out, and runs outside the mode", () => {
    // A backend as a device backend would be: its own kernels, a deterministic set without gemm.
    const { gemm: _gemm, ...rest } = jsBackend.kernels;
    const unregister = registerBackend({ ...jsBackend, name: "device", deterministicKernels: rest });
    const previous = backend().name;
    const before = isDeterministic();
    try {
      setBackend("device");
      const a = tensor([[1, 2], [3, 4]]);
      assert.deepEqual(a.matmul(a).toArray(), [[7, 10], [15, 22]]);
      setDeterministic(true);
      assert.deepEqual(a.add(a).toArray(), [[2, 4], [6, 8]], "kernels the backend has run in the mode");
      assert.throws(() => a.matmul(a), (e: Error) => {
        assert.ok(e instanceof DeterminismError);
        assert.equal(e.message, 'deterministic mode: the device backend has no deterministic gemm kernel (its result could change ' +
          'with the thread count or the hardware); run it on the "js" or "native" backend (setBackend), or turn the mode off with setDeterministic(false)');
        return true;
      });
    } finally {
      setDeterministic(before);
      setBackend(previous);
      unregister();
    }
  });
});
