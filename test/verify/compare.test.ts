// How gradlab verify compares two runs' outputs, rule by rule, on small notebooks made
// here: numbers agree within tolerance and the precision they are printed with, words
// exactly; deterministic runs bit for bit; figures by their payload, not their pixels;
// progress displays, time readings and provenance-only outputs are not compared.
import { strict as assert } from "node:assert";
import { compareNotebooks, type Tolerance } from "../../kernel/compare_outputs";
import { PROVENANCE_MIME } from "../../kernel/notebook_provenance";

const TOL: Tolerance = { rtol: 1e-5, atol: 1e-8, bitwise: false };
const nb = (...cells: unknown[][]) => ({ cells: cells.map((outputs) => ({ cell_type: "code", source: "", outputs })) });
const out = (text: string, name = "stdout") => ({ output_type: "stream", name, text });
const rich = (data: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({ output_type: "display_data", data, metadata });

/** The differences told for one cell of stored vs now. */
function differences(stored: unknown[], now: unknown[], tol = TOL): string[] {
  return compareNotebooks(nb(stored), nb(now), tol)[0].differences;
}

describe("gradlab verify's comparison", () => {
  it("numbers in text: within the precision they are printed with, else both values and how far apart", () => {
    assert.deepEqual(differences([out("loss 0.8412\n")], [out("loss 0.8413\n")]), [], "one unit in the last printed digit is rounding");
    assert.deepEqual(differences([out("loss 0.8412\n")], [out("loss 0.8398\n")]), ["stdout: 0.8412 stored, 0.8398 now (rel 1.7e-3)"]);
    assert.deepEqual(differences([out("60 epochs\n")], [out("61 epochs\n")]), ["stdout: 60 stored, 61 now (rel 1.6e-2)"], "every digit of an integer counts");
    assert.deepEqual(differences([out("a 1.0000001\nb 2\n")], [out("a 1.0000002\nb 2\n")]), [], "within rtol");
    assert.deepEqual(differences([out("x\ny 3.5\n")], [out("x\ny 4.5\n")]), ["stdout line 2: 3.5 stored, 4.5 now (rel 2.2e-1)"]);
  });

  it("words must match exactly", () => {
    assert.deepEqual(differences([out("accuracy 0.91\n")], [out("precision 0.91\n")]), ['stdout: "accuracy 0.91" stored, "precision 0.91" now']);
  });

  it("bit for bit when the stored run was deterministic", () => {
    const bitwise = { ...TOL, bitwise: true };
    assert.deepEqual(differences([out("loss 0.8412\n")], [out("loss 0.8413\n")], bitwise), ["stdout: 0.8412 stored, 0.8413 now (rel 1.2e-4)"]);
    const payload = (v: number) => [rich({ "application/vnd.gradlab.tensor+json": { mean: v } })];
    assert.deepEqual(differences(payload(0.1), payload(0.1 * (1 + 1e-12))), []);
    // A payload's numbers are written exactly, not rounded for print: 3.5 and 3.6 differ.
    assert.deepEqual(differences(payload(3.5), payload(3.6)), ["output tensor payload.mean: 3.5 stored, 3.6 now (rel 2.8e-2)"]);
    assert.equal(differences(payload(0.1), payload(0.1 * (1 + 1e-12)), bitwise).length, 1);
  });

  it("figures by their payload: a different picture of the same data matches; different data does not", () => {
    const fig = (y: number[], svg: string) => rich({ "application/vnd.gradlab.chart+json": { series: [{ y }] }, "image/svg+xml": svg, "text/plain": "line" });
    assert.deepEqual(differences([fig([1, 2.5], "<svg a/>")], [fig([1, 2.5], "<svg b/>")]), []);
    assert.deepEqual(differences([fig([1, 2.5], "<svg/>")], [fig([1, 2.75], "<svg/>")]), ["output chart payload.series[0].y[1]: 2.5 stored, 2.75 now (rel 9.1e-2)"]);
    assert.deepEqual(differences([fig([1, 2], "<svg/>")], [fig([1, 2, 3], "<svg/>")]), ["output chart payload.series[0].y: 2 values stored, 3 now"]);
    // Without a payload, an image has nothing else to be compared by.
    assert.deepEqual(differences([rich({ "image/png": "iVBOR1" })], [rich({ "image/png": "iVBOR2" })]), ["output image/png: the image differs (it has no gradlab payload to compare by)"]);
  });

  it("skips progress displays (marked volatile), time readings, provenance-only outputs and how clients split streams", () => {
    const progress = rich({ "text/plain": "epoch 1/1 ████ 3.2 s" }, { gradlab: { volatile: true } });
    const facts = rich({ [PROVENANCE_MIME]: { seeds: [1] } }, { gradlab: { provenance: { seeds: [1] } } });
    const [report] = compareNotebooks(
      nb([progress, out("trained in 3.2 s, 12 ms/step\n"), out("done\n"), facts]),
      nb([out("trained in 0.9 s, 4 ms/step\ndone\n")]), TOL);
    assert.deepEqual(report.differences, []);
    assert.equal(report.compared, 1);
    assert.deepEqual(report.notes, ["1 volatile output skipped (progress, with times)", "time readings in the text skipped"]);
  });

  it("outputs missing or of another kind, and errors, are told", () => {
    assert.deepEqual(differences([out("a\n"), rich({ "text/plain": "1" })], [out("a\n")]), ["2 outputs stored, 1 now", "a display stored, missing now"]);
    assert.deepEqual(differences([out("a\n")], [out("a\n", "stderr")]), ["output: stdout text stored, stderr text now"]);
    assert.deepEqual(differences([{ output_type: "error", ename: "ValueError", evalue: "lr 0.5 too large" }], [{ output_type: "error", ename: "ValueError", evalue: "lr 5 too large" }]),
      ["error: 0.5 stored, 5 now (rel 9.0e-1)"]);
  });

  it("tells at most five differences of a cell, and counts the rest", () => {
    const many = (d: number) => [out(Array.from({ length: 8 }, (_, i) => `v ${i + d}\n`).join(""))];
    const told = differences(many(0), many(10));
    assert.equal(told.length, 6);
    assert.equal(told[5], "… and 3 more differences");
  });
});
