// `gradlab run NOTEBOOK`: executes a notebook headless, in this process, with the
// kernel's own Session, and writes its outputs as a Jupyter client (nbclient) would:
// streams merged, display updates applied to the output with that display_id (so the
// saved notebook holds the final state once), errors as error outputs.
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { Session, type Sink } from "./session";
import type { Bundle } from "./display";
import { provenance } from "../core/provenance";

export interface RunOptions {
  timeout?: number;
  allowErrors?: boolean;
  /** Told when each code cell starts (1-based, of all code cells) and ends, with its time. */
  onCell?: { start(index: number, total: number, source: string): void; end(index: number, ok: boolean, seconds: number): void };
}
export interface RunResult { notebook: any; errors: number; cells: number }

type Output = Record<string, any>;

/** A watchdog thread: SIGINT to this process when a cell runs past its time (a timer on the main thread could not fire). */
function watchdog(): { arm(ms: number): void; disarm(): void; close(): Promise<number> } {
  const w = new Worker(
    `const { parentPort } = require("node:worker_threads"); let t = null;
     parentPort.on("message", (m) => { clearTimeout(t); if (m > 0) t = setTimeout(() => { parentPort.postMessage("fired"); process.kill(process.pid, "SIGINT"); }, m); });`,
    { eval: true });
  w.unref();
  return { arm: (ms) => w.postMessage(ms), disarm: () => w.postMessage(0), close: () => w.terminate() };
}

function source(cell: any): string {
  return Array.isArray(cell.source) ? cell.source.join("") : String(cell.source ?? "");
}

/** Splits text into notebook lines, as nbformat stores them. */
function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

function fromBundle(b: Bundle): { data: Record<string, unknown>; metadata: Record<string, unknown> } {
  const data: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b.data)) data[k] = typeof v === "string" && !/json$/.test(k) ? lines(v) : v;
  return { data, metadata: b.metadata };
}

export async function runNotebook(nb: any, cwd: string, opts: RunOptions = {}): Promise<RunResult> {
  const session = new Session(cwd);
  session.captureOutput();
  session.reportAsyncErrors();
  const onSigint = () => session.interrupt();
  process.on("SIGINT", onSigint);
  const dog = watchdog();
  let errors = 0, count = 0, cells = 0;
  const displays = new Map<string, Output[]>();
  try {
    await session.preload();
    session.trackProvenance();
    const total = (nb.cells ?? []).filter((c: any) => c.cell_type === "code").length;
    for (const cell of nb.cells ?? []) {
      if (cell.cell_type !== "code") continue;
      cells++;
      let outputs: Output[] = [];
      cell.outputs = outputs;
      // clearOutput({ wait: true }): the outputs go when the next one arrives.
      let clearPending = false;
      const clearNow = () => {
        clearPending = false;
        outputs = cell.outputs = [];
      };
      const before = () => { if (clearPending) clearNow(); };
      count++;
      const sink: Sink = {
        stream: (name, text) => {
          before();
          const last = outputs.at(-1);
          if (last?.output_type === "stream" && last.name === name) last.text = lines(last.text.join("") + text);
          else outputs.push({ output_type: "stream", name, text: lines(text) });
        },
        display: (b, id, update) => {
          const o = fromBundle(b);
          if (update) {
            for (const out of (id && displays.get(id)) || []) Object.assign(out, o);
            return;
          }
          before();
          const out: Output = { output_type: "display_data", ...o };
          outputs.push(out);
          if (id) displays.set(id, [...(displays.get(id) ?? []), out]);
        },
        result: (b) => (before(), outputs.push({ output_type: "execute_result", execution_count: count, ...fromBundle(b) })),
        error: (e) => {
          before();
          errors++;
          outputs.push({ output_type: "error", ...e });
        },
        clear: (wait) => {
          if (wait) clearPending = true;
          else clearNow();
        },
      };
      if (opts.timeout) dog.arm(opts.timeout * 1000);
      opts.onCell?.start(cells, total, source(cell));
      const started = performance.now();
      const r = await session.execute(source(cell), sink, `cell[${count}]`);
      opts.onCell?.end(cells, r.status !== "error", (performance.now() - started) / 1000);
      dog.disarm();
      cell.execution_count = count;
      if (r.status === "error") {
        errors++;
        outputs.push({ output_type: "error", ename: r.ename, evalue: r.evalue, traceback: r.traceback });
        if (!opts.allowErrors) break;
      }
    }
    // What produced these outputs, as the notebook's own metadata (a kernel cannot write it; this runner can).
    const meta = nb.metadata && typeof nb.metadata === "object" && !Array.isArray(nb.metadata) ? nb.metadata : (nb.metadata = {});
    const own = meta.gradlab && typeof meta.gradlab === "object" && !Array.isArray(meta.gradlab) ? meta.gradlab : {};
    meta.gradlab = { ...own, provenance: provenance() };
  } finally {
    process.off("SIGINT", onSigint);
    await dog.close();
    session.close();
  }
  return { notebook: nb, errors, cells };
}

export function readNotebook(file: string, command = "gradlab run"): any {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${command}: cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : (e as Error).message}`);
  }
  let nb: any;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new Error(`${command}: ${file} is not a notebook (${(e as Error).message})`);
  }
  if (!nb || typeof nb !== "object" || !Array.isArray(nb.cells) || nb.nbformat !== 4) throw new Error(`${command}: ${file} is not an nbformat 4 notebook`);
  const problem = notebookProblem(nb);
  if (problem) throw new Error(`${command}: ${file} is not a valid notebook: ${problem}`);
  return nb;
}

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === "object" && !Array.isArray(v);
const isText = (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.every((l) => typeof l === "string"));

/** What is wrong with a parsed notebook's cells and outputs, in words, or null: runners and verify then meet only sound values. */
function notebookProblem(nb: any): string | null {
  if (nb.metadata !== undefined && !isObject(nb.metadata)) return "its metadata is not an object";
  let code = 0;
  for (let i = 0; i < nb.cells.length; i++) {
    const c = nb.cells[i];
    if (!isObject(c) || typeof c.cell_type !== "string") return `cell ${i + 1} has no cell_type`;
    if (!isText(c.source)) return `cell ${i + 1}'s source is not text`;
    if (c.cell_type !== "code") continue;
    code++;
    const where = `code cell ${code}`;
    if (c.outputs === undefined) continue;
    if (!Array.isArray(c.outputs)) return `${where}'s outputs are not a list`;
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs[j];
      const what = `${where}'s output ${j + 1}`;
      if (!isObject(o) || typeof o.output_type !== "string") return `${what} has no output_type`;
      if (o.output_type === "stream" && (typeof o.name !== "string" || !isText(o.text))) return `${what} is a stream without a name and text`;
      if ((o.output_type === "display_data" || o.output_type === "execute_result") && (!isObject(o.data) || (o.metadata !== undefined && !isObject(o.metadata)))) {
        return `${what} has no data object (or its metadata is not an object)`;
      }
      if (o.output_type === "error" && (typeof o.ename !== "string" || typeof o.evalue !== "string")) return `${what} is an error without ename and evalue`;
    }
  }
  return null;
}

export function notebookDir(file: string): string {
  return path.dirname(path.resolve(file));
}
