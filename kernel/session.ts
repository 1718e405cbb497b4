// One notebook's execution state: tslab's converter type-checks and transpiles each cell
// against the declarations of the cells before it; gradlab runs the result, captures its
// output, and reports values, displays and errors to a Sink (Jupyter messages in the
// kernel, notebook outputs in `gradlab run`). Adapted from tslab's executor, whose
// reporting (console.log of the value, console.error of errors) we replace.
import * as path from "node:path";
import * as vm from "node:vm";
import Module from "node:module";
import { AsyncLocalStorage } from "node:async_hooks";
import { createConverter, type Converter } from "./converter";
import { saveCodeCache } from "./typescript";
import { isComplete, type Completeness } from "./is_complete";
import { requestStop } from "../core";
import { fitsRunning } from "../core/train";
import { setDisplayTransport } from "../core/viz/internal";
import { toBundle, type Bundle } from "./display";
import { mapTraceback } from "./traceback";
import { expandShorthands } from "./shorthand";
import { MemoryKeeper } from "./memory";
import { instrument, keptDeclarations } from "./instrument";
import { defineConfigurable } from "./cell_runtime";
import { loadAddon } from "../core/backend/addon";
import { runningSnapshot } from "./snapshot";
import type { PreloadConversion } from "./snapshot_types";
import { provenance } from "../core/provenance";
import { PROVENANCE_MIME } from "./notebook_provenance";
import { preloadSource } from "./preloaded";

type Conversion = ReturnType<Converter["convert"]>;

export interface Sink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(bundle: Bundle, displayId: string | undefined, update: boolean): void;
  result(bundle: Bundle): void;
  /** An error that reached no one: an unhandled rejection or an exception thrown in a timer or callback the cell started. */
  error?(e: { ename: string; evalue: string; traceback: string[] }): void;
  /** Clears the cell's output now, or with `wait` just before its next output arrives. */
  clear?(wait: boolean): void;
}

export type ExecuteOutcome = { status: "ok" } | { status: "error"; ename: string; evalue: string; traceback: string[] };

/** What a cell may call: set by the session as globalThis.__gradlab_kernel__ (see kernel/api.ts). */
export interface KernelHooks {
  display(value: unknown, opts?: { displayId?: string }): Promise<void>;
  updateDisplay(displayId: string, value: unknown): Promise<void>;
  input(prompt?: string, opts?: { password?: boolean }): Promise<string>;
  clearOutput(wait: boolean): void;
}

/**
 * One execution of a cell. Node's AsyncLocalStorage carries it into every timer, callback
 * and promise the cell starts, so their output and errors reach this cell's sink and not
 * whichever cell happens to run when they fire.
 */
interface CellRun {
  readonly sink: Sink;
  readonly name: string;
  readonly code: string;
  output: string;
  /** Set while the cell's own execution is still in progress. */
  executing: boolean;
  /** Ends the cell's wait on its top-level await with this error (interrupt, async failure). */
  abort: ((e: Error) => void) | null;
  /** An async error of the cell's own work, seen while it still ran: the cell fails with it. */
  failed: Error | null;
}

export class InterruptError extends Error {
  constructor(message = "Interrupted") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

/** What an instrumented loop calls once SIGINT set the interrupt word. */
function stopForInterrupt(): never {
  throw new InterruptError("execution interrupted (the kernel's state is kept)");
}

export class Session {
  /** The converter, made on first use (its program takes a good part of a kernel's start). */
  private converter: Converter | null = null;
  private get conv(): Converter {
    return (this.converter ??= createConverter());
  }
  private prevDecl = "";
  private readonly locals: Record<string, unknown> = {};
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, NodeJS.Module>();
  private readonly cells = new AsyncLocalStorage<CellRun>();
  /** The cell executing now, and the last one that executed (where errors of unknown origin go). */
  private running: CellRun | null = null;
  private last: CellRun | null = null;
  private readonly restoreOutput: (() => void)[] = [];
  private readonly memory = new MemoryKeeper();
  /** The provenance facts (JSON) the notebook already holds: a change is published with the next output. */
  private publishedProvenance = "";
  /** Set to 1 by SIGINT (through the addon; never set without it); cleared as each cell starts. */
  private readonly irq: Int32Array;
  private readonly armInterrupts: () => void;
  /** Asks the user for input; the kernel sets it to an input_request over stdin. */
  /** The preload as converted, once preload() ran: what a startup snapshot keeps. */
  preloadConversion: PreloadConversion | null = null;
  inputHandler: (prompt: string, password: boolean) => Promise<string> = async () => {
    throw new Error("input: this front end does not accept input (allow_stdin is false)");
  };

  constructor(readonly cwd: string = process.cwd()) {
    const addon = loadAddon().addon as { sigintFlag?: () => Int32Array | undefined } | null;
    this.irq = addon?.sigintFlag?.() ?? new Int32Array(1);
    this.armInterrupts = () => void addon?.sigintFlag?.();
    this.installGlobals();
  }

  /** Preloads gradlab and the kernel API as if a first cell had imported them. */
  async preload(): Promise<void> {
    const source = preloadSource();
    // A kernel started from its snapshot has the preload converted already (same source, same compiler).
    const kept = runningSnapshot()?.preloaded;
    const converted: Conversion = kept?.source === source
      ? { output: kept.output, declOutput: kept.declOutput, diagnostics: [] }
      : this.conv.convert("", source);
    this.preloadConversion = { source, output: converted.output ?? "", declOutput: converted.declOutput ?? "" };
    const r = await this.execute(source, { stream() {}, display() {}, result() {} }, "cell", converted);
    if (r.status !== "ok") throw new Error(`gradlab kernel: the preload failed: ${r.evalue}`);
    saveCodeCache();
  }

  /**
   * From now on, changed provenance facts go out with the cells' outputs (the kernel and
   * `gradlab run` call this; the facts at this point travel in kernel_info or the notebook's
   * metadata). The grader's processes do not: their outputs are not notebooks.
   */
  trackProvenance(): void {
    this.publishedProvenance = JSON.stringify(provenance());
  }

  /** Makes the converter (its first program, a good part of a kernel's start) now rather than at the first cell. */
  prepareConverter(): void {
    void this.conv;
  }

  /**
   * Converts an empty cell against the declarations so far: the program the first cell
   * would otherwise wait for. The kernel calls it while the front end is still getting ready.
   */
  warmUp(): void {
    this.conv.convert(this.prevDecl, "");
  }

  isComplete(code: string): Completeness {
    return isComplete(code);
  }

  complete(code: string, pos: number) {
    return this.conv.complete(this.prevDecl, code, pos);
  }

  inspect(code: string, pos: number) {
    return this.conv.inspect(this.prevDecl, code, pos);
  }

  /**
   * An interrupt while the event loop is free (an awaited cell): running fits end after
   * their batch and the cell completes normally; anything else awaited is abandoned.
   * (A synchronous loop is stopped by SIGINT itself, through vm's breakOnSigint.)
   */
  interrupt(): void {
    requestStop();
    const run = this.running;
    if (!run?.abort) return;
    const started = Date.now();
    const wait = () => {
      if (this.running !== run || !run.abort) return;
      if (fitsRunning() > 0 && Date.now() - started < 30_000) setTimeout(wait, 20);
      else run.abort(new InterruptError());
    };
    setTimeout(wait, fitsRunning() > 0 ? 20 : 0);
  }

  /** Where output goes now: the cell whose work is running, else the executing cell, else the last one. */
  private currentSink(): Sink | null {
    return (this.cells.getStore() ?? this.running ?? this.last)?.sink ?? null;
  }

  /**
   * Keeps the process alive through errors no one catches (a forgotten `await`, a throwing
   * timer): each becomes an error output of the cell that started the work — failing that
   * cell if it is still executing — and all state is kept.
   */
  reportAsyncErrors(): void {
    const onError = (e: unknown) => this.asyncError(e);
    process.on("unhandledRejection", onError);
    process.on("uncaughtException", onError);
    this.restoreOutput.push(() => {
      process.off("unhandledRejection", onError);
      process.off("uncaughtException", onError);
    });
  }

  private asyncError(e: unknown): void {
    const run = this.cells.getStore() ?? this.running ?? this.last;
    const err = e instanceof Error ? e : new Error(`a promise was rejected with ${typeof e === "string" ? JSON.stringify(e) : String(e)}`);
    if (run?.executing) {
      run.failed ??= err;
      run.abort?.(err);
      return;
    }
    if (!run?.sink.error) {
      process.stderr.write(`gradlab: an error no cell caught: ${err.stack ?? err}\n`);
      return;
    }
    const f = this.failure(err, run.code, run.output, run.name) as Extract<ExecuteOutcome, { status: "error" }>;
    run.sink.error({ ...f, traceback: [...f.traceback, `(raised after ${run.name} had finished, by work it started without awaiting it)`] });
  }

  /** Runs a cell; `converted` when the converter's work on it is known already (the preload). */
  async execute(code: string, sink: Sink, cellName = "cell", converted?: Conversion): Promise<ExecuteOutcome> {
    const run: CellRun = { sink: this.withProvenance(sink), name: cellName, code, output: "", executing: true, abort: null, failed: null };
    this.running = this.last = run;
    this.memory.cellStarts();
    try {
      return await this.cells.run(run, () => this.executeIn(run, converted));
    } finally {
      run.executing = false;
      run.abort = null;
      if (this.running === run) this.running = null;
      this.memory.cellEnded();
      this.publishProvenance(run.sink);
    }
  }

  /** The provenance facts as JSON when they changed since the notebook last got them, else null. */
  private changedProvenance(): { facts: unknown; json: string } | null {
    if (!this.publishedProvenance) return null; // not tracked (yet)
    const facts = provenance();
    const json = JSON.stringify(facts);
    return json === this.publishedProvenance ? null : { facts, json };
  }

  /**
   * A Jupyter client keeps outputs, not what a kernel knows: changed provenance facts (a
   * seed set, a dataset read) ride in the metadata of the cell's next output that no update
   * will replace (one without a display id), as `metadata.gradlab.provenance`.
   */
  private withProvenance(sink: Sink): Sink {
    const attach = (b: Bundle): Bundle => {
      const changed = this.changedProvenance();
      if (!changed) return b;
      this.publishedProvenance = changed.json;
      const own = b.metadata.gradlab;
      return { data: b.data, metadata: { ...b.metadata, gradlab: { ...(own && typeof own === "object" ? own : {}), provenance: changed.facts } } };
    };
    return {
      ...sink,
      display: (b, id, update) => sink.display(id === undefined && !update ? attach(b) : b, id, update),
      result: (b) => sink.result(attach(b)),
    };
  }

  /** A cell that changed the facts but showed nothing to carry them gets an output of its own, which front ends do not draw. */
  private publishProvenance(sink: Sink): void {
    const changed = this.changedProvenance();
    if (!changed) return;
    this.publishedProvenance = changed.json;
    sink.display({ data: { [PROVENANCE_MIME]: changed.facts }, metadata: { gradlab: { provenance: changed.facts } } }, undefined, false);
  }

  private async executeIn(run: CellRun, given?: Conversion): Promise<ExecuteOutcome> {
    const { code, name: cellName } = run;
    const converted = given ?? this.conv.convert(this.prevDecl, expandShorthands(code));
    for (const o of converted.sideOutputs ?? []) {
      this.sideModules.delete(o.path);
      this.sideOutputs.set(o.path, o.data);
    }
    if (converted.diagnostics.length > 0) {
      const lines = converted.diagnostics.map((d) =>
        `${d.fileName ? path.relative(this.cwd, d.fileName) + " " : ""}${cellName} line ${d.start.line + 1}, column ${d.start.character + 1}: ${d.messageText}`);
      const first = converted.diagnostics[0];
      return { status: "error", ename: "TypeError", evalue: `TS${first.code}: ${first.messageText}`, traceback: lines };
    }
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? "";
      return { status: "ok" };
    }
    const { code: body, declared, awaits } = instrument(converted.output);
    const isAsync = converted.hasToplevelAwait || awaits;
    const prefix = `(${isAsync ? "async " : ""}function(exports, require, __gradlab_ran__, __gradlab_irq__, __gradlab_stop__, __gradlab_define__) { `;
    const wrapped = prefix + body + "\n})(__gradlab_session__.exports, __gradlab_session__.require, __gradlab_session__.ran, __gradlab_session__.irq, __gradlab_session__.stop, __gradlab_session__.define)";
    const output = run.output = converted.output;
    const ran: string[] = [];
    // Work the cell started but did not await gets one turn of the event loop to fail
    // while the cell still counts as running (a rejected promise left behind, say).
    const settle = () => new Promise<void>((resolve, reject) => {
      run.abort = reject;
      setImmediate(resolve);
    });
    this.irq[0] = 0;
    try {
      (globalThis as any).__gradlab_session__ = { exports: this.locals, require: this.require(), ran, irq: this.irq, stop: stopForInterrupt, define: defineConfigurable };
      let ret: unknown;
      try {
        ret = vm.runInThisContext(wrapped, { filename: cellName, breakOnSigint: true });
      } finally {
        this.armInterrupts(); // vm put its own SIGINT handling back in place of the addon's
      }
      if (isAsync) {
        await new Promise<void>((resolve, reject) => {
          run.abort = reject;
          (ret as Promise<void>).then(() => resolve(), reject);
        });
      }
      await settle();
      if (run.failed) throw run.failed;
    } catch (e) {
      // What ran before the error stays declared, with its types, as in Node's REPL.
      this.prevDecl = keptDeclarations(converted.declOutput ?? "", this.prevDecl, declared, ran);
      return this.failure(e, code, output, cellName);
    } finally {
      run.abort = null;
    }
    this.prevDecl = converted.declOutput ?? "";
    const key = converted.lastExpressionVar;
    if (key && key in this.locals) {
      const value = this.locals[key];
      delete this.locals[key];
      if (value !== undefined) {
        try {
          run.sink.result(await toBundle(value));
          if (value instanceof Promise) run.sink.stream("stderr", awaitHint(code));
        } catch (e) {
          return this.failure(e, code, output, cellName);
        }
      }
    }
    return run.failed ? this.failure(run.failed, code, output, cellName) : { status: "ok" };
  }

  private failure(e: unknown, code: string, output: string, cellName: string): ExecuteOutcome {
    const err = e instanceof Error ? e : new Error(String(e));
    if ((err as NodeJS.ErrnoException).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
      return { status: "error", ename: "KeyboardInterrupt", evalue: "execution interrupted (the kernel's state is kept)", traceback: ["KeyboardInterrupt: execution interrupted"] };
    }
    return { status: "error", ename: err.name || "Error", evalue: err.message, traceback: mapTraceback(err, code, output, cellName) };
  }

  /** require() for cells: resolves from the notebook's directory and serves local .ts files the converter compiled. */
  private require(): NodeJS.Require {
    const base = Module.createRequire(path.join(this.cwd, "__cell__.js"));
    const sideOutputs = this.sideOutputs, sideModules = this.sideModules;
    const load = (id: string, dir: string, parentRequire: NodeJS.Require): unknown => {
      let file = path.resolve(dir, id);
      if (!path.extname(file)) file += ".js";
      const cached = sideModules.get(file);
      if (cached) return cached.exports;
      const src = sideOutputs.get(file);
      if (src === undefined) return parentRequire(id);
      const mod = new Module(file, module) as NodeJS.Module & { _compile(src: string, file: string): void };
      mod.filename = file;
      mod.paths = (Module as any)._nodeModulePaths(path.dirname(file));
      const own = mod.require.bind(mod) as NodeJS.Require;
      (mod as any).require = Object.assign((i: string) => load(i, path.dirname(file), own), own);
      sideModules.set(file, mod);
      mod._compile(src, file);
      return mod.exports;
    };
    return Object.assign((id: string) => (id.startsWith(".") ? load(id, this.cwd, base) : base(id)), base);
  }

  private installGlobals(): void {
    const hooks: KernelHooks = {
      display: async (value, opts) => {
        const sink = this.currentSink(); // taken before the await: the bundle may take a while
        sink?.display(await toBundle(value), opts?.displayId, false);
      },
      updateDisplay: async (id, value) => {
        const sink = this.currentSink();
        sink?.display(await toBundle(value), id, true);
      },
      input: (prompt = "", opts) => this.inputHandler(prompt, opts?.password ?? false),
      clearOutput: (wait) => this.currentSink()?.clear?.(wait),
    };
    (globalThis as any).__gradlab_kernel__ = hooks;
    // Live viz objects (viz.lossPlot) send their updates through the current cell.
    setDisplayTransport({
      display: (b, id, metadata) => this.currentSink()?.display({ data: b, metadata: { ...metadata } }, id, false),
      update: (b, id, metadata) => this.currentSink()?.display({ data: b, metadata: { ...metadata } }, id, true),
    });
  }

  /** Sends text written to stdout/stderr to the current cell's sink. */
  captureOutput(): void {
    for (const name of ["stdout", "stderr"] as const) {
      const stream = process[name];
      const original = stream.write;
      this.restoreOutput.push(() => { stream.write = original; });
      stream.write = ((chunk: string | Uint8Array, enc?: any, cb?: any) => {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(typeof enc === "string" ? (enc as BufferEncoding) : "utf8");
        this.currentSink()?.stream(name, text);
        const done = typeof enc === "function" ? enc : cb;
        if (typeof done === "function") done();
        return true;
      }) as typeof stream.write;
    }
  }

  /** Stops capturing and reporting (what captureOutput and reportAsyncErrors replaced is put back) and closes the converter. */
  close(): void {
    for (const restore of this.restoreOutput.splice(0)) restore();
    this.converter?.close();
  }
}

/** What a cell whose value is a still-running Promise is told: it almost always lacks an `await`. */
export function awaitHint(code: string): string {
  const call = /\b(fit|evaluate|display|updateDisplay|input)\s*\(/.exec(code.trim().split("\n").at(-1) ?? "")?.[1];
  const what = call ? `${call}() returns a Promise` : "this cell's value is a Promise";
  return `Note: ${what}; without \`await\` the cell ends before the work does, and its result and errors do not show here. ` +
    `Write \`await ${call ? `${call}(…)` : "…"}\` to wait for it.\n`;
}
