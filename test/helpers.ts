// Shared test helpers: run a suite on every available backend, and compare tensors.
import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "node:child_process";
import { availableBackends, setBackend, backend, Tensor } from "../core";
import { packageRoot } from "../core/backend/addon";
import { setSmallWorkThreshold } from "../core/backend";

/**
 * Runs the suite once per available backend (js always, native when the addon is built).
 * On native, every call goes to C++ (the small-work shortcut to the TypeScript kernels is
 * off), so that small test tensors exercise the native kernels too.
 */
export function forEachBackend(title: string, body: (name: string) => void): void {
  for (const name of availableBackends()) {
    describe(`${title} [${name}]`, function () {
      let previous = "";
      let threshold = 0;
      before(() => { previous = backend().name; setBackend(name); threshold = setSmallWorkThreshold(0); });
      after(() => { setBackend(previous); setSmallWorkThreshold(threshold); });
      body(name);
    });
  }
}

/** Reads a file from the source tree (tests run from dist/, fixtures live in test/). */
export function sourcePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}

/**
 * Runs `body` in a fresh Node with --expose-gc (a history of allocations of its own), with
 * gradlab loaded as `g`, the addon as `addon` and core/storage as `S`; returns the last line
 * it prints, parsed as JSON.
 */
export function inGcChild(body: string, env: Record<string, string> = {}): any {
  const src = `const g = require(${JSON.stringify(sourcePath("dist", "core"))});
const addon = require(${JSON.stringify(sourcePath("dist", "core", "backend", "addon"))}).loadAddon().addon;
const S = require(${JSON.stringify(sourcePath("dist", "core", "storage"))});
${body}`;
  const r = spawnSync(process.execPath, ["--expose-gc", "-e", src], { encoding: "utf8", env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

export function readJSON<T>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(sourcePath(...parts), "utf8")) as T;
}

/** Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the worst element. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, atol: number, what = "values"): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} elements, expected ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    assert.fail(`${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Asserts a tensor's shape and values. */
export function assertTensor(t: Tensor, shape: number[], values: number[], rtol = 1e-6, atol = 1e-6): void {
  assert.deepEqual(t.shape, shape, `shape ${JSON.stringify(t.shape)}, expected ${JSON.stringify(shape)}`);
  assertClose(t.dataSync(), values, rtol, atol);
}

/** Values rounded to the digits printed in the course notes. */
export function rounded(t: Tensor, digits: number): number[] {
  return Array.from(t.dataSync(), (v) => Number(v.toFixed(digits)) + 0);
}
