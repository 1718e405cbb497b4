// The assignment subcommands of the gradlab CLI: assign, grade, validate.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readNotebook, writeNotebook, meta, kindOf, sourceOf } from "./notebook";
import { release, assignmentName } from "./author";
import { gradeAll, checkKey, type StudentGrade, type GradeEvents } from "./grade";
import { classSummary } from "./summary";
import { StatusLine, seconds } from "../status_line";
import { ProcessRunner, type RunLimits } from "./runner";
import { writeReports } from "./report";
import { DEFAULT_LIMITS, sandboxProblem, visiblePaths, passedSettings, type Limits } from "./sandbox";
import { sourceDigest } from "./author";
import type { Notebook } from "./notebook";

export const ASSIGN_USAGE = `  gradlab assign SOURCE.ipynb --out RELEASE_DIR [--key KEY.json]   student version + private key
  gradlab grade --source SOURCE.ipynb [--key KEY.json] SUBMISSION.ipynb… --out GRADES_DIR
        [--timeout S (per cell, 30)] [--total-timeout S] [--memory MiB (2048)] [--pids N (256)]
        [--parallel N (cores)] [--unsafe-no-sandbox]
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

const LIMIT_KEYS: (keyof Limits)[] = ["cellTimeout", "totalTimeout", "memoryMB", "pids", "fileMB", "outputCellBytes", "outputTotalBytes", "maxExtraCells", "maxRestarts"];

/** Defaults, then the source's metadata.gradlab.limits, then the command line. */
export function gradingLimits(source: Notebook, opts: Opts): Limits {
  const fromMeta = (source.metadata?.gradlab?.limits ?? {}) as Record<string, unknown>;
  const lim: Limits = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(fromMeta)) {
    if (!(LIMIT_KEYS as string[]).includes(k)) throw new Error(`the source's metadata.gradlab.limits has an unknown limit "${k}" (known: ${LIMIT_KEYS.join(", ")})`);
    if (!(typeof v === "number" && v > 0)) throw new Error(`the source's metadata.gradlab.limits.${k} must be a positive number, got ${JSON.stringify(v)}`);
    (lim as any)[k] = v;
  }
  lim.cellTimeout = num(opts, "--timeout", lim.cellTimeout);
  const cells = source.cells.filter((c) => c.cell_type === "code").length;
  lim.totalTimeout = num(opts, "--total-timeout", "totalTimeout" in fromMeta ? lim.totalTimeout : lim.cellTimeout * cells + 60);
  lim.memoryMB = num(opts, "--memory", lim.memoryMB);
  lim.pids = num(opts, "--pids", lim.pids);
  return lim;
}

/** Course files must be where no sandbox can see them. */
function checkOutOfReach(files: string[]): void {
  const seen = visiblePaths();
  for (const f of files) {
    const real = fs.realpathSync(f);
    const under = seen.find((v) => real === v || real.startsWith(v + path.sep));
    if (under) throw new Error(`${f} is under ${under}, which every sandbox sees read-only; keep sources and keys elsewhere`);
  }
}

/**
 * `gradlab grade`'s progress: a line per graded submission on stdout, numbered; on a
 * terminal, a status line below them with submissions done / total, the ones running,
 * the elapsed time and an ETA.
 */
function gradingProgress(total: number): GradeEvents & { close(): void } {
  const status = new StatusLine();
  const running = new Map<number, string>();
  const t0 = performance.now();
  let done = 0;
  const w = String(total).length;
  const draw = () => {
    const elapsed = (performance.now() - t0) / 1000;
    const eta = done > 0 && done < total ? `  ETA ${seconds((elapsed / done) * (total - done))}` : "";
    const names = [...running.values()];
    status.show(`grading  ${done}/${total} done  ${status.dim(seconds(elapsed) + eta)}  running: ${names.slice(0, 4).join(", ")}${names.length > 4 ? ` +${names.length - 4}` : ""}`);
  };
  const timer = status.tty ? setInterval(draw, 500) : null;
  timer?.unref();
  return {
    started(file, i) {
      running.set(i, path.basename(file, ".ipynb"));
      draw();
    },
    graded(g, i) {
      running.delete(i);
      done++;
      status.clear();
      console.log(`[${String(done).padStart(w)}/${total}] ${g.student}: ${g.score} / ${g.max_score}${g.tampering.length ? ` (tampered: ${g.tampering.map((t) => `${t.grade_id} ${t.what}`).join(", ")})` : ""} [${g.seconds.toFixed(1)} s, peak ${g.peak_rss_mb} MiB]`);
      if (running.size > 0) draw();
    },
    close() {
      if (timer) clearInterval(timer);
      status.clear();
    },
  };
}

export async function grade(rest: string[], opts: Opts): Promise<number> {
  const src = str(opts, "--source"), out = str(opts, "--out");
  if (!src || !out || rest.length === 0) throw new Error("usage: gradlab grade --source SOURCE.ipynb SUBMISSION.ipynb… --out GRADES_DIR");
  // A setting the sandboxes receive, refused by name before anything runs when its value is not one of its own.
  const settings = passedSettings();
  const unsafe = opts["--unsafe-no-sandbox"] === true;
  const problem = unsafe ? "--unsafe-no-sandbox was given" : sandboxProblem();
  if (problem && !unsafe) {
    throw new Error(`gradlab grade runs each submission in a sandbox, and cannot make one here: ${problem}. ` +
      "Without it a submission can read the hidden tests and the key, change other submissions' grades and the course files, and outlive the grader. " +
      "Pass --unsafe-no-sandbox to grade anyway (trusted submissions only)");
  }
  const source = readNotebook(src, "source");
  const keyFile = str(opts, "--key") ?? defaultKey(src);
  if (!fs.existsSync(keyFile)) throw new Error(`no key at ${keyFile}: run gradlab assign ${src} --out RELEASE_DIR first, or pass --key`);
  const key = checkKey(JSON.parse(fs.readFileSync(keyFile, "utf8")), keyFile);
  if (!key.source_sha256) throw new Error(`${keyFile} holds no checksum of its source (an older gradlab assign made it): run gradlab assign ${src} again`);
  if (key.source_sha256 !== sourceDigest(source)) {
    throw new Error(`${src} is not the source the key ${keyFile} was made from (its checksum differs): someone changed it after gradlab assign. Restore it, or run gradlab assign again and release the result`);
  }
  if (problem) console.error(`gradlab grade: WARNING: no sandbox (${problem}); submissions run as ${os.userInfo().username} and can reach everything that user can`);
  else checkOutOfReach([src, keyFile]);
  const lim = gradingLimits(source, opts);
  const parallel = Math.floor(num(opts, "--parallel", os.cpus().length));
  const t0 = Date.now();
  const progress = gradingProgress(rest.length);
  let grades: StudentGrade[];
  try {
    grades = await gradeAll(source, key, rest, { limits: lim, parallel, sandbox: !problem }, progress);
  } finally {
    progress.close();
  }
  writeReports(out, key.assignment, grades);
  const wall = (Date.now() - t0) / 1000;
  console.log(classSummary(grades));
  console.log(`gradlab grade: ${grades.length} submissions in ${wall.toFixed(1)} s (${(wall / grades.length).toFixed(1)} s each, ${parallel} at a time, ${problem ? "NOT sandboxed" : "each in a sandbox"}${settings.GRADLAB_CI === "1" ? ", at the CI size (GRADLAB_CI=1)" : ""}); ${path.join(out, "grades.csv")}`);
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
