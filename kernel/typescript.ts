// The TypeScript compiler the kernel's converter (tslab) runs on. The kernel parses with
// the same copy, so that a cell is read one way and the module is loaded once.
import * as path from "node:path";
import type * as TS from "typescript";

const tslabRoot = path.dirname(require.resolve("tslab/package.json"));

export const ts: typeof TS = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabRoot] }));
