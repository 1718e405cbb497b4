// A hostile class graded in one run beside the honest baseline: each attack from the
// issue's list must leave its own score as stated, every other student's score untouched,
// the course files unchanged, the feedback free of hidden tests and instructor paths, and
// nothing (process, cgroup, file) behind once the grader has exited.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as http from "node:http";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readNotebook } from "../../kernel/assign/notebook";
import { hiddenLines } from "../../kernel/assign/grade";
import { sandboxProblem, PACKAGE_ROOT } from "../../kernel/assign/sandbox";
import { HOSTILE as ALL, makeHostileClass } from "./hostile";

// GRADLAB_HOSTILE=name,name grades only those (and the baseline), to look at one attack.
const only = process.env.GRADLAB_HOSTILE?.split(",");
const HOSTILE = only ? Object.fromEntries(Object.entries(ALL).filter(([n]) => ["correct", "untouched", ...only].includes(n))) : ALL;
import { sourcePath } from "../helpers";
import { CLI, gradlab } from "./cli";

const sha = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

/** Processes whose command line or uid says they came from a sandbox of this run. */
function survivors(marker: string): string[] {
  const out: string[] = [];
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ");
      const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
      const uid = /Uid:\s+(\d+)/.exec(status)?.[1], state = /State:\s+(.*)/.exec(status)?.[1], ppid = /PPid:\s+(\d+)/.exec(status)?.[1];
      // A zombie has already ended; only the container's init can reap it.
      if ((cmd.includes(marker) || uid === "65534") && !state?.startsWith("Z")) out.push(`${p} (uid ${uid}, ${state}, parent ${ppid}): ${cmd.slice(0, 120)}`);
    } catch { /* gone */ }
  }
  return out;
}

function cgroupsLeft(): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    let es: fs.Dirent[] = [];
    try { es = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of es) if (e.isDirectory()) { if (e.name.startsWith(`gradlab-grade-`)) out.push(path.join(d, e.name)); else walk(path.join(d, e.name), depth + 1); }
  };
  for (const c of ["memory", "pids", "cpu"]) walk(`/sys/fs/cgroup/${c}`, 0);
  return out;
}

describe("assign: a hostile class, sandboxed", function () {
  this.timeout(900_000);
  let dir = "", files: string[] = [], grades: any, stdout = "", requests = 0, server: http.Server;
  const hashes: Record<string, string> = {};
  const source = () => path.join(dir, "softmax", "source.ipynb");
  const key = () => path.join(dir, "softmax", "source.key.json");
  const marker = () => path.join(dir, "hostile-marker");
  const closeJs = path.join(PACKAGE_ROOT, "dist", "core", "testing", "close.js");
  let tmpBefore: string[] = [];

  before(async function () {
    const why = sandboxProblem();
    if (why) {
      console.log(`      skipped: no sandbox here (${why})`);
      this.skip();
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-hostile-"));
    fs.mkdirSync(path.join(dir, "softmax"));
    fs.copyFileSync(sourcePath("test", "assign", "fixtures", "softmax", "source.ipynb"), source());
    const r = spawnSync(process.execPath, [CLI, "assign", source(), "--out", path.join(dir, "release")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    server = http.createServer((_req, res) => { requests++; res.end("ok"); });
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as any).port;
    files = makeHostileClass(HOSTILE, readNotebook(source()), readNotebook(path.join(dir, "release", "softmax.ipynb")), path.join(dir, "submissions"),
      { source: source(), key: key(), grades: path.join(dir, "grades"), submissions: path.join(dir, "submissions"), marker: marker(), port, closeJs });
    for (const f of [source(), key(), closeJs, ...files]) hashes[f] = sha(f);
    tmpBefore = fs.readdirSync(os.tmpdir());
    const g = await gradlab(["grade", "--source", source(), ...files, "--out", path.join(dir, "grades"), "--timeout", "10", "--memory", "1024", "--parallel", "2"]);
    stdout = g.stdout;
    assert.equal(g.status, 0, g.stderr + g.stdout);
    console.log(g.stdout.trim().split("\n").map((l) => "      " + l).join("\n"));
    if (only) console.log(fs.readFileSync(path.join(dir, "grades", "grades.json"), "utf8"));
    grades = JSON.parse(fs.readFileSync(path.join(dir, "grades", "grades.json"), "utf8"));
  });
  after(() => {
    server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const student = (name: string) => grades.students.find((s: any) => s.student === name);

  it("gives every submission its stated score: 10 for the honest answer, 0 for the untouched release and every cheat", () => {
    const got = Object.fromEntries(Object.keys(HOSTILE).map((n) => [n, student(n)?.score]));
    const want = Object.fromEntries(Object.entries(HOSTILE).map(([n, h]) => [n, h.expect.score]));
    assert.deepEqual(got, want, JSON.stringify(grades.students.filter((s: any) => s.score !== HOSTILE[s.student]?.expect.score), null, 1));
  });

  it("says in the notes and the printed output what each attack met", () => {
    const wrong: string[] = [];
    for (const [name, { expect }] of Object.entries(HOSTILE)) {
      const html = fs.readFileSync(path.join(dir, "grades", "feedback", `${name}.html`), "utf8");
      const printed = html.slice(html.indexOf("<h2>What your cells printed"));
      if (expect.note && !expect.note.test(student(name).notes.join("\n"))) wrong.push(`${name}: notes ${JSON.stringify(student(name).notes)} do not match ${expect.note}`);
      if (expect.printed && !expect.printed.test(html)) wrong.push(`${name}: printed ${printed.slice(0, 300)} does not match ${expect.printed}`);
    }
    assert.deepEqual(wrong, []);
  });

  it("leaves the source, the key, the library and the other submissions unchanged, and the network unreached", () => {
    for (const [f, h] of Object.entries(hashes)) assert.equal(sha(f), h, `${f} changed`);
    assert.equal(requests, 0, "a submission reached the server on 127.0.0.1");
    assert.match(fs.readFileSync(path.join(dir, "grades", "grades.csv"), "utf8"), /^student,score,max_score,/);
  });

  it("keeps hidden tests and instructor paths out of the feedback, and caps what a cell printed", () => {
    const hidden = hiddenLines(readNotebook(source()));
    assert.ok(hidden.some((l) => l.includes("Wbig")), "the source's hidden tests were not found");
    for (const f of fs.readdirSync(path.join(dir, "grades", "feedback"))) {
      const html = fs.readFileSync(path.join(dir, "grades", "feedback", f), "utf8");
      for (const l of hidden) assert.ok(!html.includes(l.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")) && !html.includes(l), `${f} quotes the hidden test line ${l}`);
      for (const p of [dir, PACKAGE_ROOT]) assert.ok(!html.includes(p), `${f} names ${p}`);
      assert.ok(html.length < 400_000, `${f} is ${html.length} bytes`);
    }
  });

  it("leaves no process, cgroup or file behind", async () => {
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(survivors(path.basename(marker())), []);
    assert.deepEqual(cgroupsLeft(), []);
    for (const f of [marker() + ".w", marker() + ".d", path.join(os.tmpdir(), path.basename(marker()) + ".w")]) assert.ok(!fs.existsSync(f), `${f} exists`);
    const added = fs.readdirSync(os.tmpdir()).filter((e) => !tmpBefore.includes(e) && /^gradlab-(sub|grade)/.test(e));
    assert.deepEqual(added, []);
    assert.match(stdout, /each in a sandbox/);
  });

  it("refuses a source changed after gradlab assign, and says why", async () => {
    const changed = path.join(dir, "softmax", "changed.ipynb");
    const nb = JSON.parse(fs.readFileSync(source(), "utf8"));
    nb.cells[4].source = ["expectClose(1, 1);\n"];
    fs.writeFileSync(changed, JSON.stringify(nb));
    const r = await gradlab(["grade", "--source", changed, "--key", key(), files[0], "--out", path.join(dir, "refused")]);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, /is not the source the key .* was made from/);
    assert.ok(!fs.existsSync(path.join(dir, "refused")));
  });
});
