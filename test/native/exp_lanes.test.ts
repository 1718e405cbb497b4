// exp, sigmoid and softmax on each instruction-set path give an input the same bits
// whether it lands in a vector step or in the scalar tail of a loop: the AVX2 path's
// 8-lane exp (native/src/vecmath.h, expFast8) must do expFast's operations exactly.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { loadAddon } from "../../core/backend/addon";
import { UNARY } from "../../core/backend/opcodes";

// Values that reach every branch: ordinary, ±0, the clamp's edges and beyond, ±Inf,
// NaN, results in the denormal range and near overflow.
const VALUES = [0.5, -1.25, 3.7, -0, 0, 88.72, 88.8, -103.9, -104.5, -87.5, -95, 80, Infinity, -Infinity, NaN, 1e-8];

// In the child: each value in whole vector steps and again in the tail of the same call,
// so that a body lane and a tail element compare; then alone in a step of ordinary lanes.
const CHILD = `
const addon = require(process.argv[1]);
const [exp, sigmoid] = JSON.parse(process.argv[2]);
const vals = Float32Array.from(JSON.parse(process.argv[3]).map(Number));  // "NaN", "-0", "Infinity" as text
const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const mismatches = [];
for (const op of [exp, sigmoid]) {
  for (const v of vals) {
    const x = new Float32Array(31).fill(0.25);
    for (let i = 0; i < 16; i++) x[i] = v;
    for (let i = 24; i < 31; i++) x[i] = v;  // the tail after 3 steps of 8
    const o = new Float32Array(31);
    addon.unary(op, x, o, 0, 0);
    const b = bits(o);
    if (b[0] !== b[30] || b[7] !== b[24]) mismatches.push({ op, v: String(v), body: b[0], tail: b[30] });
    // v alone among ordinary lanes (a step of 8 with one lane to clamp or replace, taken
    // apart from the steps whose lanes are all within the clamp): v's lane as the tail's,
    // the ordinary lanes as in a step of ordinary lanes only.
    const m = new Float32Array(31).fill(0.25);
    m[3] = v;
    for (let i = 24; i < 31; i++) m[i] = v;
    const mo = new Float32Array(31);
    addon.unary(op, m, mo, 0, 0);
    const mb = bits(mo);
    if (mb[3] !== mb[30] || mb[0] !== mb[8] || mb[0] !== mb[16]) mismatches.push({ op, v: String(v), mixed: mb[3], tail: mb[30], ordinary: [mb[0], mb[8]] });
  }
}
// softmax over one row: 16 lanes a step, then a scalar tail; equal inputs, equal outputs.
const row = Float32Array.from({ length: 16 + 7 }, (_, i) => [0.5, -1.25, 3.7, -0, 12, -30, 7.5, 1e-8][i % 16 % 8] + (i % 16 >= 8 ? 1 : 0));
for (const log of [false, true]) {
  const o = new Float32Array(row.length);
  addon.softmax(row, o, 1, row.length, 1, log);
  const b = bits(o);
  for (let i = 16; i < 23; i++) if (b[i] !== b[i - 16]) mismatches.push({ op: log ? "logSoftmax" : "softmax", i, body: b[i - 16], tail: b[i] });
}
console.log(JSON.stringify({ isa: addon.info().isa, mismatches }));
`;

describe("native addon: exp's vector lanes and scalar tail agree bit for bit", function () {
  this.timeout(60000);
  const addon = loadAddon().addon;
  const paths = addon ? ["baseline", "avx2", "avx512"].slice(0, ["baseline", "avx2", "avx512"].indexOf(addon.info().cpuIsa) + 1) : [];
  for (const p of ["baseline", "avx2", "avx512"]) {
    it(`on the ${p} path`, function () {
      if (!paths.includes(p)) {
        console.log(`      (skipped: ${addon ? `this CPU has no ${p}` : "the addon is not built"})`);
        return this.skip();
      }
      const ops = JSON.stringify([UNARY.indexOf("exp"), UNARY.indexOf("sigmoid")]);
      const r = spawnSync(process.execPath, ["-e", CHILD, loadAddon().path!, ops, JSON.stringify(VALUES.map(String))],
        { encoding: "utf8", env: { ...process.env, GRADLAB_ISA: p } });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { isa: string; mismatches: unknown[] };
      assert.equal(out.isa, p);
      assert.deepEqual(out.mismatches, []);
    });
  }
});
