// Authoring: the release a student gets, the key, and what grading restores and detects.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { release, validateSource, sourceDigest } from "../../kernel/assign/author";
import { prepare } from "../../kernel/assign/restore";
import { stripSolution, stripHidden } from "../../kernel/assign/markers";
import { readNotebook, sourceOf, meta, clone, toLines, type Notebook } from "../../kernel/assign/notebook";
import { sourcePath } from "../helpers";

const SOURCE = sourcePath("test", "assign", "fixtures", "softmax", "source.ipynb");
const RELEASED = sourcePath("test", "assign", "fixtures", "softmax", "release", "softmax.ipynb");
const CLI = sourcePath("dist", "kernel", "cli.js");
const byId = (nb: Notebook, id: string) => nb.cells.find((c) => meta(c)?.grade_id === id)!;

describe("assign: authoring", () => {
  const source = readNotebook(SOURCE);
  const { notebook, key } = release(source, "softmax");

  it("replaces solutions by a stub that throws, at their indentation, and drops hidden tests", () => {
    const sol = sourceOf(byId(notebook, "softmax_loss"));
    assert.match(sol, /^function softmaxLoss\(W: Tensor, X: Tensor, y: Tensor\): \{ loss: number; dW: Tensor \} \{\n  throw new Error\("not implemented"\);\n\}$/m);
    assert.doesNotMatch(sol, /matmul|BEGIN|END/);
    const t = sourceOf(byId(notebook, "test_loss_value"));
    assert.match(t, /F\.crossEntropy\(X\.matmul\(W1\), y\)/);
    assert.doesNotMatch(t, /Wbig|HIDDEN/);
    assert.equal(sourceOf(byId(notebook, "test_generalises")).trim(), "");
    for (const c of notebook.cells) assert.deepEqual(c.outputs ?? [], []);
    assert.deepEqual(notebook.metadata.kernelspec, { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" });
  });

  it("keys every locked, test and solution cell with points and a checksum", () => {
    assert.equal(key.total_points, 10);
    assert.deepEqual(key.cells.map((c) => [c.grade_id, c.kind, c.points]), [
      ["setup", "locked", 0], ["softmax_loss", "solution", 0], ["test_initial_loss", "test", 1], ["test_loss_value", "test", 2],
      ["test_gradient", "test", 3], ["net_data", "locked", 0], ["two_layer_net", "solution", 0], ["test_train", "test", 2], ["test_generalises", "test", 2]]);
    assert.ok(key.cells.every((c) => /^[0-9a-f]{64}$/.test(c.checksum)));
    // The source's own checksum, which grading checks before it runs anything.
    assert.equal(key.source_sha256, sourceDigest(source));
    const committed = JSON.parse(fs.readFileSync(sourcePath("test", "assign", "fixtures", "softmax", "source.key.json"), "utf8"));
    assert.equal(committed.source_sha256, sourceDigest(source), "the committed key was made from another source: run gradlab assign again");
    const edited = clone(source);
    edited.cells[4].source = toLines("// nothing to test\n");
    assert.notEqual(sourceDigest(edited), key.source_sha256);
  });

  it("the committed release is what gradlab assign makes of the source, and the key stays out of it", () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-assign-"));
    const src = path.join(out, "softmax", "source.ipynb");
    fs.mkdirSync(path.dirname(src));
    fs.copyFileSync(SOURCE, src);
    const r = spawnSync(process.execPath, [CLI, "assign", src, "--out", path.join(out, "softmax", "release")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(path.join(out, "softmax", "release")), ["softmax.ipynb"]);
    assert.deepEqual(readNotebook(path.join(out, "softmax", "release", "softmax.ipynb")), readNotebook(RELEASED));
    assert.ok(fs.existsSync(path.join(out, "softmax", "source.key.json")));
    const bad = spawnSync(process.execPath, [CLI, "assign", src, "--out", out, "--key", path.join(out, "k.json")], { encoding: "utf8" });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /the key must not go into the release folder/);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it("explains bad markers and metadata in the instructor's terms", () => {
    assert.throws(() => stripSolution("// BEGIN SOLUTION\nx\n", "cell 3"), /cell 3: "BEGIN SOLUTION" on line 1 is never closed/);
    assert.throws(() => stripHidden("x\n// END HIDDEN TESTS\n", "cell 4"), /cell 4: "END HIDDEN TESTS" on line 2 without a BEGIN/);
    const dup = clone(source);
    meta(dup.cells[3])!.grade_id = "setup";
    assert.throws(() => validateSource(dup), /grade_id "setup" is also used by cell 2/);
    const nopoints = clone(source);
    delete byId(nopoints, "test_gradient").metadata.nbgrader!.points;
    assert.throws(() => validateSource(nopoints), /"test_gradient"\): a graded cell needs points/);
  });

  it("refuses an answer named like a gradlab name or a locked cell's, which the tests would never call", () => {
    const named = (text: string) => { const nb = clone(source); byId(nb, "softmax_loss").source = toLines(text); return nb; };
    assert.throws(() => release(named("function ones(shape: number[]) {\n  // BEGIN SOLUTION\n  return zeros(shape);\n  // END SOLUTION\n}"), "softmax"),
      /cell 4 \("softmax_loss"\): the answer declares ones, which gradlab already has: the tests would call that ones, never the student's; give the answer's another name/);
    assert.throws(() => release(named("const N = 3;\nfunction softmaxLoss() {}"), "softmax"), /declares N, which the assignment's locked cells already declare/);
    assert.doesNotThrow(() => release(named("function softmaxLoss() { const ones = 1; return ones; }"), "softmax"));
  });

  it("restores edited and deleted locked cells, keeps the student's own cells, and says what changed", () => {
    const sub = clone(notebook);
    byId(sub, "test_gradient").source = toLines("// nothing to see\n");
    byId(sub, "softmax_loss").source = toLines("function softmaxLoss() { return 1; }\n");
    sub.cells = sub.cells.filter((c) => meta(c)?.grade_id !== "net_data");
    const scratch = { cell_type: "code" as const, metadata: {}, source: toLines("console.log('my scratch');\n"), outputs: [] };
    sub.cells.splice(sub.cells.indexOf(byId(sub, "softmax_loss")) + 1, 0, scratch);
    const p = prepare(source, key, sub);
    assert.deepEqual(p.tampering.map((t) => `${t.grade_id} ${t.what}`), ["test_gradient modified", "net_data deleted"]);
    const run = p.notebook.cells.map(sourceOf);
    assert.ok(run.some((s) => s.includes("const Wbig")), "hidden tests are back");
    assert.ok(run.some((s) => s.includes("const Xn = randn")), "the deleted locked cell is back");
    assert.ok(!run.some((s) => s.includes("nothing to see")));
    assert.equal(run.indexOf("console.log('my scratch');\n"), run.indexOf("function softmaxLoss() { return 1; }\n") + 1);
    assert.deepEqual(p.tests.map((t) => [t.grade_id, t.points]), [["test_initial_loss", 1], ["test_loss_value", 2], ["test_gradient", 3], ["test_train", 2], ["test_generalises", 2]]);
    assert.ok(!run.some((s) => /BEGIN|END (SOLUTION|HIDDEN)/.test(s)));
  });
});
