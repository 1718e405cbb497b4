// Progress on a terminal and in a log: a small fit (and a slow evaluate) run as a user's
// script, on a pseudo-terminal (pty_run.py) and on a pipe. On a terminal the line is
// redrawn in place after a carriage return, in colour unless NO_COLOR; in a log (a pipe,
// TERM=dumb, verbose 2) it is one plain line per epoch; verbose 0 prints nothing; a
// failure leaves the terminal on a fresh line. Output goes to stderr, as tqdm's does.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fmtSeconds, fmtValue } from "../../core/train/progress";

const SCRIPT = path.join(__dirname, "progress", "fit_script.js");
const PTY = path.join(__dirname, "..", "..", "..", "test", "core", "progress", "pty_run.py");
const PY = "/usr/bin/python3";
const ESC = "\x1b";

function onTerminal(args: string[], env: Record<string, string | undefined> = {}): { output: string; status: number } {
  const r = spawnSync(PY, [PTY, process.execPath, SCRIPT, ...args], {
    encoding: "utf8", timeout: 120_000, env: { ...process.env, GRADLAB_VERBOSE: undefined, NO_COLOR: undefined, TERM: "xterm-256color", ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function onPipe(args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", timeout: 120_000, env: { ...process.env, GRADLAB_VERBOSE: undefined, NO_COLOR: undefined, ...env } });
}

const EPOCH_LINE = (e: number) => new RegExp(`^epoch ${e}/2  40/40  [\\d.]+ s  \\d+ ms/step  loss \\d\\.\\d{4}  accuracy 0\\.\\d{4}$`);

describe("progress on a terminal and in a log", function () {
  this.timeout(150_000);

  it("redraws one line in place on a terminal, in colour, and keeps a finished line per epoch", () => {
    const { output } = onTerminal(["fit"]);
    const redraws = output.split("\r").filter((s) => s.startsWith("epoch 1/2"));
    assert.ok(redraws.length >= 3, `the first epoch's line is drawn several times:\n${JSON.stringify(output)}`);
    assert.ok(output.includes(`${ESC}[32m█`), "the bar is green");
    assert.ok(output.includes(`${ESC}[K`), "each redraw clears the rest of the line");
    assert.match(output, /ETA [\d.]+ s/);
    // What stays on screen: each epoch's last draw, ended by a newline.
    const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    const kept = plain.split(/\r?\n/).map((l) => l.split("\r").filter(Boolean).at(-1) ?? "").filter((l) => l.startsWith("epoch"));
    assert.equal(kept.length, 2, plain);
    kept.forEach((l, i) => assert.match(l.replace(/[█▌░]+ /, ""), EPOCH_LINE(i + 1)));
    assert.match(plain, /result: 2 epochs/);
  });

  it("draws without colour when NO_COLOR is set, and plain lines on a dumb terminal", () => {
    const { output } = onTerminal(["fit"], { NO_COLOR: "1" });
    assert.ok(output.includes("\r") && output.includes(`${ESC}[K`), "still redrawn in place");
    assert.ok(!/\x1b\[[0-9;]*m/.test(output), `no colour codes: ${JSON.stringify(output.slice(0, 300))}`);
    const dumb = onTerminal(["fit"], { TERM: "dumb" }).output;
    assert.ok(!dumb.includes(ESC), "no escape codes at all on a dumb terminal");
    const lines = dumb.split("\r\n").filter((l) => l.startsWith("epoch"));
    assert.equal(lines.length, 2, dumb);
    lines.forEach((l, i) => assert.match(l, EPOCH_LINE(i + 1)));
  });

  it("writes one plain line per epoch to stderr in a log, and keeps stdout the script's own", () => {
    const r = onPipe(["fit"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "result: 2 epochs\n");
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    lines.forEach((l, i) => assert.match(l, EPOCH_LINE(i + 1)));
    assert.ok(!r.stderr.includes("\r") && !r.stderr.includes(ESC));
  });

  it("prints one line per epoch with verbose 2 even on a terminal, and nothing with verbose 0", () => {
    const { output } = onTerminal(["fit", "2"]);
    assert.ok(!output.includes(ESC), "no redraws, no colour");
    assert.equal(output.split("\r\n").filter((l) => EPOCH_LINE(1).test(l) || EPOCH_LINE(2).test(l)).length, 2, output);
    const silent = onTerminal(["fit", "0"]).output;
    assert.equal(silent.trim(), "result: 2 epochs");
    assert.equal(onPipe(["fit"], { GRADLAB_VERBOSE: "0" }).stderr, "", "GRADLAB_VERBOSE=0 silences the default");
  });

  it("leaves the terminal on a fresh line when the work fails midway", () => {
    const r = spawnSync(PY, [PTY, process.execPath, SCRIPT, "throws"], { encoding: "utf8", env: { ...process.env, GRADLAB_VERBOSE: undefined, TERM: "xterm" } });
    const { output } = JSON.parse(r.stdout);
    // The error starts a line of its own, after the half-drawn bar of epoch 2.
    assert.match(output, /epoch 2\/2[^\n]*\x1b\[K\r?\n(\x1b\[[0-9;]*m)*error: the loss broke at batch 60/);
  });

  it("shows evaluate's progress on a terminal once it has run for a second", () => {
    const { output } = onTerminal(["evaluate"]);
    const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    // Five batches of 0.3 s (640 samples, 128 a batch): nothing before a second, then the line, ending 5/5.
    const draws = plain.split("\r").filter((s) => s.startsWith("evaluate"));
    assert.ok(draws.length >= 2, plain);
    assert.match(draws[0], /^evaluate  [█▌░]+ [0-9]+\/5  1\.\d s/);
    assert.match(draws.at(-1)!, /^evaluate  █+ 5\/5  [\d.]+ s  \d+ ms\/step  loss \d\.\d{4}$/);
  });

  it("shows loading Fashion-MNIST once it has taken a second, and nothing when it is quick", function () {
    const real = "/usr/share/datasets/fashion-mnist";
    if (!fs.existsSync(path.join(real, "t10k-images-idx3-ubyte.gz"))) this.skip(); // npm test installs dataset-fashion-mnist
    // A slow disk: the images arrive through a FIFO after 1.5 s.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-slow-data-"));
    try {
      for (const f of ["t10k-labels-idx1-ubyte.gz"]) fs.symlinkSync(path.join(real, f), path.join(dir, f));
      const fifo = path.join(dir, "t10k-images-idx3-ubyte.gz");
      assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
      const writer = `import shutil, time\ntime.sleep(1.5)\nshutil.copyfileobj(open(${JSON.stringify(path.join(real, "t10k-images-idx3-ubyte.gz"))}, "rb"), open(${JSON.stringify(fifo)}, "wb"))`;
      const r = spawnSync("sh", ["-c", `${PY} -c '${writer}' & exec "$0" "$@"`, process.execPath, SCRIPT, "load", dir],
        { encoding: "utf8", timeout: 60_000, env: { ...process.env, GRADLAB_VERBOSE: undefined } });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "result: 10000x1x28x28\n");
      assert.match(r.stderr, /^fashionMnist test  3\/3  [12]\.\d s\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const quick = onPipe(["load", real]);
    assert.equal(quick.status, 0, quick.stderr);
    assert.equal(quick.stderr, "", "loading from a normal disk takes under a second and shows nothing");
  });

  it("formats durations and values as a person reads them", () => {
    assert.deepEqual([0.04, 9.96, 42, 61, 3599, 3600 * 2 + 61].map(fmtSeconds), ["0.0 s", "10.0 s", "42 s", "1 min 01 s", "59 min 59 s", "2 h 01 min"]);
    assert.deepEqual([0.12345, 12345, 0.00001, 0, NaN].map(fmtValue), ["0.1235", "1.23e+4", "1.00e-5", "0.0000", "NaN"]);
  });
});
