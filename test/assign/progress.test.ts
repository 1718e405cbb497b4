// What `gradlab grade` shows while it works and when it ends, on a small class of three
// graded in sandboxes: a numbered line per graded submission, a status line on a terminal
// (done / total, the ones running, elapsed and ETA), and a summary table of the class.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sandboxProblem } from "../../kernel/assign/sandbox";
import { CLI } from "./cli";
import { sourcePath } from "../helpers";

const PTY = sourcePath("test", "core", "progress", "pty_run.py");
const nbgrader = (m: object) => ({ nbgrader: { schema_version: 3, ...m } });
const code = (source: string, metadata: object) => ({ cell_type: "code", source, metadata, outputs: [], execution_count: null });
const SOURCE = {
  nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" } },
  cells: [
    code("function double(x: number): number {\n  // BEGIN SOLUTION\n  return 2 * x;\n  // END SOLUTION\n}", nbgrader({ grade_id: "answer", solution: true, grade: false, locked: false })),
    code("if (double(3) !== 6) throw new Error(`double(3) should be 6, got ${double(3)}`);", nbgrader({ grade_id: "test_double", grade: true, solution: false, locked: true, points: 2 })),
    code("if (double(-2) !== -4) throw new Error(`double(-2) should be -4, got ${double(-2)}`);", nbgrader({ grade_id: "test_negative", grade: true, solution: false, locked: true, points: 1 })),
  ],
};

describe("gradlab grade: progress and the class summary", function () {
  this.timeout(300_000);
  let dir = "";
  let args: string[] = [];

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-grade-progress-"));
    fs.mkdirSync(path.join(dir, "double"));
    const source = path.join(dir, "double", "source.ipynb");
    fs.writeFileSync(source, JSON.stringify(SOURCE));
    const a = spawnSync(process.execPath, [CLI, "assign", source, "--out", path.join(dir, "release")], { encoding: "utf8" });
    assert.equal(a.status, 0, a.stderr);
    const released = JSON.parse(fs.readFileSync(path.join(dir, "release", "double.ipynb"), "utf8"));
    const answer = (body: string) => ({ ...released, cells: released.cells.map((c: any, i: number) => (i === 0 ? { ...c, source: `function double(x: number): number {\n  ${body}\n}` } : c)) });
    const subs = { ada: answer("return 2 * x;"), bo: released, cy: answer("return Math.abs(2 * x);") };
    fs.mkdirSync(path.join(dir, "subs"));
    for (const [name, nb] of Object.entries(subs)) fs.writeFileSync(path.join(dir, "subs", `${name}.ipynb`), JSON.stringify(nb));
    args = [CLI, "grade", "--source", source, ...Object.keys(subs).map((n) => path.join(dir, "subs", `${n}.ipynb`)),
      "--timeout", "20", "--parallel", "2", ...(sandboxProblem() ? ["--unsafe-no-sandbox"] : [])];
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it("numbers each graded submission and ends with the class's table, plainly in a log", () => {
    const r = spawnSync(process.execPath, [...args, "--out", path.join(dir, "grades-log")], { encoding: "utf8", env: { ...process.env, GRADLAB_VERBOSE: undefined } });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const numbered = r.stdout.split("\n").filter((l) => /^\[\d\/3\] /.test(l));
    assert.deepEqual(numbered.map((l) => l.slice(0, 6)), ["[1/3] ", "[2/3] ", "[3/3] "]);
    assert.deepEqual(numbered.map((l) => /\] (\w+): (\d) \/ 3/.exec(l)!.slice(1).join(" ")).sort(), ["ada 3", "bo 0", "cy 2"]);
    assert.match(r.stdout, /^test +points +passed +mean points$/m);
    assert.match(r.stdout, /^test_double +2 +2\/3 +1\.33$/m);
    assert.match(r.stdout, /^test_negative +1 +1\/3 +0\.33$/m);
    assert.match(r.stdout, /^score out of 3: mean 1\.67, median 2, min 0, max 3; full marks 1\/3$/m);
    assert.ok(!r.stderr.includes("\r") && !r.stderr.includes("\x1b"), `no redraws in a log: ${JSON.stringify(r.stderr)}`);
  });

  it("shows done / total, the submissions running, elapsed and ETA on a terminal", () => {
    const r = spawnSync("/usr/bin/python3", [PTY, process.execPath, ...args, "--out", path.join(dir, "grades-tty")], { encoding: "utf8", env: { ...process.env, GRADLAB_VERBOSE: undefined, TERM: "xterm" } });
    const { output, status } = JSON.parse(r.stdout);
    assert.equal(status, 0, output);
    const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    assert.match(plain, /\rgrading  0\/3 done  [\d.]+ s  running: (ada|bo)/);
    assert.match(plain, /\rgrading  [12]\/3 done  [\d.]+ s  ETA [\d.]+ s  running: \w+/);
    // The status never stays: the summary and the last line follow on clean lines.
    assert.match(plain, /\r\[3\/3\] \w+: \d \/ 3 [^\r]*\r\ntest +points +passed +mean points\r\n/);
    assert.match(plain, /\r\ngradlab grade: 3 submissions in [\d.]+ s/);
  });
});
