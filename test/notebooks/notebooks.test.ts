// The course notebooks (notebooks/NN-*.ipynb), each run top to bottom through Jupyter's
// own client on the installed gradlab kernel, at the CI size (GRADLAB_CI=1):
//  (a) the committed file is clean: no outputs, null execution counts, kernelspec gradlab;
//  (b) nbclient (jupyter nbconvert --execute) runs it with no error output;
//  (c) nbconvert's HTML of the executed notebook shows a static fallback (<svg or a PNG
//      <img>) for every display that carried a gradlab mime type;
//  (d) it is reproducible: `gradlab run` executes it again and the text outputs (streams
//      and text/plain) are identical to nbclient's.
// New notebooks are found automatically. GRADLAB_NOTEBOOKS=02,03 runs only those numbers.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..", "..");
const CLI = path.join(ROOT, "dist", "kernel", "cli.js");
const PY = "/usr/bin/python3";
const NB_DIR = path.join(ROOT, "notebooks");
/** Seconds one notebook may take, per run (nbclient, then gradlab run). */
const LIMIT_S = Number(process.env.GRADLAB_NOTEBOOK_LIMIT_S ?? 300);

const join = (v: unknown): string => (Array.isArray(v) ? v.join("") : v === undefined || v === null ? "" : String(v));
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
const GRADLAB_MIME = /^application\/vnd\.gradlab\./;

function hasJupyter(): string | null {
  const r = spawnSync(PY, ["-c", "import jupyter_client, nbclient, nbconvert"], { encoding: "utf8" });
  return r.status === 0 ? null : "Jupyter is not installed (Debian's jupyter-client, python3-nbclient and jupyter-nbconvert; npm test installs them as root)";
}

function notebooks(): string[] {
  if (!fs.existsSync(NB_DIR)) return [];
  const only = (process.env.GRADLAB_NOTEBOOKS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return fs.readdirSync(NB_DIR)
    .filter((f) => /^[0-9][0-9]-.*\.ipynb$/.test(f))
    .filter((f) => only.length === 0 || only.some((n) => f.startsWith(n.padStart(2, "0") + "-")))
    .sort();
}

const codeCells = (nb: any): any[] => nb.cells.filter((c: any) => c.cell_type === "code");

/** The first error output of an executed notebook, told with its cell's source and traceback. */
function firstError(nb: any): string | null {
  const cells = codeCells(nb);
  for (let i = 0; i < cells.length; i++) {
    const err = (cells[i].outputs ?? []).find((o: any) => o.output_type === "error");
    if (!err) continue;
    const tb = plain((err.traceback ?? []).join("\n"));
    return `code cell ${i + 1} failed: ${err.ename}: ${plain(String(err.evalue))}\n--- source ---\n${join(cells[i].source)}\n--- traceback ---\n${tb}`;
  }
  return null;
}

/**
 * Per code cell, its text outputs in order: streams (adjacent ones of the same name merged,
 * as clients differ in how they split them) and the text/plain of results and displays.
 */
function textOutputs(nb: any): string[][] {
  return codeCells(nb).map((c: any) => {
    const items: string[] = [];
    let lastStream: string | null = null;
    for (const o of c.outputs ?? []) {
      if (o.output_type === "stream") {
        if (lastStream === o.name) items[items.length - 1] += join(o.text);
        else items.push(`${o.name}: ` + join(o.text));
        lastStream = o.name;
        continue;
      }
      lastStream = null;
      if (o.output_type === "execute_result" || o.output_type === "display_data") items.push("text/plain: " + join(o.data?.["text/plain"]));
      else if (o.output_type === "error") items.push(`error: ${o.ename}: ${plain(String(o.evalue))}`);
    }
    return items;
  });
}

/** The fallbacks nbconvert should show, one per output with a gradlab mime type. */
type GradlabDisplay = { cell: number; mime: string; svg?: string; png?: string; valueText?: string };

function gradlabDisplays(nb: any): GradlabDisplay[] {
  const found: GradlabDisplay[] = [];
  codeCells(nb).forEach((c: any, i: number) => {
    for (const o of c.outputs ?? []) {
      const mime = Object.keys(o.data ?? {}).find((k) => GRADLAB_MIME.test(k));
      if (!mime) continue;
      // A tensor that is a cell's value falls back to its printed text, as in a console
      // (core/rich.ts), not to a picture.
      const valueText = o.output_type === "execute_result" && mime === "application/vnd.gradlab.tensor+json" ? join(o.data["text/plain"]) : undefined;
      found.push({ cell: i + 1, mime, svg: o.data["image/svg+xml"] && join(o.data["image/svg+xml"]), png: o.data["image/png"] && join(o.data["image/png"]).replace(/\s/g, ""), valueText });
    }
  });
  return found;
}

/**
 * Whether the page shows this SVG whole: as an <img> data URI (what the kernel adds as
 * text/html, and what nbconvert 7 writes), or inline with its drawing intact (nbconvert 6
 * inlines SVG through lxml's clean_html, which leaves an empty <svg> with only its text).
 */
function showsSvg(page: string, svg: string): boolean {
  if (page.includes(`data:image/svg+xml;base64,${Buffer.from(svg).toString("base64").slice(0, 400)}`)) return true;
  const vb = /viewBox="([^"]+)"/.exec(svg);
  if (!vb) return false;
  const at = page.indexOf(`viewBox="${vb[1]}"`);
  return at >= 0 && /^[^>]*>\s*<(rect|g|path|line|polyline|text|image)\b/.test(page.slice(at));
}

describe("the course notebooks", function () {
  const files = notebooks();
  let why: string | null = null;
  let tmp = "";
  let env: NodeJS.ProcessEnv = {};

  before(function () {
    this.timeout(60_000);
    why = hasJupyter();
    if (why) return;
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-notebooks-"));
    const inst = spawnSync(process.execPath, [CLI, "install", "--prefix", tmp], { encoding: "utf8" });
    assert.equal(inst.status, 0, inst.stderr);
    env = {
      ...process.env, GRADLAB_CI: "1",
      JUPYTER_PATH: path.join(tmp, "share", "jupyter"), JUPYTER_DATA_DIR: path.join(tmp, "data"), JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    };
  });

  after(() => { if (tmp) fs.rmSync(tmp, { recursive: true, force: true }); });

  it("finds the notebooks", () => {
    assert.ok(files.length > 0 || process.env.GRADLAB_NOTEBOOKS, `no notebooks/NN-*.ipynb under ${NB_DIR}`);
  });

  for (const file of files) {
    const name = file.replace(/\.ipynb$/, "");
    const src = path.join(NB_DIR, file);

    describe(name, function () {
      this.timeout((2 * LIMIT_S + 60) * 1000);
      let executed: any = null;
      let executedPath = "";

      it("is saved clean: no outputs, no execution counts, the gradlab kernelspec", () => {
        const nb = JSON.parse(fs.readFileSync(src, "utf8"));
        assert.equal(nb.nbformat, 4);
        const ks = nb.metadata?.kernelspec ?? {};
        assert.equal(ks.name, "gradlab", "metadata.kernelspec.name");
        assert.equal(ks.display_name, "TypeScript (gradlab)", "metadata.kernelspec.display_name");
        assert.equal(ks.language, "typescript", "metadata.kernelspec.language");
        assert.equal(nb.metadata?.language_info?.name, "typescript", "metadata.language_info.name");
        codeCells(nb).forEach((c: any, i: number) => {
          assert.equal(c.execution_count, null, `code cell ${i + 1} has an execution count (run node scripts/clean-notebooks.js)`);
          assert.deepEqual(c.outputs, [], `code cell ${i + 1} has outputs (run node scripts/clean-notebooks.js)`);
        });
        const first = codeCells(nb)[0];
        assert.ok(first && /const CI = process\.env\.GRADLAB_CI === "1"/.test(join(first.source)),
          'the first code cell sets const CI = process.env.GRADLAB_CI === "1"');
      });

      it("runs top to bottom through nbclient on the installed kernel, with no error", function () {
        if (why) { console.log(`      (skipped: ${why})`); this.skip(); }
        executedPath = path.join(tmp, `${name}.nbclient.ipynb`);
        const t0 = Date.now();
        const r = spawnSync(PY, ["-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
          "--ExecutePreprocessor.kernel_name=gradlab", `--ExecutePreprocessor.timeout=${LIMIT_S}`,
          src, "--output", executedPath], { encoding: "utf8", env, cwd: NB_DIR, timeout: LIMIT_S * 1000 });
        const secs = (Date.now() - t0) / 1000;
        console.log(`      ${name}: nbclient ran it in ${secs.toFixed(1)} s`);
        assert.notEqual(r.signal, "SIGTERM", `${name} ran past ${LIMIT_S} s`);
        assert.equal(r.status, 0, `nbconvert --execute failed:\n${r.stderr.slice(-4000)}`);
        const nb = JSON.parse(fs.readFileSync(executedPath, "utf8"));
        const err = firstError(nb);
        if (err) assert.fail(err);
        assert.ok(codeCells(nb).every((c: any) => c.execution_count !== null), "every code cell ran");
        executed = nb; // the checks below look at this run
      });

      it("nbconvert's HTML shows a static fallback for every gradlab display", function () {
        if (!executed) this.skip();
        const html = path.join(tmp, `${name}.html`);
        const r = spawnSync(PY, ["-m", "nbconvert", "--to", "html", executedPath, "--output", html], { encoding: "utf8", env, timeout: 120_000 });
        assert.equal(r.status, 0, r.stderr);
        const page = fs.readFileSync(html, "utf8");
        const shown = gradlabDisplays(executed);
        for (const d of shown) {
          if (d.png) {
            assert.ok(page.includes(`data:image/png;base64,${d.png.slice(0, 200)}`), `cell ${d.cell}: the ${d.mime} display's PNG fallback is not in the HTML`);
          } else if (d.svg) {
            assert.ok(showsSvg(page, d.svg), `cell ${d.cell}: the ${d.mime} display's SVG fallback is not in the HTML whole`);
          } else if (d.valueText) {
            const firstLine = d.valueText.split("\n")[0].replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
            assert.ok(page.includes(firstLine), `cell ${d.cell}: the tensor value's text is not in the HTML`);
          } else {
            assert.fail(`cell ${d.cell}: the ${d.mime} display has no image/svg+xml or image/png fallback`);
          }
        }
        console.log(`      ${name}: ${shown.length} gradlab displays, all with a static fallback in the HTML (a tensor value: its text)`);
      });

      it("is reproducible: gradlab run gives the same text outputs as nbclient", function () {
        if (!executed) this.skip();
        const out = path.join(tmp, `${name}.run.ipynb`);
        const t0 = Date.now();
        const r = spawnSync(process.execPath, [CLI, "run", src, "--out", out, "--timeout", String(LIMIT_S)],
          { encoding: "utf8", env, cwd: NB_DIR, timeout: LIMIT_S * 1000 });
        console.log(`      ${name}: gradlab run ran it in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        assert.equal(r.status, 0, `gradlab run failed:\n${r.stderr.slice(-4000)}`);
        const again = JSON.parse(fs.readFileSync(out, "utf8"));
        const a = textOutputs(executed), b = textOutputs(again);
        assert.equal(b.length, a.length);
        const cells = codeCells(executed);
        for (let i = 0; i < a.length; i++) {
          if (JSON.stringify(b[i]) !== JSON.stringify(a[i])) assert.fail(`code cell ${i + 1}'s text outputs differ between nbclient and gradlab run ` +
            `(wall-clock times or an unseeded random draw?)\n--- source ---\n${join(cells[i].source)}` +
            `\n--- nbclient ---\n${a[i].join("\n")}\n--- gradlab run ---\n${b[i].join("\n")}`);
        }
      });
    });
  }
});
