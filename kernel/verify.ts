// `gradlab verify NOTEBOOK`: runs a saved notebook again, headless (gradlab run's
// machinery), and compares every output with the stored one (compare_outputs.ts), and the
// provenance facts of the two runs. Exit status 0 when every output agrees, 1 when one
// differs, 2 when the command was used wrongly (a bad option, a file that is no notebook).
import * as fs from "node:fs";
import * as path from "node:path";
import { readNotebook, runNotebook, notebookDir, type RunOptions } from "./run";
import { setDeterministic } from "../core";
import { compareNotebooks, type CellReport, type Tolerance } from "./compare_outputs";
import { notebookProvenance } from "./notebook_provenance";

export const VERIFY_USAGE = "gradlab verify NOTEBOOK [--rtol R] [--atol A] [--timeout S]";

/** A mistake in how verify was called (exit status 2), as opposed to outputs that differ (1). */
export class UsageError extends Error {}

export interface VerifyOptions {
  rtol: number;
  atol: number;
  timeout?: number;
  onCell?: RunOptions["onCell"];
}

export interface VerifyResult {
  cells: CellReport[];
  /** The provenance facts that differ between the stored run and this one, in words. */
  provenance: string[];
  tolerance: Tolerance;
  ok: boolean;
}

/** A non-negative number from an option, or a UsageError naming it. */
export function toleranceOption(value: string | true | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number ≥ 0, got ${value === true ? "nothing" : JSON.stringify(value)}`);
  return n;
}

const shown = (v: unknown) => (v === undefined ? "absent" : v === null ? "none" : typeof v === "object" ? JSON.stringify(v) : String(v));

/** Which facts differ between two runs' provenance. Datasets are matched by file name: the same data may live in another folder. */
export function provenanceDifferences(stored: Record<string, unknown> | null, now: Record<string, unknown> | null): string[] {
  if (!stored) return ["the stored notebook records no provenance: nothing to compare it with"];
  if (!now) return ["this run recorded no provenance"];
  const lines: string[] = [];
  for (const key of new Set([...Object.keys(stored), ...Object.keys(now)])) {
    if (key === "datasets") continue;
    if (JSON.stringify(stored[key]) !== JSON.stringify(now[key])) lines.push(`${key}: ${shown(stored[key])} stored, ${shown(now[key])} now`);
  }
  const byName = (v: unknown) => new Map((Array.isArray(v) ? v : [])
    .filter((d) => d && typeof d === "object")
    .map((d: any) => [path.basename(String(d.file)), String(d.sha256)] as [string, string]));
  const a = byName(stored.datasets), b = byName(now.datasets);
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    if (!b.has(name)) lines.push(`dataset ${name}: read by the stored run, not by this one`);
    else if (!a.has(name)) lines.push(`dataset ${name}: read by this run, not by the stored one`);
    else if (a.get(name) !== b.get(name)) lines.push(`dataset ${name}: sha256 ${a.get(name)} stored, ${b.get(name)} now`);
  }
  return lines;
}

/**
 * Runs the notebook in file again (in its own folder, as Jupyter would) and compares.
 * Numbers are compared bit for bit, and the notebook re-run in deterministic mode, when
 * the stored run was in that mode.
 */
export async function verifyNotebook(file: string, opts: VerifyOptions): Promise<VerifyResult> {
  let stored: any;
  try {
    stored = readNotebook(file, "gradlab verify");
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^gradlab verify: /, ""));
  }
  const ran = (stored.cells as any[]).some((c) => c.cell_type === "code" && ((c.outputs ?? []).length > 0 || c.execution_count != null));
  if (!ran) throw new UsageError(`${file} holds no outputs to compare with: save a run first (gradlab run ${file} --out RUN.ipynb, then gradlab verify RUN.ipynb)`);
  const storedFacts = notebookProvenance(stored);
  const tolerance: Tolerance = { rtol: opts.rtol, atol: opts.atol, bitwise: storedFacts?.deterministic === true };
  // runNotebook fills in the outputs of what it is given: a copy, the stored outputs left out.
  const fresh = { ...stored, metadata: { ...stored.metadata }, cells: stored.cells.map((c: any) => (c.cell_type === "code" ? { ...c, outputs: [] } : c)) };
  const cwd = process.cwd();
  process.chdir(notebookDir(file));
  // A run made in deterministic mode is re-run in it: its bits are what is compared.
  const wasDeterministic = tolerance.bitwise ? setDeterministic(true) : null;
  let again: any;
  try {
    again = (await runNotebook(fresh, process.cwd(), { timeout: opts.timeout, allowErrors: true, onCell: opts.onCell })).notebook;
  } finally {
    process.chdir(cwd);
    if (wasDeterministic !== null) setDeterministic(wasDeterministic);
  }
  // As they would be saved: members that are undefined drop out.
  for (const c of again.cells) if (c.cell_type === "code") c.outputs = JSON.parse(JSON.stringify(c.outputs));
  const cells = compareNotebooks(stored, again, tolerance);
  return { cells, provenance: provenanceDifferences(storedFacts, notebookProvenance(again)), tolerance, ok: cells.every((c) => c.differences.length === 0) };
}

const fmt = (x: number) => (x !== 0 && x < 1e-3 ? x.toExponential() : String(x));

/** The report: a line per code cell (with its differences beneath), the provenance that changed, a summary. */
export function formatVerify(file: string, r: VerifyResult): string {
  const w = String(r.cells.length).length;
  const lines: string[] = [];
  for (const c of r.cells) {
    const head = `cell ${String(c.cell).padStart(w)}`;
    const notes = c.notes.length ? `; ${c.notes.join("; ")}` : "";
    if (c.differences.length === 0) lines.push(`${head}  ok       ${c.compared === 0 ? "no outputs" : `${c.compared} output${c.compared > 1 ? "s" : ""} match`}${notes}`);
    else {
      lines.push(`${head}  DIFFERS${notes}`);
      for (const d of c.differences) lines.push(`  cell ${c.cell}, ${d}`);
    }
  }
  if (r.provenance.length) {
    lines.push("provenance that differs between the stored run and this one:");
    for (const p of r.provenance) lines.push(`  ${p}`);
  } else lines.push("provenance: the same facts as the stored run");
  const differing = r.cells.filter((c) => c.differences.length > 0).length;
  const how = r.tolerance.bitwise ? "numbers compared bit for bit: the stored run was in deterministic mode" : `numbers within rtol ${fmt(r.tolerance.rtol)}, atol ${fmt(r.tolerance.atol)}`;
  lines.push(`gradlab verify: ${file}: ${r.cells.length} code cells, ${r.cells.length - differing} match, ${differing} differ (${how})`);
  return lines.join("\n") + "\n";
}

/**
 * A notebook may end the process itself (process.exit in a cell): that must not pass for
 * a verified notebook. Until `done()` is called, an exit becomes a failure, said on stderr.
 */
export function guardExit(): { done(): void } {
  let finished = false;
  const onExit = () => {
    if (finished) return;
    fs.writeSync(2, "gradlab verify: the notebook ended the process before its outputs could be compared\n");
    process.exitCode = 1;
  };
  process.on("exit", onExit);
  return { done: () => { finished = true; process.off("exit", onExit); } };
}
