// `gradlab run` (and npm start without Jupyter, which runs the tour the same way) must
// still print its own summary after the notebook ran: the cells' output capture ends with it.
// While it runs it says which cell runs and how long each took: a line per cell in a log,
// and on a terminal the running cell redrawn in place too.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const SAMPLE = path.join(ROOT, "test", "kernel", "fixtures", "sample.ipynb");
const CELL_LINE = (i: number, head: string) => new RegExp(`^cell ${i}/5  ok     +[\\d.]+ s  ${head.replace(/[()[\]]/g, "\\$&")}$`, "m");

describe("gradlab run's own output", function () {
  this.timeout(60_000);
  it("prints the summary line after the notebook's cells ran", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-run-")), "out.ipynb");
    const r = spawnSync(process.execPath, [path.join(ROOT, "dist", "kernel", "cli.js"), "run", path.join(ROOT, "test", "kernel", "fixtures", "sample.ipynb"), "--out", out], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /gradlab run: .*sample\.ipynb: 5 code cells, 0 error\(s\), written to /);
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it("says in a log how long each cell took, with its first line, and keeps the cells' output out", () => {
    const r = spawnSync(process.execPath, [CLI, "run", SAMPLE], { encoding: "utf8", env: { ...process.env, GRADLAB_VERBOSE: undefined } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, CELL_LINE(1, "manualSeed(1);"));
    assert.match(r.stderr, CELL_LINE(2, 'console.log("one");'));
    assert.match(r.stderr, CELL_LINE(5, "const model = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU());"));
    assert.ok(!/one|three/.test(r.stderr.replace(/^cell 2\/5.*$/m, "")), "what the cells print goes into the notebook, not the terminal");
    assert.ok(!r.stderr.includes("\r"), "no redraws in a log");
    const quiet = spawnSync(process.execPath, [CLI, "run", SAMPLE], { encoding: "utf8", env: { ...process.env, GRADLAB_VERBOSE: "0" } });
    assert.doesNotMatch(quiet.stderr, /^cell /m);
  });

  it("shows the running cell in place on a terminal", () => {
    const r = spawnSync("/usr/bin/python3", [path.join(ROOT, "test", "core", "progress", "pty_run.py"), process.execPath, CLI, "run", SAMPLE],
      { encoding: "utf8", env: { ...process.env, GRADLAB_VERBOSE: undefined, TERM: "xterm" } });
    const { output, status } = JSON.parse(r.stdout);
    assert.equal(status, 0, output);
    const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    assert.match(plain, /\rcell 3\/5  0\.0 s  await display\(tensor\(\[0\]\), \{ displayId: "p" \}\);/);
    assert.match(plain, /\rcell 3\/5  ok  +[\d.]+ s  await display/);
  });
});
