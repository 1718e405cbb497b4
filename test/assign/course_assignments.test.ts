// The course's graded assignments, each through the real CLI as a course runs it: gradlab
// assign makes the committed release (the key beside the source, never in the release),
// and gradlab grade gives the solution full marks, the untouched release 0, and each
// hostile submission (autograd where a gradient is to be derived, loops where the code is
// to be vectorised, …) exactly the points it earns.
// The CNN trains for real (3 epochs on 50,000 images, one core per submission): a few
// minutes on an idle machine, 15 on a busy one. GRADLAB_ASSIGNMENTS=knn,linear runs only those.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNotebook, writeNotebook, clone, type Notebook } from "../../kernel/assign/notebook";
import { sandboxProblem } from "../../kernel/assign/sandbox";
import { sourcePath } from "../helpers";
import { gradlab } from "./cli";
import { solutions, setSource, hiddenLines } from "./course_submissions";
import { COURSE } from "./course_cases";

const only = process.env.GRADLAB_ASSIGNMENTS?.split(",");  // e.g. GRADLAB_ASSIGNMENTS=knn,linear: only those

for (const [name, spec] of Object.entries(COURSE).filter(([n]) => !only || only.includes(n))) {
  describe(`assignments: ${name}`, function () {
    this.timeout(1_800_000);
    let dir = "", source = "", release: Notebook, grades: any;
    const submissions: string[] = [];

    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), `gradlab-course-${name}-`));
      source = path.join(dir, "instructor", name, "source.ipynb");
      fs.mkdirSync(path.dirname(source), { recursive: true });
      fs.copyFileSync(sourcePath("course", "instructor", name, "source.ipynb"), source);
      const r = await gradlab(["assign", source, "--out", path.join(dir, "release", name)]);
      assert.equal(r.status, 0, r.stderr);
      release = readNotebook(path.join(dir, "release", name, `${name}.ipynb`));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the committed release and key are what gradlab assign makes; the release holds no solution or hidden test", () => {
      assert.deepEqual(fs.readdirSync(path.join(dir, "release", name)), [`${name}.ipynb`]);
      assert.deepEqual(release, readNotebook(sourcePath("notebooks", "assignments", name, `${name}.ipynb`)),
        `run: gradlab assign course/instructor/${name}/source.ipynb --out notebooks/assignments/${name}`);
      const key = JSON.parse(fs.readFileSync(path.join(path.dirname(source), "source.key.json"), "utf8"));
      assert.deepEqual(key, JSON.parse(fs.readFileSync(sourcePath("course", "instructor", name, "source.key.json"), "utf8")));
      assert.equal(key.total_points, spec.points);
      const text = JSON.stringify(release);
      const src = readNotebook(source);
      for (const line of hiddenLines(src)) assert.ok(!text.includes(JSON.stringify(line).slice(1, -1)), `the release shows: ${line}`);
      assert.ok(!fs.readdirSync(sourcePath("notebooks", "assignments", name)).some((f) => /source|key/.test(f)), "instructor files in the release folder");
    });

    it("grades the solution full marks, the release 0, and each hostile submission what it earns", async () => {
      const out = path.join(dir, "submissions");
      fs.mkdirSync(out);
      const sol = solutions(readNotebook(source));
      const write = (student: string, nb: Notebook) => { const f = path.join(out, `${student}.ipynb`); writeNotebook(f, nb); submissions.push(f); };
      const solved = clone(release);
      for (const [id, text] of sol) setSource(solved, id, text);
      write("solution", solved);
      write("untouched", clone(release));
      for (const [student, c] of Object.entries(spec.hostile)) {
        const nb = clone(solved);
        c.edit(nb, sol);
        write(student, nb);
      }
      const t0 = Date.now();
      const r = await gradlab(["grade", "--source", source, ...submissions, "--out", path.join(dir, "grades"), "--parallel", "2",
        ...(sandboxProblem() ? ["--unsafe-no-sandbox"] : [])]);
      assert.equal(r.status, 0, r.stderr + r.stdout);
      console.log(r.stdout.trim().split("\n").map((l) => "      " + l).join("\n"));
      console.log(`      ${name}: ${submissions.length} submissions graded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      grades = JSON.parse(fs.readFileSync(path.join(dir, "grades", "grades.json"), "utf8"));
      const tests = JSON.parse(fs.readFileSync(path.join(path.dirname(source), "source.key.json"), "utf8")).cells.filter((c: any) => c.kind === "test");
      const pointsOf = (id: string) => tests.find((c: any) => c.grade_id === id).points as number;
      const expected: Record<string, { score: number; failing: string[] }> = {
        solution: { score: spec.points, failing: [] },
        untouched: { score: 0, failing: tests.map((c: any) => c.grade_id) },
        ...Object.fromEntries(Object.entries(spec.hostile).map(([k, v]) => [k, { score: spec.points - v.loses.reduce((a, id) => a + pointsOf(id), 0), failing: v.loses }])),
      };
      for (const [student, want] of Object.entries(expected)) {
        const s = grades.students.find((x: any) => x.student === student);
        assert.ok(s, `no grade for ${student}`);
        const failing = s.tests.filter((t: any) => !t.passed).map((t: any) => t.grade_id);
        assert.deepEqual([s.score, failing], [want.score, want.failing], `${student}: ${JSON.stringify(s.tests.filter((t: any) => !t.passed), null, 1)}`);
        assert.deepEqual(s.tampering, [], student);
      }
    });

    it("says why a hostile submission lost its points", () => {
      for (const [student, c] of Object.entries(spec.hostile)) {
        const s = grades.students.find((x: any) => x.student === student);
        for (const [id, re] of Object.entries(c.because ?? {})) {
          const t = s.tests.find((x: any) => x.grade_id === id);
          assert.match(t.message, re, `${student} ${id}: ${t.message}`);
        }
      }
    });
  });
}
