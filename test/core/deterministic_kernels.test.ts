// Deterministic mode kernel by kernel: every kernel (every op of the op-coded ones) gives
// the same bits on the native backend, on every instruction-set path, with one thread and
// two and with every call in C++, as on the TypeScript backend; outside the mode many do not.
import { strict as assert } from "node:assert";
import { configurations, describeConfig, runIn, type Config } from "./deterministic/runs";

type Digests = Record<string, string>;
const digestsOf = (c: Config, mode: string) => runIn<Digests>("kernels_digest", c, c.backend, String(c.threads), String(c.smallWork), mode);

/** The kernels whose digests differ between two runs. */
const differing = (a: Digests, b: Digests) => Object.keys(a).filter((k) => a[k] !== b[k]);

describe("deterministic mode, kernel by kernel", function () {
  this.timeout(600000);
  const configs = configurations();
  before(function () {
    if (configs.length < 2) this.skip(); // no addon: nothing to compare the reference with
  });

  it("every kernel gives the TypeScript backend's bits on the native backend, on every path, thread count and small-work threshold", () => {
    const [js, ...natives] = configs;
    const reference = digestsOf(js, "det");
    assert.ok(Object.keys(reference).length > 200);
    for (const c of natives) assert.deepEqual(differing(reference, digestsOf(c, "det")), [], `kernels that differ on ${describeConfig(c)}`);
  });

  it("outside the mode, the native backend's kernels differ from the reference's in places (the comparison above can fail)", () => {
    const [js, ...natives] = configs;
    const diff = differing(digestsOf(js, "normal"), digestsOf(natives[natives.length - 1], "normal"));
    assert.ok(diff.some((k) => k.startsWith("gemm")) && diff.some((k) => k.startsWith("unary exp")), diff.join("; "));
  });
});
