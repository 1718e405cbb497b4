// tslab's converter (it type-checks and transpiles each cell against the earlier cells'
// declarations), loaded with one change: its program includes only Node's global types.
// By default TypeScript adds every package under each node_modules/@types above the
// notebook's folder; in gradlab's own checkout that is some forty (d3, react, mocha…),
// which more than doubled the time a kernel took to build its first program. A package a
// cell imports still finds its types through module resolution. Node's types are always
// the ones tslab ships (typeRoot), whatever folder the notebook is in: the kernel's startup
// snapshot holds them parsed (kernel/snapshot.ts).
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import type { Converter } from "tslab/dist/converter";
import { ts, typeRoot } from "./typescript";

export type { Converter };

/** TypeScript as tslab's converter sees it: the same module, with createWatchCompilerHost adding `types: ["node"]` from typeRoot. */
function typescriptForConverter(): unknown {
  const create = ts.createWatchCompilerHost as (...args: unknown[]) => unknown;
  return Object.create(ts, {
    __esModule: { value: true }, // tslab's __importStar then takes the object as it is
    createWatchCompilerHost: {
      value: (rootFiles: unknown, options: Record<string, unknown>, ...rest: unknown[]) => create(rootFiles, { ...options, types: ["node"], typeRoots: [typeRoot] }, ...rest),
    },
  });
}

export function createConverter(): Converter {
  const file = require.resolve("tslab/dist/converter");
  const mod = new Module(file, module) as Module & { _compile(src: string, file: string): void };
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const own = Module.createRequire(file);
  const patched = typescriptForConverter();
  mod.require = Object.assign((id: string) => (id === "@tslab/typescript-for-tslab" ? patched : own(id)), own) as NodeJS.Require;
  mod._compile(fs.readFileSync(file, "utf8"), file);
  return (mod.exports as typeof import("tslab/dist/converter")).createConverter();
}
