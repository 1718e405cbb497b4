// The installed gradlab kernel, driven by Jupyter's own client (jupyter_client, nbclient
// through nbconvert) exactly as JupyterLab or a grader would drive it.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";
const SAMPLE = path.join(ROOT, "test", "kernel", "fixtures", "sample.ipynb");

function hasJupyter(): string | null {
  const r = spawnSync(PY, ["-c", "import jupyter_client, nbclient, nbconvert"], { encoding: "utf8" });
  return r.status === 0 ? null : "Debian's jupyter-client, python3-nbclient and jupyter-nbconvert are not installed (npm test installs them as root)";
}

const join = (v: unknown) => (Array.isArray(v) ? v.join("") : v);
/** Outputs with multi-line strings joined and keys sorted: how two writers of the same notebook compare. */
function normalise(nb: any): unknown[] {
  return nb.cells.filter((c: any) => c.cell_type === "code").map((c: any) => ({
    count: c.execution_count,
    outputs: c.outputs.map((o: any) => {
      const { output_type, name, text, data, ename, evalue, execution_count } = o;
      return JSON.parse(JSON.stringify({
        output_type, name, text: join(text), ename, evalue, execution_count,
        data: data && Object.fromEntries(Object.entries(data).sort().map(([k, v]) => [k, join(v)])),
      }));
    }),
  }));
}

describe("the gradlab kernel through Jupyter's client", function () {
  this.timeout(300_000);
  let tmp = "";
  let env: NodeJS.ProcessEnv = {};
  let obs: any = {};
  const reply = (k: string) => obs[k][0];
  const outputs = (k: string) => obs[k][1] as [string, any][];

  before(function () {
    const why = hasJupyter();
    if (why) {
      console.log(`    (skipped: ${why})`);
      this.skip();
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-kernel-"));
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(inst.status, 0, inst.stderr);
    // fit's progress display is tested in progress.test.ts; here the outputs are the cells' own.
    env = { ...process.env, GRADLAB_VERBOSE: "0", JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime") };
    const r = spawnSync(PY, [path.join(ROOT, "test", "kernel", "client.py")], { encoding: "utf8", env, timeout: 280_000 });
    assert.equal(r.status, 0, `client.py failed:\n${r.stderr}`);
    obs = JSON.parse(r.stdout);
    assert.equal(obs.failure, undefined, `client.py stopped: ${obs.failure}\n${r.stderr.slice(-2000)}`);
  });

  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("installs a kernelspec Jupyter finds, idempotently, with the logo and interrupt mode", () => {
    const again = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(again.status, 0);
    const spec = JSON.parse(fs.readFileSync(path.join(tmp, "share", "jupyter", "kernels", "gradlab", "kernel.json"), "utf8"));
    assert.equal(spec.display_name, "TypeScript (gradlab)");
    assert.equal(spec.interrupt_mode, "signal");
    const png = fs.readFileSync(path.join(tmp, "share", "jupyter", "kernels", "gradlab", "logo-64x64.png"));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const listed = spawnSync(PY, ["-m", "jupyter_client.kernelspecapp", "list", "--json"], { encoding: "utf8", env });
    assert.ok(JSON.parse(listed.stdout).kernelspecs.gradlab, listed.stdout + listed.stderr);
  });

  it("kernel_info tells the true versions", () => {
    const info = obs.kernel_info;
    assert.equal(info.protocol_version, "5.3");
    assert.equal(info.implementation, "gradlab");
    assert.equal(info.implementation_version, require(path.join(ROOT, "package.json")).version);
    assert.match(info.language_info.version, /^5\.\d+\.\d+$/);
    assert.match(info.banner, new RegExp(process.versions.node.replace(/\./g, "\\.")));
  });

  it("a cell's last expression is its execute_result; gradlab is preloaded", () => {
    assert.equal(reply("value").status, "ok");
    const [type, content] = outputs("value")[0];
    assert.equal(type, "execute_result");
    assert.equal(content.data["text/plain"], "tensor([[ 7., 10.],\n        [15., 22.]])");
  });

  it("objects with Symbol.for('Jupyter.display') show their whole bundle and metadata", () => {
    const [, content] = outputs("rich")[0];
    assert.equal(content.data["text/html"], "<b>bold</b>");
    assert.deepEqual(content.data["application/vnd.gradlab.chart+json"], { version: 1 });
    assert.ok(content.data["text/plain"], "a text/plain fallback is added");
    assert.deepEqual(content.metadata, { isolated: true });
  });

  it("type errors give the TypeScript diagnostic at the cell's line", () => {
    const r = reply("type_error");
    assert.equal(r.status, "error");
    assert.match(r.evalue, /TS2322: Type 'string' is not assignable to type 'number'/);
    assert.match(r.traceback[0], /cell\[\d+\] line 1, column 7/);
    assert.equal(outputs("type_error")[0][0], "error");
  });

  it("runtime errors carry ename, evalue and a traceback at the cell's own lines", () => {
    const r = reply("runtime_error");
    assert.equal(r.ename, "RangeError");
    assert.equal(r.evalue, "too far");
    assert.ok(r.traceback.some((l: string) => /line 3: throw new RangeError\('too far'\)/.test(l)), r.traceback.join("\n"));
    assert.ok(r.traceback.some((l: string) => /line 5: boom\(\)/.test(l)), r.traceback.join("\n"));
  });

  it("a failing cell aborts the cells queued behind it (stop_on_error), and the next cell runs", () => {
    assert.deepEqual(obs.stop_on_error, ["error", "aborted", "aborted"]);
    assert.equal(outputs("after_abort")[0][1].data["text/plain"], "'undefined 6'");
  });

  it("an interrupted infinite loop stops, and the next cell still sees the old variables", () => {
    assert.equal(reply("loop_interrupted").ename, "KeyboardInterrupt");
    assert.equal(outputs("after_loop")[0][1].data["text/plain"], "10");
  });

  it("an interrupt during await fit() ends training after the batch, with the model and history intact", () => {
    assert.equal(reply("fit_interrupted").status, "ok");
    assert.equal(outputs("after_fit")[0][1].data["text/plain"], "'requested true 512x3'");
  });

  it("display handles: one display_data, then update_display_data for the same id", () => {
    const msgs = outputs("live");
    assert.deepEqual(msgs.map(([t]) => t), ["display_data", "update_display_data", "update_display_data", "update_display_data"]);
    assert.ok(msgs.every(([, c]) => c.transient.display_id === "live"));
    assert.equal(msgs[3][1].data["text/plain"], "tensor([3.])");
  });

  it("answers completion, inspection and is_complete", () => {
    assert.ok(obs.complete.matches.includes("abcdefg"));
    assert.equal(obs.complete.cursor_end, 4);
    assert.equal(obs.inspect.found, true);
    assert.match(obs.inspect.data["text/plain"], /function tensor/);
    assert.deepEqual(obs.is_complete, ["incomplete", "complete"]);
  });

  it("input() asks over stdin", () => {
    assert.equal(obs.input_request.prompt, "name? ");
    assert.equal(outputs("stdin")[0][1].data["text/plain"], "'ADA'");
  });

  it("the gradlab.control comm stops a running fit (the notebook's stop button)", () => {
    assert.equal(outputs("comm_stop")[0][1].data["text/plain"], "'requested'");
  });

  it("an error no one awaited is shown in the cell that started the work, and the kernel keeps its state", () => {
    // Forgetting `await` on a fit that fails at its first batch killed the kernel (SIGABRT).
    assert.equal(reply("unawaited_fit").status, "error");
    assert.equal(reply("unawaited_fit").ename, "ShapeError");
    assert.equal(reply("async_iife").evalue, "async boom");
    assert.equal(reply("display_throws").evalue, "display boom");
    assert.deepEqual([reply("rejection_left").status, reply("rejection_left").ename, reply("rejection_left").evalue], ["error", "RangeError", "left behind"]);
    // A timer that throws after its cell finished: an error output with that cell as parent.
    const [result, late] = obs.timer_throws;
    assert.deepEqual([result[0], late[0], late[1].evalue], ["execute_result", "error", "timer boom"]);
    assert.ok(late[1].traceback.some((l: string) => /after cell\[\d+\] had finished/.test(l)), late[1].traceback.join("\n"));
    assert.equal(outputs("state_kept")[0][1].data["text/plain"], "42");
  });

  it("a cell whose value is a running Promise says to await it", () => {
    const shown = outputs("pending_promise");
    assert.equal(shown[0][1].data["text/plain"], "Promise { <pending> }");
    assert.equal(shown[1][0], "stream");
    assert.match(shown[1][1].text, /fit\(\) returns a Promise; without `await`.*Write `await fit\(…\)`/s);
  });

  it("output of a timer lands in the cell that set it, even while another cell runs", () => {
    const a = obs.attribution.filter(([, who]: string[]) => who === "A").map(([t]: string[]) => t);
    const b = obs.attribution.filter(([, who]: string[]) => who === "B").map(([t]: string[]) => t);
    assert.ok(a.includes("display_data") && a.includes("stream"), JSON.stringify(obs.attribution));
    assert.deepEqual(b, ["idle"], JSON.stringify(obs.attribution));
  });

  it("Run All stops after a cell that fails late and after an interrupted fit; what runs next runs", () => {
    assert.deepEqual(obs.late_failure, ["error", "aborted", "aborted"]);
    assert.deepEqual(obs.fit_interrupt_queue, ["ok", "aborted", "aborted"]);
    assert.equal(outputs("after_queues")[0][1].data["text/plain"], "'undefined undefined requested'");
  });

  it("an interrupt stops a long native product between blocks, and the state is kept", () => {
    assert.equal(reply("matmul_interrupted").ename, "KeyboardInterrupt", JSON.stringify(reply("matmul_interrupted")));
    assert.equal(outputs("after_matmul")[0][1].data["text/plain"], "8233");
    console.log(`      (an 8192 x 8192 matmul replied ${obs.matmul_interrupt_seconds.toFixed(2)} s after the interrupt)`);
  });

  it("a restart gives a fresh kernel with gradlab loaded again", () => {
    assert.equal(outputs("after_restart")[0][1].data["text/plain"], "'undefined 5'");
    assert.equal(reply("after_restart").execution_count, 1);
  });

  it("gradlab run writes the same outputs as nbclient (jupyter nbconvert --execute) for the same notebook", () => {
    const a = path.join(tmp, "run.ipynb"), b = path.join(tmp, "nbclient.ipynb");
    const r1 = spawnSync(process.execPath, [CLI, "run", SAMPLE, "--out", a], { encoding: "utf8" });
    assert.equal(r1.status, 0, r1.stderr);
    const r2 = spawnSync(PY, ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=gradlab", SAMPLE, "--output", b],
      { encoding: "utf8", env });
    assert.equal(r2.status, 0, r2.stderr);
    const runNb = JSON.parse(fs.readFileSync(a, "utf8")), clientNb = JSON.parse(fs.readFileSync(b, "utf8"));
    assert.deepEqual(normalise(runNb), normalise(clientNb));
    assert.equal(normalise(runNb).length, 5);
  });

  it("nbconvert's HTML of an executed notebook shows the static fallbacks, and so does gradlab run --html", () => {
    const out = path.join(tmp, "sample.html");
    const r = spawnSync(PY, ["-m", "nbconvert", "--to", "html", "--execute", "--ExecutePreprocessor.kernel_name=gradlab", SAMPLE, "--output", out],
      { encoding: "utf8", env });
    assert.equal(r.status, 0, r.stderr);
    const html = fs.readFileSync(out, "utf8");
    // The SVG comes as an <img> data URI (inline SVG would lose its drawing to nbconvert 6's clean_html).
    const svgs = [...html.matchAll(/<img[^>]*src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], "base64").toString());
    assert.ok(svgs.some((s) => /^<svg[^>]*>(?=.*<path d="M[\d. L]+"[^>]*stroke="#1f77b4")(?=.*a figure).*<\/svg>$/s.test(s)), "the figure's SVG, whole, as an <img> data URI");
    assert.match(html, /tensor\(\[3\.\]\)/);
    const own = path.join(tmp, "own.html");
    const r2 = spawnSync(process.execPath, [CLI, "run", SAMPLE, "--html", own], { encoding: "utf8" });
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(fs.readFileSync(own, "utf8"), /data:image\/svg\+xml;base64,/);
  });

  it("imports ESM-only npm packages and local .ts modules, from the notebook's directory", () => {
    // A project folder as a student would have it: an ESM-only package (tslab issue 72)
    // in node_modules and a helper module written in TypeScript beside the notebook.
    const dir = path.join(tmp, "project");
    const pkg = path.join(dir, "node_modules", "esm-only");
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "esm-only", version: "1.0.0", type: "module", exports: "./index.js" }));
    fs.writeFileSync(path.join(pkg, "index.js"), "export const hello = (n) => `hi ${n}`;\nexport default 42;\n");
    fs.writeFileSync(path.join(dir, "helper.ts"), "export const twice = (x: number): number => 2 * x;\n");
    const cells = ['import { hello } from "esm-only";\nhello("esm")', 'import answer from "esm-only";\nanswer',
      'import { twice } from "./helper";\ntwice(21)', "process.cwd()"];
    const nb = { cells: cells.map((source) => ({ cell_type: "code", metadata: {}, source, outputs: [], execution_count: null })),
      metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" } }, nbformat: 4, nbformat_minor: 5 };
    const file = path.join(dir, "imports.ipynb");
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = spawnSync(PY, ["-m", "nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=gradlab", file, "--output", "done.ipynb"],
      { encoding: "utf8", env, cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const done = JSON.parse(fs.readFileSync(path.join(dir, "done.ipynb"), "utf8"));
    const shown = done.cells.map((c: any) => c.outputs.map((o: any) => join(o.data?.["text/plain"]) ?? `${o.ename}: ${o.evalue}`).join(""));
    assert.deepEqual(shown, ["'hi esm'", "42", "42", `'${fs.realpathSync(dir)}'`]);
  });

  it("gradlab run stops at a failing cell with exit 1, and a time limit interrupts a runaway cell", () => {
    const nb = JSON.parse(fs.readFileSync(SAMPLE, "utf8"));
    nb.cells.splice(2, 0, { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "while (true) {}" });
    const file = path.join(tmp, "runaway.ipynb");
    fs.writeFileSync(file, JSON.stringify(nb));
    const r = spawnSync(process.execPath, [CLI, "run", file, "--timeout", "2", "--out", file + ".out"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    const done = JSON.parse(fs.readFileSync(file + ".out", "utf8"));
    const errors = done.cells.flatMap((c: any) => c.outputs ?? []).filter((o: any) => o.output_type === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].ename, "KeyboardInterrupt");
    const bad = spawnSync(process.execPath, [CLI, "run", path.join(tmp, "missing.ipynb")], { encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /gradlab run: cannot read .*missing\.ipynb: no such file/);
  });
});
