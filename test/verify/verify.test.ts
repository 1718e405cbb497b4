// `gradlab verify` on a course notebook at the CI size: `gradlab run` saves it, verify runs
// it again and finds every output the same; a number edited in the saved file (in a text
// output, in a gradlab payload) is found and told with its cell and both values. Bad
// input (no such file, not a notebook, broken outputs, bad options) is a usage error
// (exit status 2) told in words, never a stack trace; a notebook that ends the process
// itself does not pass.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const NB_DIR = path.join(ROOT, "notebooks");
const TOUR = path.join(NB_DIR, "01-tour.ipynb");
const GRADLAB_PAYLOAD = /^application\/vnd\.gradlab\.[\w.-]+\+json$/;

const env = { ...process.env, GRADLAB_CI: "1" };
const verify = (...args: string[]) => spawnSync(process.execPath, [CLI, "verify", ...args], { encoding: "utf8", env, timeout: 300_000 });
const codeCells = (nb: any): any[] => nb.cells.filter((c: any) => c.cell_type === "code");
const text = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v));

/** A usage error: exit status 2, a line that starts "gradlab verify:" and says what is wrong, no stack trace. */
function assertUsageError(r: ReturnType<typeof verify>, says: RegExp): void {
  assert.equal(r.status, 2, `exit status ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /^gradlab verify: /);
  assert.match(r.stderr, says);
  assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
}

/** A number written with a decimal point and a value far from the original (so no tolerance can take it for the same). */
const edited = (x: string) => (Number(x) * 1.5 + 1).toFixed(x.split(".")[1]?.length ?? 0);

/** The first non-integer number in a payload, with its path as verify tells it (".stats.mean", "[3]"). */
function firstFraction(v: unknown, at = ""): { path: string; value: number; set(n: number): void } | null {
  if (Array.isArray(v) || (v && typeof v === "object")) {
    for (const [k, x] of Object.entries(v as object)) {
      const where = Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`;
      if (typeof x === "number" && !Number.isInteger(x)) return { path: where, value: x, set: (n) => { (v as any)[k] = n; } };
      const inner = firstFraction(x, where);
      if (inner) return inner;
    }
  }
  return null;
}

describe("gradlab verify", function () {
  this.timeout(600_000);
  let tmp = "";
  let saved = "";
  let stored: any = null;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-verify-"));
    saved = path.join(tmp, "01-tour.ipynb");
    const r = spawnSync(process.execPath, [CLI, "run", TOUR, "--out", saved], { encoding: "utf8", env, cwd: NB_DIR, timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    stored = JSON.parse(fs.readFileSync(saved, "utf8"));
  });
  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  /** Writes a copy of the saved run, changed by edit, beside it (so it runs in the same folder). */
  function variant(name: string, edit: (nb: any) => void): string {
    const nb = JSON.parse(JSON.stringify(stored));
    edit(nb);
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify(nb, null, 1));
    return file;
  }

  it("passes on a course notebook run twice (gradlab run, then verify the saved file)", () => {
    const r = verify(saved);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const n = codeCells(stored).length;
    assert.match(r.stdout, new RegExp(`: ${n} code cells, ${n} match, 0 differ \\(numbers within rtol 1e-5, atol 1e-8\\)`));
    assert.match(r.stdout, /^provenance: the same facts as the stored run$/m);
    for (let i = 1; i <= n; i++) assert.match(r.stdout, new RegExp(`^cell +${i}  ok `, "m"));
  });

  it("fails when a number in a saved text output is edited, naming the cell and both values", () => {
    let told = "";
    const file = variant("text-edited.ipynb", (nb) => {
      codeCells(nb).some((c, i) => c.outputs.some((o: any) => {
        // A plain decimal (not a mantissa, where atol could take a large edit for the same).
        const m = o.output_type === "stream" ? /(?<![\w.])\d+\.\d+(?![\d.eE])/.exec(text(o.text)) : null;
        if (!m) return false;
        const now = edited(m[0]);
        o.text = [text(o.text).replace(m[0], now)];
        told = `cell ${i + 1}, ${o.name}.*: ${now} stored, ${m[0]} now \\(rel \\d\\.\\de-?\\d+\\)`;
        return true;
      }));
    });
    assert.ok(told, "the saved notebook has a number in a text output");
    const r = verify(file);
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^  ${told}$`, "m"));
    assert.match(r.stdout, /, 1 differ \(/);
  });

  it("fails when a number in a saved gradlab payload is edited, naming the cell, the payload and both values", () => {
    let told = "";
    const file = variant("payload-edited.ipynb", (nb) => {
      codeCells(nb).some((c, i) => c.outputs.some((o: any) => {
        const mime = Object.keys(o.data ?? {}).find((k) => GRADLAB_PAYLOAD.test(k));
        const spot = mime ? firstFraction(o.data[mime]) : null;
        if (!spot) return false;
        const now = Number(edited(String(spot.value)));
        spot.set(now);
        const kind = /vnd\.gradlab\.([\w.-]+)\+json/.exec(mime!)![1];
        told = `cell ${i + 1}, output[ \\d]* ${kind} payload${spot.path.replace(/[.[\]]/g, "\\$&")}: ${now} stored, ${spot.value} now \\(rel`;
        return true;
      }));
    });
    assert.ok(told, "the saved notebook has a gradlab payload with a fraction in it");
    const r = verify(file);
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^  ${told}`, "m"));
  });

  it("takes a payload number changed within the tolerance for the same, unless the stored run was deterministic", () => {
    const nudge = (nb: any) => {
      for (const c of codeCells(nb)) for (const o of c.outputs) {
        const mime = Object.keys(o.data ?? {}).find((k) => GRADLAB_PAYLOAD.test(k));
        const spot = mime ? firstFraction(o.data[mime]) : null;
        if (spot) { spot.set(spot.value * (1 + 1e-9)); return; }
      }
    };
    const within = verify(variant("nudged.ipynb", nudge));
    assert.equal(within.status, 0, within.stdout);
    const bitwise = verify(variant("nudged-deterministic.ipynb", (nb) => { nudge(nb); nb.metadata.gradlab.provenance.deterministic = true; }));
    assert.equal(bitwise.status, 1, bitwise.stdout);
    assert.match(bitwise.stdout, /numbers compared bit for bit: the stored run was in deterministic mode/);
  });

  it("re-runs a notebook saved in deterministic mode in that mode, and finds the same bits", () => {
    const file = path.join(tmp, "01-tour-deterministic.ipynb");
    const run = spawnSync(process.execPath, [CLI, "run", TOUR, "--out", file], { encoding: "utf8", env: { ...env, GRADLAB_DETERMINISTIC: "1" }, cwd: NB_DIR, timeout: 300_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(JSON.parse(fs.readFileSync(file, "utf8")).metadata.gradlab.provenance.deterministic, true);
    const r = verify(file); // without GRADLAB_DETERMINISTIC: verify turns the mode on itself
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /numbers compared bit for bit: the stored run was in deterministic mode/);
    assert.doesNotMatch(r.stdout, /deterministic: true stored, false now/);
  });

  it("says which provenance facts differ between the stored run and this one", () => {
    const file = variant("other-machine.ipynb", (nb) => {
      const p = nb.metadata.gradlab.provenance;
      p.threads += 6;
      p.datasets[0].sha256 = "0".repeat(64);
    });
    const r = verify(file);
    assert.equal(r.status, 0, "provenance alone does not fail a notebook whose outputs agree");
    const facts = stored.metadata.gradlab.provenance;
    assert.match(r.stdout, new RegExp(`^  threads: ${facts.threads + 6} stored, ${facts.threads} now$`, "m"));
    assert.match(r.stdout, new RegExp(`^  dataset ${path.basename(facts.datasets[0].file).replace(/\./g, "\\.")}: sha256 0{64} stored, ${facts.datasets[0].sha256} now$`, "m"));
  });

  describe("bad input", () => {
    const write = (name: string, content: string) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(file, content);
      return file;
    };
    const cell = (outputs: unknown) => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: "code", source: "1", metadata: {}, execution_count: 1, outputs }] });

    it("a file that is missing, not JSON, or not an nbformat 4 notebook", () => {
      assertUsageError(verify(path.join(tmp, "nowhere.ipynb")), /cannot read .*nowhere\.ipynb: no such file/);
      assertUsageError(verify(tmp), /cannot read .*: it is a folder/);
      assertUsageError(verify(write("half.ipynb", '{"cells": [')), /half\.ipynb is not a notebook \(.*JSON/);
      assertUsageError(verify(write("v3.ipynb", JSON.stringify({ nbformat: 3, worksheets: [] }))), /v3\.ipynb is not an nbformat 4 notebook/);
      assertUsageError(verify(write("list.ipynb", "[1, 2]")), /list\.ipynb is not an nbformat 4 notebook/);
      assertUsageError(verify(write("null.ipynb", "null")), /null\.ipynb is not an nbformat 4 notebook/);
    });

    it("cells and outputs of the wrong shape", () => {
      assertUsageError(verify(write("outputs.ipynb", JSON.stringify(cell("none")))), /code cell 1's outputs are not a list/);
      assertUsageError(verify(write("typeless.ipynb", JSON.stringify(cell([{ text: "x" }])))), /code cell 1's output 1 has no output_type/);
      assertUsageError(verify(write("data.ipynb", JSON.stringify(cell([{ output_type: "display_data", data: "x" }])))), /code cell 1's output 1 has no data object/);
      assertUsageError(verify(write("source.ipynb", JSON.stringify({ ...cell([]), cells: [{ cell_type: "code", source: { code: 1 }, outputs: [] }] }))), /cell 1's source is not text/);
    });

    it("a notebook never run, and bad options", () => {
      assertUsageError(verify(TOUR), /holds no outputs to compare with: save a run first \(gradlab run/);
      assertUsageError(verify(), /which notebook\?/);
      assertUsageError(verify(saved, "--rtol", "-1"), /--rtol must be a number ≥ 0, got "-1"/);
      assertUsageError(verify(saved, "--atol", "a lot"), /--atol must be a number ≥ 0, got "a lot"/);
      assertUsageError(verify(saved, "--rtol"), /--rtol needs a value/);
      assertUsageError(verify(saved, "--bitwise"), /unknown option --bitwise/);
      assertUsageError(verify(saved, saved), /one notebook at a time, got 2/);
    });

    it("a hostile notebook: one that ends the process fails; deep and odd payloads are compared without a crash", () => {
      const exits = verify(write("exits.ipynb", JSON.stringify({ ...cell([{ output_type: "stream", name: "stdout", text: "x\n" }]),
        cells: [{ cell_type: "code", source: "process.exit(0)", metadata: {}, execution_count: 1, outputs: [{ output_type: "stream", name: "stdout", text: "x\n" }] }] })));
      assert.equal(exits.status, 1, exits.stdout + exits.stderr);
      assert.match(exits.stderr, /gradlab verify: the notebook ended the process before its outputs could be compared/);
      const deep = "[".repeat(5000) + "1" + "]".repeat(5000);
      const odd = `{"nbformat": 4, "nbformat_minor": 5, "metadata": {"gradlab": {"provenance": [1]}}, "cells": [{"cell_type": "code", "metadata": {}, "execution_count": 1, "source": "1",
        "outputs": [{"output_type": "execute_result", "execution_count": 1, "metadata": {"gradlab": 5}, "data": {"application/vnd.gradlab.tensor+json": {"__proto__": {"x": 1}, "deep": ${deep}}, "text/plain": "1"}}]}]}`;
      const r = verify(write("odd.ipynb", odd));
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^  cell 1, output: application\/vnd\.gradlab\.tensor\+json present stored, missing now$/m);
      assert.match(r.stdout, /the stored notebook records no provenance/);
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    });
  });
});
