// The public API under seeded random arguments, on every backend and on tiny and large
// tensors (api-fuzz.ts, run in a child process so that a crash or a hang fails this test
// with the case that caused it instead of killing mocha): 0 crashes, 0 hangs, 0 internal
// messages, and the configurations agreeing wherever one of them succeeds.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

/* eslint-disable @typescript-eslint/no-explicit-any */

describe("public API fuzz: every backend and size agrees, errors are clear", function () {
  const script = path.join(__dirname, "api-fuzz.js");

  function run(seed: number, cases: number): any {
    // Large requests are refused by the memory check long before they would be made; the
    // limit keeps a run from taking a real 16 GiB on a machine that has it free.
    const env: NodeJS.ProcessEnv = { ...process.env, GRADLAB_MAX_BYTES: String(256 << 20) };
    delete env.GRADLAB_SMALL_WORK;
    delete env.GRADLAB_BACKEND;
    const r = spawnSync(process.execPath, [script, String(seed), String(cases)], { encoding: "utf8", env, timeout: 280_000, maxBuffer: 64 << 20 });
    const lines = (r.stdout ?? "").trim().split("\n");
    const last = lines[lines.length - 1] ?? "";
    const lastCase = [...lines].reverse().find((l) => l.startsWith("@"));
    const rerun = `node ${path.relative(process.cwd(), script)} ${seed} ${cases} --case ${lastCase?.slice(1).split(" ")[0]}`;
    assert.equal(r.error?.message.includes("ETIMEDOUT") ? "timeout" : r.signal, null,
      `the fuzz process ${r.signal ? `died with ${r.signal}` : "hung"} at case ${lastCase}; rerun it with: ${rerun}\n${r.stderr}`);
    assert.equal(r.status, 0, `the fuzz process exited with ${r.status} at case ${lastCase}; rerun it with: ${rerun}\n${r.stderr}`);
    return JSON.parse(last);
  }

  for (const seed of [21, 2026, 7]) {
    it(`seed ${seed}: 5000 cases under js, native and native-only`, function () {
      this.timeout(300_000);
      const s = run(seed, 5000);
      assert.equal(s.cases, 5000);
      assert.ok(s.values > 1000 && s.errors > 400, `too few of one kind: ${s.values} values, ${s.errors} errors`);
      const shown = s.problems.slice(0, 15).map((p: any) => `case ${p.case} ${p.args}\n    ${p.what}`).join("\n");
      assert.equal(s.problemCount, 0, `${s.problemCount} problems (rerun one with --case N):\n${shown}`);
    });
  }
});
