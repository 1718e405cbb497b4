// The TypeScript compiler the kernel's converter (tslab) runs on. The kernel parses with
// the same copy, so that a cell is read one way and the module is loaded once.
//
// Compiling its 8 MB of JavaScript is a fifth of a kernel's start, so it is loaded with
// V8's code cache: the first kernel writes the bytecode of everything it ran (after its
// first cell, see saveCodeCache) under the user's cache folder, and later kernels start
// from it. A cache V8 rejects (another Node, other flags) is replaced the same way.
// A kernel started from its startup snapshot (kernel/snapshot.ts) has it compiled already.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import type * as TS from "typescript";
import { applyHeapFlags, keepInterpreted } from "./memory";
import type { KernelSnapshot } from "./snapshot_types";

const tslabRoot = path.dirname(require.resolve("tslab/package.json"));
const file = require.resolve("@tslab/typescript-for-tslab", { paths: [tslabRoot] });
/** The compiler's file, as tslab's converter loads it. */
export const typescriptFile = file;
/**
 * The one folder of @types packages cells are checked with (Node's types, as tslab ships
 * them), wherever the notebook is: the snapshot holds these files parsed.
 */
export const typeRoot = path.dirname(path.dirname(require.resolve("@types/node/package.json", { paths: [tslabRoot] })));

let script: vm.Script | null = null;
let cacheFile: string | null = null;
let cacheWanted = false;

function cachePath(source: string): string {
  const dir = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  const key = crypto.createHash("sha256").update(process.version).update(process.arch).update(source.length + ":" + file).digest("hex").slice(0, 16);
  return path.join(dir, "gradlab", `typescript-${key}.v8cache`);
}

function load(): typeof TS {
  const cached = require.cache[file];
  if (cached?.loaded) return cached.exports;
  applyHeapFlags();
  const snapshot = (globalThis as { __gradlabSnapshot?: KernelSnapshot }).__gradlabSnapshot;
  if (snapshot?.typescriptFile === file) return register(snapshot.ts).exports;
  const source = fs.readFileSync(file, "utf8");
  cacheFile = process.env.GRADLAB_CODE_CACHE === "0" ? null : cachePath(source);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch { /* first start */ }
  script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  cacheWanted = !!cacheFile && (!cachedData || script.cachedDataRejected === true);
  const mod = register({} as typeof TS);
  mod.loaded = false;
  script.runInThisContext()(mod.exports, mod.require.bind(mod), mod, file, path.dirname(file));
  mod.loaded = true;
  return mod.exports;
}

/** Makes `exports` the module tslab's converter gets when it requires the compiler. */
function register(exports: typeof TS): Module & { exports: typeof TS } {
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  mod.exports = exports;
  mod.loaded = true;
  require.cache[file] = mod;
  return mod as Module & { exports: typeof TS };
}

export const ts: typeof TS = load();
keepInterpreted([ts.createProgram, (ts as unknown as { createTypeChecker: (...a: unknown[]) => unknown }).createTypeChecker]);

/**
 * Writes the code cache if this kernel started without a usable one: called once the
 * converter has built its program and converted a cell, so that the functions that work
 * ran are in it too.
 */
export function saveCodeCache(): void {
  if (!cacheWanted || !script || !cacheFile) return;
  cacheWanted = false;
  try {
    const data = script.createCachedData();
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, cacheFile);
  } catch { /* a read-only home: every start compiles, as without the cache */ }
}
