// The kernel as a REPL, through Jupyter's own client (repl_client.py): what ran before an
// error stays, values show richly, history survives restarts, is_complete judges code
// that can never run, clearOutput works, an interrupt stops a loop after an await.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { OUTPUT_BYTE_BUDGET } from "../../core/rich";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";
const TENSOR = "application/vnd.gradlab.tensor+json";

describe("the kernel as a REPL, through Jupyter's client", function () {
  this.timeout(300_000);
  let tmp = "";
  let obs: any = {};
  const reply = (k: string) => obs[k][0];
  const outputs = (k: string) => obs[k][1] as [string, any][];
  const result = (k: string) => outputs(k).find(([t]) => t === "execute_result")?.[1];
  const text = (k: string) => result(k)?.data["text/plain"];

  before(function () {
    const probe = spawnSync(PY, ["-c", "import jupyter_client"], { encoding: "utf8" });
    if (probe.status !== 0) {
      console.log("    (skipped: Debian's jupyter-client is not installed; npm test installs it as root)");
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-repl-"));
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(inst.status, 0, inst.stderr);
    const env = { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime") };
    const r = spawnSync(PY, [path.join(ROOT, "test", "kernel", "repl_client.py")], { encoding: "utf8", env, timeout: 280_000 });
    assert.equal(r.status, 0, `repl_client.py failed:\n${r.stderr}`);
    obs = JSON.parse(r.stdout);
    assert.equal(obs.failure, undefined, `repl_client.py stopped: ${obs.failure}\n${r.stderr.slice(-2000)}`);
  });

  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("keeps the declarations that ran before an error, with their values and types", () => {
    assert.equal(reply("throws").status, "error");
    assert.equal(text("kept_values"), "'1,2,3 30 1 2 untouched'");
    // `model` was a string before; the cell redeclared it as a number before it threw.
    assert.equal(reply("kept_type").status, "error");
    assert.match(reply("kept_type").evalue, /TS2322: Type 'number' is not assignable to type 'string'/);
  });

  it("leaves undeclared what never ran, and a later cell may still redeclare a const", () => {
    assert.match(reply("never_ran").evalue, /TS2304: Cannot find name 'neverRan'/);
    assert.equal(text("redeclare"), "'again'");
  });

  it("shows a tensor as text plus gradlab's tensor type, within the byte budget", () => {
    const small = result("tensor_small")!;
    assert.equal(small.data["text/plain"], "tensor([[1., 2.],\n        [3., 4.]])");
    assert.deepEqual(small.data[TENSOR].values, [1, 2, 3, 4]);
    assert.equal(small.data[TENSOR].sampled, false);
    const big = result("tensor_big")!;
    const payload = big.data[TENSOR];
    assert.deepEqual(payload.shape, [1000, 1000]);
    assert.equal(payload.sampled, true, "a large tensor carries a labelled sample");
    assert.equal(payload.stats.count, 1_000_000, "statistics are over every value");
    const bytes = JSON.stringify(big.data).length;
    assert.ok(bytes <= OUTPUT_BYTE_BUDGET + 1024, `the 1000x1000 tensor's output is ${bytes} bytes`);
    assert.match(big.data["text/plain"], /^tensor\(\[\[/);
  });

  it("shows a module with its summary table and a History with its curves", () => {
    const m = result("module")!.data;
    assert.match(m["text/plain"], /^Sequential\(/);
    assert.match(m["text/html"], /<table>.*Linear.*Total params: 67/s);
    const h = result("history")!.data;
    assert.match(h["text/plain"], /epoch\s+loss/);
    const curves = h["application/vnd.gradlab.lossplot+json"];
    assert.deepEqual(curves.series.find((s: any) => s.name === "loss").steps, [1, 2, 3]);
    assert.match(h["image/svg+xml"], /^<svg/);
  });

  it("lets a cell declare a name the preload imported, for the cells after it too", () => {
    assert.equal(reply("shadow_preloaded").status, "ok");
    assert.equal(text("shadow_preloaded"), "8");
  });

  it("says invalid for code no added line can fix, incomplete with an indent for open code", () => {
    const st = obs.is_complete;
    assert.deepEqual(st.complete.map((r: any) => r.status), ["complete", "complete", "complete"]);
    assert.deepEqual(st.incomplete.map((r: any) => r.status), ["incomplete", "incomplete", "incomplete", "incomplete", "incomplete"]);
    assert.equal(st.incomplete[0].indent, "  ");
    assert.deepEqual(st.invalid.map((r: any) => r.status), ["invalid", "invalid", "invalid", "invalid", "invalid"]);
  });

  it("sends clear_output, at once or waiting for the next output", () => {
    const seq = outputs("clear").map(([t, c]) => (t === "stream" ? c.text.trim() : `${t}${c.wait ? " wait" : ""}`));
    assert.deepEqual(seq, ["first", "clear_output", "second", "clear_output wait", "third"]);
  });

  it("interrupts a loop that runs after an await, in the cell or in a function it awaits, and keeps the state", () => {
    for (const k of ["after_await_loop", "nested_async_loop"]) {
      assert.equal(reply(k).ename, "KeyboardInterrupt", JSON.stringify(reply(k)));
    }
    assert.match(reply("after_await_loop").traceback.join("\n"), /line 3: while \(true\) \{\}/);
    assert.equal(text("after_interrupts"), "'8 30 again'");
  });

  it("folds gradlab's own frames into one line naming the function the cell called", () => {
    const tb: string[] = reply("traceback").traceback;
    assert.match(tb[0], /^ShapeError: matmul: cannot multiply \[2,3\] by \[4,5\]/);
    assert.ok(tb.includes("    in gradlab: Tensor.matmul"), tb.join("\n"));
    assert.ok(tb.some((l) => /line 3: const c2 = a2\.matmul\(b2\);/.test(l)), tb.join("\n"));
    assert.ok(!tb.some((l) => /dist\/core|node:internal/.test(l)), tb.join("\n"));
  });

  it("offers what users call on viz., not its plumbing", () => {
    const m: string[] = obs.complete_viz.matches;
    for (const want of ["tensor", "weights", "lossPlot", "heatmap", "activations"]) assert.ok(m.includes(want), m.join(" "));
    for (const internal of ["crc32", "encodePNG", "setDisplayTransport", "DISPLAY", "MIME", "gridGeometry"]) assert.ok(!m.includes(internal), internal);
  });

  it("answers history tail, range and search, numbered by session, across a restart", () => {
    const before: [number, number, string][] = obs.tail_before.history;
    assert.equal(before.length, 3);
    const session = before[0][0];
    assert.ok(before.every(([s]) => s === session));
    const after: [number, number, string][] = obs.tail_after.history;
    assert.deepEqual(after.slice(-2), [[session + 1, 1, "const afterRestart = 1;"], [session + 1, 2, "afterRestart + 1"]]);
    assert.equal(after[0][0], session, "the tail reaches back into the session before the restart");
    assert.deepEqual(obs.tail_output.history, [[session + 1, 2, ["afterRestart + 1", "2"]]]);
    assert.deepEqual(obs.range_previous.history.map((e: any) => e[1]), [1, 2]);
    assert.equal(obs.range_previous.history[0][2], "let model = 'old model';\nconst other = 'untouched';");
    assert.deepEqual(obs.range_current.history.map((e: any) => e[2]), ["const afterRestart = 1;", "afterRestart + 1"]);
    const found: string[] = obs.search.history.map((e: any) => e[2]);
    assert.ok(found.length >= 3 && found.every((c) => c.includes("model")), found.join("\n---\n"));
    assert.equal(new Set(found).size, found.length, "unique");
  });
});
