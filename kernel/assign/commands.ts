// The assignment subcommands of the gradlab CLI: assign, grade, validate.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNotebook, writeNotebook, meta, kindOf, sourceOf } from "./notebook";
import { release, assignmentName } from "./author";
import { gradeAll, checkKey, type StudentGrade } from "./grade";
import { ProcessRunner, type RunLimits } from "./runner";
import { writeReports } from "./report";

export const ASSIGN_USAGE = `  gradlab assign SOURCE.ipynb --out RELEASE_DIR [--key KEY.json]   student version + private key
  gradlab grade --source SOURCE.ipynb [--key KEY.json] SUBMISSION.ipynb… --out GRADES_DIR
        [--timeout S (per cell, 30)] [--total-timeout S] [--memory MiB (2048)] [--parallel N (cores)]
  gradlab validate NOTEBOOK.ipynb [--timeout S]                     run the visible tests before submitting`;

type Opts = Record<string, string | true>;

const str = (opts: Opts, k: string) => (typeof opts[k] === "string" ? (opts[k] as string) : undefined);

function num(opts: Opts, k: string, dflt: number): number {
  const v = str(opts, k);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`${k} must be a positive number, got ${v}`);
  return n;
}

/** The key lives beside the source (never in the release folder, which goes to students). */
export function defaultKey(source: string): string {
  return path.join(path.dirname(path.resolve(source)), `${path.basename(source, ".ipynb")}.key.json`);
}

export function assign(rest: string[], opts: Opts): number {
  const src = rest[0];
  const out = str(opts, "--out");
  if (!src || !out) throw new Error("usage: gradlab assign SOURCE.ipynb --out RELEASE_DIR");
  const name = assignmentName(src);
  const { notebook, key } = release(readNotebook(src, "source"), name);
  const keyFile = str(opts, "--key") ?? defaultKey(src);
  if (path.resolve(path.dirname(keyFile)).startsWith(path.resolve(out))) throw new Error(`the key must not go into the release folder ${out} (students would get it)`);
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `${name}.ipynb`);
  writeNotebook(file, notebook);
  fs.writeFileSync(keyFile, JSON.stringify(key, null, 1) + "\n", { mode: 0o600 });
  const tests = key.cells.filter((c) => c.kind === "test");
  console.log(`gradlab assign: ${file} (${tests.length} test cells, ${key.total_points} points); key ${keyFile} (keep it private)`);
  return 0;
}

function limits(opts: Opts, cells: number): RunLimits {
  const cellTimeout = num(opts, "--timeout", 30);
  return { cellTimeout, totalTimeout: num(opts, "--total-timeout", cellTimeout * cells + 60), memoryMB: num(opts, "--memory", 2048) };
}

export async function grade(rest: string[], opts: Opts): Promise<number> {
  const src = str(opts, "--source"), out = str(opts, "--out");
  if (!src || !out || rest.length === 0) throw new Error("usage: gradlab grade --source SOURCE.ipynb SUBMISSION.ipynb… --out GRADES_DIR");
  const source = readNotebook(src, "source");
  const keyFile = str(opts, "--key") ?? defaultKey(src);
  if (!fs.existsSync(keyFile)) throw new Error(`no key at ${keyFile}: run gradlab assign ${src} --out RELEASE_DIR first, or pass --key`);
  const key = checkKey(JSON.parse(fs.readFileSync(keyFile, "utf8")), keyFile);
  const runner = new ProcessRunner(path.join(__dirname, "..", "cli.js"));
  const lim = limits(opts, source.cells.filter((c) => c.cell_type === "code").length);
  const parallel = Math.floor(num(opts, "--parallel", os.cpus().length));
  const t0 = Date.now();
  const grades = await gradeAll(source, key, rest, { limits: lim, parallel, runner }, (g: StudentGrade) =>
    console.log(`${g.student}: ${g.score} / ${g.max_score}${g.tampering.length ? ` (tampered: ${g.tampering.map((t) => `${t.grade_id} ${t.what}`).join(", ")})` : ""} [${g.seconds.toFixed(1)} s, peak ${g.peak_rss_mb} MiB]`));
  writeReports(out, key.assignment, grades);
  const wall = (Date.now() - t0) / 1000;
  console.log(`gradlab grade: ${grades.length} submissions in ${wall.toFixed(1)} s (${(wall / grades.length).toFixed(1)} s each, ${parallel} at a time); ${path.join(out, "grades.csv")}`);
  return 0;
}

export async function validate(rest: string[], opts: Opts): Promise<number> {
  const file = rest[0];
  if (!file) throw new Error("usage: gradlab validate NOTEBOOK.ipynb");
  const nb = readNotebook(file);
  const runner = new ProcessRunner(path.join(__dirname, "..", "cli.js"));
  const r = await runner.run(nb, limits(opts, nb.cells.length));
  if (!r.notebook) {
    console.log(`gradlab validate: ${file}: ${r.detail}`);
    return 1;
  }
  let failed = 0, total = 0;
  for (const cell of r.notebook.cells) {
    if (kindOf(cell) !== "test") continue;
    if (!sourceOf(cell).trim()) {
      console.log(`hidden ${meta(cell)!.grade_id} (${meta(cell)!.points ?? 0} points): runs at grading`);
      continue;
    }
    total++;
    const err = cell.outputs?.find((o: any) => o.output_type === "error");
    const id = meta(cell)!.grade_id;
    if (err) failed++;
    console.log(`${err ? "FAIL" : "ok  "} ${id} (${meta(cell)!.points ?? 0} points)${err ? `: ${err.ename}: ${err.evalue}` : ""}`);
  }
  console.log(`gradlab validate: ${total - failed} of ${total} visible tests pass${failed ? "" : " (hidden tests run at grading)"}`);
  return failed ? 1 : 0;
}

/** Dispatches the assignment subcommands; undefined for any other command. */
export function assignCommand(cmd: string | undefined, rest: string[], opts: Opts): Promise<number> | undefined {
  switch (cmd) {
    case "assign": return Promise.resolve(assign(rest, opts));
    case "grade": return grade(rest, opts);
    case "validate": return validate(rest, opts);
    default: return undefined;
  }
}
