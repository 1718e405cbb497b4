// Progress of long work in the notebook, through Jupyter's own client (progress_client.py):
// fit's one display updated in place by its id, verbose 0 and 2, a loss plot instead of
// the line, evaluate past a second, the Stop button during a fit, and synchronous code's
// output arriving while that code runs.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";

type Out = [string, any, number];

describe("progress in the notebook, through Jupyter's client", function () {
  this.timeout(400_000);
  let tmp = "";
  let obs: any = {};
  const reply = (k: string) => obs[k][0];
  const outs = (k: string) => obs[k][1] as Out[];
  const of = (k: string, ...types: string[]) => outs(k).filter(([t]) => types.includes(t));
  const displayId = (c: any) => c.transient?.display_id as string | undefined;

  before(function () {
    const probe = spawnSync(PY, ["-c", "import jupyter_client"], { encoding: "utf8" });
    if (probe.status !== 0) {
      console.log("    (skipped: Debian's jupyter-client is not installed; npm test installs it as root)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-progress-"));
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(inst.status, 0, inst.stderr);
    const env = { ...process.env, GRADLAB_VERBOSE: undefined, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime") };
    const r = spawnSync(PY, [path.join(ROOT, "test", "kernel", "progress_client.py")], { encoding: "utf8", env, timeout: 380_000 });
    assert.equal(r.status, 0, `progress_client.py failed:\n${r.stderr}`);
    obs = JSON.parse(r.stdout);
    assert.equal(obs.failure, undefined, `progress_client.py stopped: ${obs.failure}\n${r.stderr.slice(-2000)}`);
  });

  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("shows fit's progress as one display updated in place, ending with one line per epoch", () => {
    assert.equal(reply("fit3").status, "ok");
    const shown = of("fit3", "display_data");
    assert.equal(shown.length, 1, `one display, not ${shown.length}`);
    const id = displayId(shown[0][1]);
    assert.match(id ?? "", /^gradlab-progress-/);
    const updates = of("fit3", "update_display_data");
    assert.ok(updates.length >= 3, `at least one update per epoch; got ${updates.length}`);
    assert.ok(updates.every(([, c]) => displayId(c) === id), "every update goes to the same display id");
    assert.equal(of("fit3", "stream").length, 0, "no printed flood");
    const final: string = updates.at(-1)![1].data["text/plain"];
    const lines = final.split("\n");
    assert.equal(lines.length, 3, final);
    lines.forEach((line, i) => {
      assert.match(line, new RegExp(`^epoch ${i + 1}/3  █+ 94/94  [\\d.]+ s  \\d+ (ms|µs)/step  loss \\d\\.\\d{4}  accuracy 0\\.\\d{4}  valLoss \\d\\.\\d{4}  valAccuracy 0\\.\\d{4}$`), line);
    });
    // The running numbers are the epoch's: the last epoch's loss is below the first's.
    const loss = (l: string) => Number(/ loss (\S+)/.exec(l)![1]);
    assert.ok(loss(lines[2]) < loss(lines[0]), final);
    // Updates in between show the batch count and an ETA.
    const mid = updates.map(([, c]) => c.data["text/plain"] as string).find((t) => / ETA /.test(t));
    if (mid) assert.match(mid.split("\n").at(-1)!, /^epoch \d\/3  [█▌░]+ +\d+\/94  [\d.]+ s  ETA [\d.]+ s  loss /);
  });

  it("sends nothing with verbose 0, and one printed line per epoch with verbose 2", () => {
    assert.equal(reply("verbose0").status, "ok");
    assert.deepEqual(of("verbose0", "display_data", "update_display_data", "stream"), []);
    assert.equal(of("verbose2", "display_data", "update_display_data").length, 0);
    const printed = of("verbose2", "stream").map(([, c]) => c.text).join("");
    const lines = printed.trimEnd().split("\n");
    assert.equal(lines.length, 3, printed);
    lines.forEach((l, i) => assert.match(l, new RegExp(`^epoch ${i + 1}/3  32/32  [\\d.]+ s  \\d+ (ms|µs)/step  loss \\d\\.\\d{4}  accuracy`), l));
  });

  it("stays out of the way of a live loss plot", () => {
    const ids = of("lossplot", "display_data").map(([, c]) => displayId(c));
    assert.equal(ids.length, 1);
    assert.match(ids[0]!, /^gradlab-lossplot-/);
    assert.ok(of("lossplot", "update_display_data").every(([, c]) => /^gradlab-lossplot-/.test(displayId(c)!)));
  });

  it("shows evaluate's progress past a second, while it runs, and nothing for quick work", () => {
    assert.equal(reply("evaluate_slow").status, "ok");
    const shown = of("evaluate_slow", "display_data").filter(([, c]) => /^gradlab-progress-/.test(displayId(c) ?? ""));
    assert.equal(shown.length, 1);
    const [, first, at] = shown[0];
    assert.match(first.data["text/plain"], /^evaluate  [█▌░]+ +\d\/6 /);
    const idle = obs.evaluate_slow[2];
    // Six batches of 0.4 s: the display appears after a second, well before the cell ends.
    assert.ok(at < idle - 0.5, `display arrived at ${at.toFixed(2)} s, the cell ended at ${idle.toFixed(2)} s`);
    const final = of("evaluate_slow", "update_display_data").at(-1)![1].data["text/plain"];
    assert.match(final, /^evaluate  █+ 6\/6  [\d.]+ s  \d+ ms\/step  loss \d\.\d{4}  accuracy 0\.\d{4}$/);
    assert.deepEqual(of("evaluate_fast", "display_data", "update_display_data", "stream"), []);
  });

  it("delivers what synchronous code prints while it still runs", () => {
    const streams = of("sync_print", "stream");
    const first = streams.find(([, c]) => c.text.includes("first"))!;
    const second = streams.find(([, c]) => c.text.includes("second"))!;
    assert.ok(second[2] - first[2] > 1.0, `'first' at ${first[2].toFixed(2)} s, 'second' at ${second[2].toFixed(2)} s`);
  });

  it("gathers a flood of printed lines into few messages, all of them in order, around a display", () => {
    assert.equal(reply("flood").status, "ok");
    const out = outs("flood");
    const mid = out.findIndex(([t]) => t === "display_data");
    const text = (part: Out[]) => part.filter(([t]) => t === "stream").map(([, c]) => c.text).join("");
    const lines = (t: string) => t.trimEnd().split("\n");
    const before = lines(text(out.slice(0, mid))), after = lines(text(out.slice(mid + 1)));
    assert.deepEqual(before, Array.from({ length: 10000 }, (_, i) => `line ${i}`));
    assert.deepEqual(after, Array.from({ length: 10000 }, (_, i) => `line ${i + 10000}`));
    const messages = out.filter(([t]) => t === "stream").length;
    assert.ok(messages < 500, `${messages} stream messages for 20,000 lines`);
    assert.equal(reply("after_flood").status, "ok");
  });

  it("ends a fit at the Stop button with its line saying so, the kernel and history intact", () => {
    assert.equal(reply("interrupted").status, "ok");
    const res = of("interrupted", "execute_result")[0][1].data["text/plain"];
    assert.match(res, /^'\d+ requested'$/);
    const final: string = of("interrupted", "update_display_data").at(-1)![1].data["text/plain"];
    assert.match(final.split("\n").at(-1)!, /\(training stopped by request at epoch \d+, batch \d+\)$/);
  });

  it("refuses a verbose it does not know, in the user's terms", () => {
    assert.equal(reply("bad_verbose").status, "error");
    assert.match(reply("bad_verbose").evalue, /fit: verbose must be 0 \(silent\), 1 .* or 2 .*; got 3/);
  });
});
