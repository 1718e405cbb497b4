// The limits a submission runs under: gradlab's defaults, the assignment's own in the
// source's metadata, the command line last; and the refusal to grade without a sandbox.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { gradingLimits } from "../../kernel/assign/commands";
import { DEFAULT_LIMITS } from "../../kernel/assign/sandbox";
import type { Notebook } from "../../kernel/assign/notebook";
import { sourcePath } from "../helpers";

const nb = (limits?: object): Notebook => ({
  nbformat: 4, nbformat_minor: 5, metadata: limits ? { gradlab: { limits } } : {},
  cells: [1, 2, 3].map(() => ({ cell_type: "code", source: "", metadata: {}, outputs: [], execution_count: null })),
});

describe("assign: grading limits", () => {
  it("defaults, with the notebook's time as 30 s per code cell and a minute more", () => {
    const l = gradingLimits(nb(), {});
    assert.deepEqual({ ...l, totalTimeout: 0 }, { ...DEFAULT_LIMITS, totalTimeout: 0 });
    assert.equal(l.totalTimeout, 30 * 3 + 60);
  });

  it("takes the assignment's own from metadata.gradlab.limits, and the command line over both", () => {
    const l = gradingLimits(nb({ cellTimeout: 5, pids: 64, outputCellBytes: 100 }), { "--memory": "512" });
    assert.deepEqual([l.cellTimeout, l.pids, l.outputCellBytes, l.memoryMB, l.totalTimeout], [5, 64, 100, 512, 5 * 3 + 60]);
    assert.equal(gradingLimits(nb({ cellTimeout: 5 }), { "--timeout": "7" }).cellTimeout, 7);
  });

  it("names a limit it does not know or a value that is not a positive number", () => {
    assert.throws(() => gradingLimits(nb({ network: 1 }), {}), /unknown limit "network" \(known: cellTimeout/);
    assert.throws(() => gradingLimits(nb({ memoryMB: -1 }), {}), /limits.memoryMB must be a positive number, got -1/);
  });

  it("refuses to grade where it cannot make a sandbox, and says why and what --unsafe-no-sandbox means", function () {
    if (process.getuid?.() !== 0) this.skip();
    // As the user nobody, no cgroup can be made and no sandbox started.
    const r = spawnSync(process.execPath, [sourcePath("dist", "kernel", "cli.js"), "grade", "--source", "/nonexistent/source.ipynb", "x.ipynb", "--out", "/nonexistent/out"],
      { encoding: "utf8", uid: 65534, gid: 65534, cwd: path.sep });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /cannot make one here: gradlab grade must run as root .*Pass --unsafe-no-sandbox to grade anyway \(trusted submissions only\)/);
  });
});
