// What the judge gives an assignment's tests, through gradlab grade in real sandboxes: the
// submission's code as the notebook file holds it (a replaced toString or a helper switched
// in an extra cell hides nothing), arguments of any size, the instructor's GRADLAB_CI (never
// the student's), and a clear note when a student's name is gradlab's own.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNotebook, writeNotebook, clone, toLines, meta, type Notebook, type Cell } from "../../kernel/assign/notebook";
import { sandboxProblem } from "../../kernel/assign/sandbox";
import { gradlab } from "./cli";

const code = (text: string, nbgrader?: object): Cell =>
  ({ cell_type: "code", metadata: nbgrader ? { nbgrader: { schema_version: 3, ...nbgrader } } : {}, outputs: [], execution_count: null, source: toLines(text) });
const test = (id: string, text: string) => code(text, { grade: true, solution: false, locked: true, grade_id: id, points: 1 });

const SOURCE: Notebook = {
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "gradlab", display_name: "TypeScript (gradlab)", language: "typescript" }, language_info: { name: "typescript" } },
  cells: [
    code(`const CI = process.env.GRADLAB_CI === "1";
/** The code of one of your functions as the grader read it from your notebook. */
function codeOf(f: Function): string { return submission.source(f); }`, { grade: false, solution: false, locked: true, grade_id: "setup" }),
    code(`/** The sum of every entry of x, without a loop in JavaScript. */
function total(x: Tensor): number {
  // BEGIN SOLUTION
  return x.sum().item();
  // END SOLUTION
}`, { grade: false, solution: true, locked: false, grade_id: "total" }),
    test("test_total", "expectClose(total(ones([3, 4])), 12);"),
    // 4000 × 785 float32: 12.5 MB, 16.7 MB of base64, one argument.
    test("test_large", "// BEGIN HIDDEN TESTS\nexpectClose(total(ones([4000, 785])), 4000 * 785, { rtol: 1e-6 });\n// END HIDDEN TESTS"),
    test("test_no_loops", "// BEGIN HIDDEN TESTS\nif (/\\bfor\\b|\\bwhile\\b|forEach|reduce/.test(codeOf(total))) throw new Error(\"total loops in JavaScript\");\n// END HIDDEN TESTS"),
    test("test_ci_size", "if (!CI) throw new Error(\"graded at the full size\");"),
  ],
};

const LOOP = "{ let s = 0; const d = x.dataSync(); for (let i = 0; i < d.length; i++) s += d[i]; return s; }";
const HONEST = "function total(x: Tensor): number {\n  return x.sum().item();\n}";

/** The release with the total cell set to text, and extra cells of the student's own after it. */
function withAnswer(release: Notebook, text: string, ...extra: string[]): Notebook {
  const nb = clone(release);
  const at = nb.cells.findIndex((c) => meta(c)?.grade_id === "total");
  nb.cells[at].source = toLines(text);
  nb.cells.splice(at + 1, 0, ...extra.map((t) => code(t)));
  return nb;
}

describe("assign: what the judge gives the tests", function () {
  this.timeout(900_000);
  let dir = "", source = "", release: Notebook;
  const files: Record<string, string> = {};
  const write = (name: string, nb: Notebook) => { files[name] = path.join(dir, "submissions", `${name}.ipynb`); writeNotebook(files[name], nb); };
  const grade = async (names: string[], out: string, env: Record<string, string | undefined>) => {
    const r = await gradlab(["grade", "--source", source, ...names.map((n) => files[n]), "--out", path.join(dir, out), "--timeout", "60", "--parallel", "2",
      ...(sandboxProblem() ? ["--unsafe-no-sandbox"] : [])], env);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    return { stdout: r.stdout, grades: JSON.parse(fs.readFileSync(path.join(dir, out, "grades.json"), "utf8")) };
  };
  const failing = (g: any, name: string) => g.students.find((s: any) => s.student === name).tests.filter((t: any) => !t.passed).map((t: any) => t.grade_id);
  /** What a student's cells printed, from their feedback page. */
  const printed = (out: string, name: string) => fs.readFileSync(path.join(dir, out, "feedback", `${name}.html`), "utf8").split("What your cells printed")[1] ?? "";
  const student = (g: any, name: string) => g.students.find((s: any) => s.student === name);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-judge-"));
    source = path.join(dir, "instructor", "source.ipynb");
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.mkdirSync(path.join(dir, "submissions"));
    writeNotebook(source, SOURCE);
    const r = await gradlab(["assign", source, "--out", path.join(dir, "release")]);
    assert.equal(r.status, 0, r.stderr);
    release = readNotebook(path.join(dir, "release", fs.readdirSync(path.join(dir, "release"))[0]));
    write("honest", withAnswer(release, HONEST, `console.log("GRADLAB_CI in the submission: " + process.env.GRADLAB_CI);`));
    write("loop_behind_tostring", withAnswer(release,
      `function total(x: Tensor): number ${LOOP}\ntotal.toString = () => ${JSON.stringify(HONEST)};`,
      `Function.prototype.toString = function () { return ${JSON.stringify(HONEST)}; };`));
    write("loop_in_extra_cell", withAnswer(release,
      "let sumOf = (x: Tensor) => x.sum().item();\nfunction total(x: Tensor): number {\n  return sumOf(x);\n}",
      `sumOf = (x: Tensor) => ${LOOP};`));
    write("sets_ci_itself", withAnswer(release, HONEST, `process.env.GRADLAB_CI = "1";`));
    write("defines_ones", withAnswer(release, HONEST, "function ones(shape: number[]): Tensor { return zeros(shape); }\nconsole.log(total(ones([2])));"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  let full: { stdout: string; grades: any };

  it("reads the code from the notebook: a replaced toString or a helper switched in an extra cell loses the code check, the honest answer nothing", async () => {
    full = await grade(["honest", "loop_behind_tostring", "loop_in_extra_cell", "sets_ci_itself", "defines_ones"], "full", { GRADLAB_CI: undefined });
    console.log(full.stdout.trim().split("\n").map((l) => "      " + l).join("\n"));
    assert.deepEqual(failing(full.grades, "honest"), ["test_ci_size"]);
    assert.deepEqual(failing(full.grades, "loop_behind_tostring"), ["test_no_loops", "test_ci_size"]);
    assert.deepEqual(failing(full.grades, "loop_in_extra_cell"), ["test_no_loops", "test_ci_size"]);
    assert.match(student(full.grades, "loop_in_extra_cell").tests.find((t: any) => t.grade_id === "test_no_loops").message, /total loops in JavaScript/);
  });

  it("passes a 4000 × 785 float32 tensor to the submission's function and back", () => {
    for (const name of ["honest", "loop_behind_tostring", "loop_in_extra_cell"]) assert.ok(!failing(full.grades, name).includes("test_large"), name);
  });

  it("grades at the size the grader's GRADLAB_CI says, whatever the submission sets", async () => {
    assert.deepEqual(failing(full.grades, "sets_ci_itself"), ["test_ci_size"]);
    const ci = await grade(["honest", "sets_ci_itself"], "ci", { GRADLAB_CI: "1" });
    assert.deepEqual([failing(ci.grades, "honest"), failing(ci.grades, "sets_ci_itself")], [[], []]);
    assert.match(ci.stdout, /at the CI size \(GRADLAB_CI=1\)/);
    assert.match(printed("ci", "honest"), /GRADLAB_CI in the submission: 1/);
    assert.match(printed("full", "honest"), /GRADLAB_CI in the submission: undefined/);
  });

  it("refuses a GRADLAB_CI it does not know, by name, before grading", async () => {
    const r = await gradlab(["grade", "--source", source, files.honest, "--out", path.join(dir, "refused")], { GRADLAB_CI: "yes" });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /GRADLAB_CI="yes" is not one of its values \(0, 1\)/);
    assert.ok(!fs.existsSync(path.join(dir, "refused")));
  });

  it("keeps gradlab's own name for the tests when a student's cell defines it, and says so plainly", () => {
    assert.deepEqual(failing(full.grades, "defines_ones"), ["test_ci_size"]);
    assert.match(student(full.grades, "defines_ones").notes.join("\n"), /defines ones, a name gradlab already has: your cells use yours, the tests use gradlab's/);
  });
});
