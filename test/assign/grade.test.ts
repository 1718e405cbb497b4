// Grading a sample class end to end: gradlab assign, the class made from the source's
// solutions, gradlab grade twice (each submission in its own sandbox, two at a time), and
// gradlab validate as a student runs it.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { readNotebook } from "../../kernel/assign/notebook";
import { makeClass, CLASS } from "./make_class";
import { sourcePath } from "../helpers";
import { CLI, gradlab } from "./cli";
import { sandboxProblem } from "../../kernel/assign/sandbox";

describe("assign: grading a class", function () {
  this.timeout(600_000);
  let dir = "", files: string[] = [], first: any, firstRun = "";
  const source = () => path.join(dir, "softmax", "source.ipynb");
  const grade = (out: string) => gradlab(["grade", "--source", source(), ...files, "--out", path.join(dir, out),
    "--timeout", "10", "--memory", "1024", "--parallel", "2", ...(sandboxProblem() ? ["--unsafe-no-sandbox"] : [])]);

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-class-"));
    fs.mkdirSync(path.join(dir, "softmax"));
    fs.copyFileSync(sourcePath("test", "assign", "fixtures", "softmax", "source.ipynb"), source());
    const r = spawnSync(process.execPath, [CLI, "assign", source(), "--out", path.join(dir, "softmax", "release")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    files = makeClass(readNotebook(source()), readNotebook(path.join(dir, "softmax", "release", "softmax.ipynb")), path.join(dir, "submissions"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("gives every student the grade their submission earns, and says why", async () => {
    const r = await grade("grades");
    assert.equal(r.status, 0, r.stderr + r.stdout);
    firstRun = r.stdout;
    console.log(r.stdout.trim().split("\n").map((l) => "      " + l).join("\n"));
    first = JSON.parse(fs.readFileSync(path.join(dir, "grades", "grades.json"), "utf8"));
    for (const [name, { expected }] of Object.entries(CLASS)) {
      const s = first.students.find((x: any) => x.student === name);
      assert.ok(s, `no grade for ${name}`);
      const failing = s.tests.filter((t: any) => !t.passed).map((t: any) => t.grade_id);
      assert.deepEqual([s.score, failing], [expected.score, expected.failing], `${name}: ${JSON.stringify(s, null, 1)}`);
      assert.deepEqual(s.tampering.map((t: any) => `${t.grade_id} ${t.what}`), expected.tampered ?? [], name);
    }
  });

  it("names the reason: the failing assertion, the time limit, the memory limit, the snooping that found nothing", () => {
    const by = (n: string) => first.students.find((x: any) => x.student === n);
    const msg = (n: string, id: string) => by(n).tests.find((t: any) => t.grade_id === id).message as string;
    assert.match(msg("partly_wrong", "test_gradient"), /AssertionError: not close .* 100 of 100 elements differ[\s\S]*at \[/);
    assert.match(msg("infinite_loop", "test_train"), /stopped: it ran past the time limit \(10 s per cell\)/);
    assert.match(by("memory_hog").notes.join(" "), /cell \d+ \("two_layer_net"\): it used more than the memory limit \(1024 MiB for the whole process tree\)/);
    assert.match(msg("reads_hidden", "test_initial_loss"), /found no hidden tests to copy/);
    assert.match(msg("syntax_error", "test_initial_loss"), /Cannot find name 'softmaxLoss'/);
  });

  it("writes grades.csv and one feedback page per student with each test's points and message", () => {
    const csv = fs.readFileSync(path.join(dir, "grades", "grades.csv"), "utf8").trim().split("\n");
    assert.equal(csv[0], "student,score,max_score,test_initial_loss,test_loss_value,test_gradient,test_train,test_generalises,tampered");
    assert.equal(csv.find((l) => l.startsWith("partly_wrong,")), "partly_wrong,7,10,1,2,0,2,2,");
    assert.equal(csv.find((l) => l.startsWith("edits_locked_test,")), "edits_locked_test,7,10,1,2,0,2,2,test_gradient modified");
    const html = fs.readFileSync(path.join(dir, "grades", "feedback", "partly_wrong.html"), "utf8");
    assert.match(html, /Score: <b>7 \/ 10<\/b>/);
    assert.match(html, /<td>test_gradient<\/td><td>0 \/ 3<\/td><td><pre>AssertionError: not close/);
    assert.match(html, /<td>test_train<\/td><td>2 \/ 2<\/td><td>passed/);
    const tampered = fs.readFileSync(path.join(dir, "grades", "feedback", "deletes_test.html"), "utf8");
    assert.match(tampered, /test_initial_loss \(test\): deleted; graded with the original/);
    assert.equal(fs.readdirSync(path.join(dir, "grades", "feedback")).length, files.length);
  });

  it("gives identical grades the second time", async () => {
    const r = await grade("again");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, "again", "grades.json"), "utf8"), fs.readFileSync(path.join(dir, "grades", "grades.json"), "utf8"));
    assert.equal(fs.readFileSync(path.join(dir, "again", "grades.csv"), "utf8"), fs.readFileSync(path.join(dir, "grades", "grades.csv"), "utf8"));
    assert.match(firstRun, /2 at a time/);
  });

  it("gradlab validate runs the visible tests for a student", async () => {
    const mine = await gradlab(["validate", path.join(dir, "submissions", "partly_wrong.ipynb"), "--timeout", "10"]);
    assert.equal(mine.status, 1, mine.stderr);
    assert.match(mine.stdout, /FAIL test_gradient \(3 points\): AssertionError/);
    assert.match(mine.stdout, /ok   test_initial_loss/);
    const good = await gradlab(["validate", path.join(dir, "submissions", "correct.ipynb"), "--timeout", "10"]);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout, /4 of 4 visible tests pass/);
    assert.match(good.stdout, /hidden test_generalises \(2 points\): runs at grading/);
  });
});
