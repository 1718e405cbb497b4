// The op-code tables have one source, core/backend/opcodes.ts: native/src/opcodes.h must
// be what scripts/gen-opcodes.js makes of it, and the loaded addon must have been compiled
// with the same tables, or the loader refuses it (a swapped code would silently run
// another op, e.g. exp where log was asked for).
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadAddon, packageRoot } from "../../core/backend/addon";
import { OPCODE_TABLES, opcodeMismatch, type OpcodeTables } from "../../core/backend/opcodes";

const root = packageRoot();
const generator = path.join(root, "scripts/gen-opcodes.js");

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-opcodes-"));
}

describe("op-code tables", () => {
  it("native/src/opcodes.h is what the generator makes of core/backend/opcodes.ts", () => {
    // Regenerated into a temp folder, so the check never rewrites the committed header.
    const dir = tempDir();
    try {
      const r = spawnSync(process.execPath, [generator, "--out", dir], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const fresh = fs.readFileSync(path.join(dir, "opcodes.h"), "utf8");
      const committed = fs.readFileSync(path.join(root, "native/src/opcodes.h"), "utf8");
      assert.equal(committed, fresh, "native/src/opcodes.h is stale: run node scripts/gen-opcodes.js");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the built addon was compiled with the same tables as TypeScript's", function () {
    // Required directly: through the loader, an addon with other tables is refused and the test would only skip.
    const built = process.env.GRADLAB_ADDON ?? path.join(root, "native/build/Release/gradlab.node");
    if (!fs.existsSync(built)) this.skip(); // not built: the TypeScript backend has no second copy to compare
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(built) as { opcodeTables?: () => OpcodeTables };
    assert.equal(typeof addon.opcodeTables, "function", `${built} exports no opcodeTables: rebuild it`);
    const theirs = addon.opcodeTables!();
    assert.deepEqual(theirs, JSON.parse(JSON.stringify(OPCODE_TABLES)));
    assert.equal(opcodeMismatch(theirs), null);
    assert.equal(loadAddon().path, built, `the loader did not take ${built}: ${loadAddon().failures.join("; ")}`);
  });

  it("tables that differ in one entry are refused with the entry named", () => {
    const swapped: OpcodeTables = { ...OPCODE_TABLES, unary: [...OPCODE_TABLES.unary] };
    const u = swapped.unary as string[];
    [u[3], u[4]] = [u[4], u[3]];
    assert.equal(opcodeMismatch(swapped),
      `its op-code table unary has "${u[3]}" at position 3 where core/backend/opcodes.ts has "${u[4]}"`);
    const shorter: OpcodeTables = { ...OPCODE_TABLES, reduce: OPCODE_TABLES.reduce.slice(0, -1) };
    assert.match(opcodeMismatch(shorter) ?? "", /reduce has nothing at position 5/);
    assert.match(opcodeMismatch(undefined) ?? "", /exports no op-code tables/);
  });

  it("the loader skips an addon whose tables differ and loads the next candidate", function () {
    const { addon, path: realPath } = loadAddon();
    if (!addon) this.skip();
    // A stand-in addon: the real one with two binary ops swapped in its tables.
    const dir = tempDir();
    try {
      const fake = path.join(dir, "fake-addon.js");
      fs.writeFileSync(fake, `const real = require(${JSON.stringify(realPath)});
        module.exports = { ...real, opcodeTables() { const t = real.opcodeTables(); t.binary = [...t.binary];
          [t.binary[0], t.binary[1]] = [t.binary[1], t.binary[0]]; return t; } };`);
      const code = `const { loadAddon } = require(${JSON.stringify(path.join(root, "dist/core/backend/addon.js"))});
        console.log(JSON.stringify(loadAddon().path));`;
      const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env: { ...process.env, GRADLAB_ADDON: fake } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout), realPath, "the loader took the addon whose tables differ");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the generator refuses a subset entry that is not in its table", () => {
    const dir = tempDir();
    try {
      const src = fs.readFileSync(path.join(root, "core/backend/opcodes.ts"), "utf8")
        .replace(/export const UNARY_INT_OK = \[/, 'export const UNARY_INT_OK = ["notAnOp", ');
      const file = path.join(dir, "opcodes.ts");
      fs.writeFileSync(file, src);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const gen = require(generator) as { readTables(file: string): unknown };
      assert.throws(() => gen.readTables(file), /UNARY_INT_OK has "notAnOp", which is not in UNARY/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
