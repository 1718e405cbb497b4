// Running the deterministic tests' scripts in child processes, one per configuration: the
// instruction-set path is chosen when the addon loads, so each path needs its own process.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { loadAddon } from "../../../core/backend/addon";

export interface Config {
  backend: "js" | "native";
  threads: number;
  smallWork: number;
  /** The addon's instruction-set path (GRADLAB_ISA); unset for the CPU's best. */
  isa?: string;
}

export const describeConfig = (c: Config) =>
  `${c.backend}, ${c.threads} thread${c.threads > 1 ? "s" : ""}, small-work ${c.smallWork}${c.isa ? `, ${c.isa}` : ""}`;

/** The instruction-set paths this CPU runs, lowest first (none without the addon). */
export function supportedPaths(): string[] {
  const addon = loadAddon().addon;
  if (!addon) return [];
  const all = ["baseline", "avx2", "avx512"];
  return all.slice(0, all.indexOf(addon.info().cpuIsa) + 1);
}

/**
 * The configurations to compare: the TypeScript backend, and the native one on every path
 * with one thread (the TypeScript kernels below the default threshold) and two (every call in C++).
 */
export function configurations(): Config[] {
  const configs: Config[] = [{ backend: "js", threads: 1, smallWork: 1024 }];
  for (const isa of supportedPaths()) {
    configs.push({ backend: "native", threads: 1, smallWork: 1024, isa });
    configs.push({ backend: "native", threads: 2, smallWork: 0, isa });
  }
  return configs;
}

/** Runs dist/test/core/deterministic/<script>.js with `args` after the configuration's; its JSON output. */
export function runIn<T>(script: string, c: Config, ...args: string[]): T {
  const file = path.join(__dirname, `${script}.js`);
  const env: NodeJS.ProcessEnv = { ...process.env, GRADLAB_VERBOSE: "0" };
  delete env.GRADLAB_ISA;
  delete env.GRADLAB_DETERMINISTIC;
  if (c.isa) env.GRADLAB_ISA = c.isa;
  const r = spawnSync(process.execPath, [file, ...args], { encoding: "utf8", env, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, `${script} (${describeConfig(c)}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
