// Provenance as a user meets it: a notebook executed by Jupyter's own client (nbclient)
// on the installed kernelspec, one written by `gradlab run`, its HTML report, and
// `gradlab doctor --json` all tell what produced the outputs — and the seed set with
// manualSeed and the sha256 of the Fashion-MNIST files the notebook read.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { notebookProvenance } from "../../kernel/notebook_provenance";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";
const FIXTURE = path.join(ROOT, "test", "verify", "fixtures", "provenance.ipynb");
const VERSION: string = require(path.join(ROOT, "package.json")).version;
const MACHINE_FACTS = ["gradlab", "commit", "node", "platform", "backend", "isa", "blas", "blasVersion", "threads", "deterministic"];

// nbclient executes the notebook and writes it, after nbformat checked it against the schema.
const NBCLIENT = `
import sys, nbformat, nbclient
nb = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(nb, kernel_name="gradlab", timeout=120, resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.validate(nb)
nbformat.write(nb, sys.argv[2])
`;

/** The sha256 of a Fashion-MNIST file, computed here from the file itself. */
function sha256Of(stem: string): { file: string; sha256: string } {
  const dir = process.env.FASHION_MNIST_DIR ?? "/usr/share/datasets/fashion-mnist";
  const file = [`${stem}.gz`, stem].map((n) => path.join(dir, n)).find((p) => fs.existsSync(p));
  assert.ok(file, `Fashion-MNIST's ${stem} is not in ${dir} (apt-get install dataset-fashion-mnist)`);
  return { file, sha256: crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex") };
}

/** Asserts the facts say seed 7 was set and both training files were read, with their true checksums. */
function assertSeedsAndData(p: Record<string, any>, where: string): void {
  assert.deepEqual(p.seeds, [7], `${where}: the seeds`);
  for (const stem of ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]) {
    const want = sha256Of(stem);
    const got = (p.datasets as any[]).find((d) => d.file === want.file);
    assert.ok(got, `${where}: ${want.file} is not among the datasets: ${JSON.stringify(p.datasets)}`);
    assert.equal(got.sha256, want.sha256, `${where}: the sha256 of ${want.file}`);
    assert.equal(got.bytes, fs.statSync(want.file).size);
  }
}

function assertMachineFacts(p: Record<string, any>, where: string): void {
  for (const k of MACHINE_FACTS) assert.ok(k in p, `${where}: no ${k} among ${Object.keys(p)}`);
  assert.equal(p.gradlab, VERSION);
  assert.equal(p.node, process.version);
  assert.ok(["native", "js"].includes(p.backend), p.backend);
  assert.ok(Number.isInteger(p.threads) && p.threads >= 1, `threads ${p.threads}`);
  assert.equal(typeof p.deterministic, "boolean");
  assert.ok(typeof p.isa === "string" && p.isa.length > 0);
  // This test runs from a git checkout: the commit is HEAD's.
  const head = spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim();
  if (head) assert.match(p.commit, new RegExp(`^${head}(-dirty)?$`), `${where}: the commit`);
}

describe("provenance in notebooks", function () {
  this.timeout(240_000);
  let tmp = "";
  before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-provenance-")); });
  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("is in a notebook nbclient executed on the installed kernel: the facts at start in language_info, the seed and dataset checksums in output metadata; gradlab verify reads it", function () {
    const jupyter = spawnSync(PY, ["-c", "import nbclient, nbformat"], { encoding: "utf8" });
    if (jupyter.status !== 0) { console.log("      (skipped: python3-nbclient is not installed)"); this.skip(); }
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(inst.status, 0, inst.stderr);
    const env = { ...process.env, JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime") };
    const out = path.join(tmp, "nbclient.ipynb");
    const r = spawnSync(PY, ["-c", NBCLIENT, FIXTURE, out, path.dirname(FIXTURE)], { encoding: "utf8", env, timeout: 200_000 });
    assert.equal(r.status, 0, `nbclient failed (or the notebook is not valid nbformat):\n${r.stderr.slice(-3000)}`);
    const nb = JSON.parse(fs.readFileSync(out, "utf8"));
    const atStart = nb.metadata.language_info.gradlab.provenance;
    assertMachineFacts(atStart, "language_info");
    assert.deepEqual(atStart.seeds, [], "no seed was set when the kernel started");
    const cells = nb.cells.filter((c: any) => c.cell_type === "code");
    // Cell 1 only sets a seed: an output of its own carries the change.
    const seeded = cells[0].outputs.find((o: any) => o.metadata?.gradlab?.provenance);
    assert.deepEqual(seeded?.metadata.gradlab.provenance.seeds, [7], JSON.stringify(cells[0].outputs));
    // Cell 2 reads Fashion-MNIST: its result carries the checksums.
    const read = cells[1].outputs.find((o: any) => o.output_type === "execute_result");
    assertSeedsAndData(read.metadata.gradlab.provenance, "cell 2's result");
    // fit's progress display says it differs from run to run.
    const progress = cells[2].outputs.find((o: any) => o.output_type === "display_data");
    assert.match([progress.data["text/plain"]].flat().join(""), /epoch 2\/2/);
    assert.deepEqual(progress.metadata.gradlab, { volatile: true });
    // What a reader (gradlab verify, the HTML report) takes as the notebook's provenance.
    const p = notebookProvenance(nb)!;
    assertMachineFacts(p, "the notebook");
    assertSeedsAndData(p, "the notebook");
    // The same machine and process kind: the kernel's facts are gradlab run's.
    const doctor = JSON.parse(spawnSync(process.execPath, [CLI, "doctor", "--json"], { encoding: "utf8" }).stdout);
    for (const k of MACHINE_FACTS) assert.deepEqual(atStart[k], doctor[k], `${k}: the kernel says ${atStart[k]}, gradlab doctor --json ${doctor[k]}`);
    // gradlab verify reads what Jupyter saved: the same outputs again, the progress skipped, the same facts.
    const v = spawnSync(process.execPath, [CLI, "verify", out], { encoding: "utf8", timeout: 200_000 });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^cell 3  ok       2 outputs match; 1 volatile output skipped \(progress, with times\)$/m);
    assert.match(v.stdout, /^provenance: the same facts as the stored run$/m);
  });

  it("is in the metadata of a notebook gradlab run wrote, and in its HTML report's footer", () => {
    const out = path.join(tmp, "run.ipynb"), html = path.join(tmp, "run.html");
    const r = spawnSync(process.execPath, [CLI, "run", FIXTURE, "--out", out, "--html", html], { encoding: "utf8", timeout: 200_000 });
    assert.equal(r.status, 0, r.stderr);
    const nb = JSON.parse(fs.readFileSync(out, "utf8"));
    const p = nb.metadata.gradlab.provenance;
    assertMachineFacts(p, "metadata.gradlab.provenance");
    assertSeedsAndData(p, "metadata.gradlab.provenance");
    assert.deepEqual(nb.metadata.kernelspec.name, "gradlab", "the notebook's own metadata is kept");
    const page = fs.readFileSync(html, "utf8");
    const foot = /<footer class="provenance">([\s\S]*)<\/footer>/.exec(page)?.[1];
    assert.ok(foot, "the HTML report has a provenance footer");
    assert.match(foot, /<th>seeds<\/th><td>7<\/td>/);
    assert.match(foot, new RegExp(`<th>gradlab</th><td>${VERSION.replace(/\./g, "\\.")}</td>`));
    assert.match(foot, new RegExp(`<th>threads</th><td>${p.threads}</td>`));
    assert.match(foot, new RegExp(`<th>blas</th><td>${p.blas.replace(/[()]/g, "\\$&")}</td>`));
    for (const stem of ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]) assert.ok(foot.includes(sha256Of(stem).sha256), `the footer shows ${stem}'s sha256`);
    // The provenance-only output is not drawn in the report.
    assert.ok(!page.includes("vnd.gradlab-provenance"), "the provenance-only output shows nothing");
  });

  it("gradlab doctor --json prints the machine facts a notebook records", () => {
    const r = spawnSync(process.execPath, [CLI, "doctor", "--json"], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const facts = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(facts).sort(), [...MACHINE_FACTS].sort());
    assertMachineFacts(facts, "doctor --json");
    const text = spawnSync(process.execPath, [CLI, "doctor"], { encoding: "utf8" }).stdout;
    assert.match(text, new RegExp(`^threads\\s+${facts.threads}$`, "m"), "the text and the JSON agree");
    assert.ok(text.includes(facts.blas));
  });
});
