// One notebook's execution state: tslab's converter type-checks and transpiles each cell
// against the declarations of the cells before it; gradlab runs the result, captures its
// output, and reports values, displays and errors to a Sink (Jupyter messages in the
// kernel, notebook outputs in `gradlab run`). Adapted from tslab's executor, whose
// reporting (console.log of the value, console.error of errors) we replace.
import * as path from "node:path";
import * as vm from "node:vm";
import Module from "node:module";
import { createConverter, isCompleteCode, type Converter } from "tslab/dist/converter";
import { fitsRunning, requestStop, viz } from "../core";
import { toBundle, type Bundle } from "./display";
import { mapTraceback } from "./traceback";
import { expandShorthands } from "./shorthand";

export interface Sink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(bundle: Bundle, displayId: string | undefined, update: boolean): void;
  result(bundle: Bundle): void;
}

export type ExecuteOutcome = { status: "ok" } | { status: "error"; ename: string; evalue: string; traceback: string[] };

/** What a cell may call: set by the session as globalThis.__gradlab_kernel__ (see kernel/api.ts). */
export interface KernelHooks {
  display(value: unknown, opts?: { displayId?: string }): Promise<void>;
  updateDisplay(displayId: string, value: unknown): Promise<void>;
  input(prompt?: string, opts?: { password?: boolean }): Promise<string>;
}

/** Names every cell can use without an import. */
const CORE = path.join(__dirname, "..", "core", "index");
const API = path.join(__dirname, "api");
// Exports that cannot be variable names (gradlab's `var`, PyTorch's name) stay reachable as methods.
const RESERVED = new Set(["var", "delete", "in", "new", "function", "default", "class", "const", "let", "import", "export"]);

export class InterruptError extends Error {
  constructor(message = "Interrupted") {
    super(message);
    this.name = "KeyboardInterrupt";
  }
}

export class Session {
  private readonly conv: Converter;
  private prevDecl = "";
  private readonly locals: Record<string, unknown> = {};
  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, NodeJS.Module>();
  private sink: Sink | null = null;
  private cancel: ((e: Error) => void) | null = null;
  private readonly restoreOutput: (() => void)[] = [];
  /** Asks the user for input; the kernel sets it to an input_request over stdin. */
  inputHandler: (prompt: string, password: boolean) => Promise<string> = async () => {
    throw new Error("input: this front end does not accept input (allow_stdin is false)");
  };

  constructor(readonly cwd: string = process.cwd()) {
    this.conv = createConverter();
    this.installGlobals();
  }

  /** Preloads gradlab and the kernel API as if a first cell had imported them. */
  async preload(): Promise<void> {
    const names = Object.keys(require(CORE)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !RESERVED.has(n));
    const src = `import { ${names.join(", ")} } from ${JSON.stringify(CORE)};\n` +
      `import { display, updateDisplay, input, prompt } from ${JSON.stringify(API)};`;
    const r = await this.execute(src, { stream() {}, display() {}, result() {} });
    if (r.status !== "ok") throw new Error(`gradlab kernel: the preload failed: ${r.evalue}`);
  }

  isComplete(code: string): { status: "complete" | "incomplete"; indent?: string } {
    const r = isCompleteCode(code);
    return r.completed ? { status: "complete" } : { status: "incomplete", indent: r.indent ?? "" };
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
    const cancel = this.cancel;
    if (!cancel) return;
    const started = Date.now();
    const wait = () => {
      if (this.cancel !== cancel) return;
      if (fitsRunning() > 0 && Date.now() - started < 30_000) setTimeout(wait, 20);
      else cancel(new InterruptError());
    };
    setTimeout(wait, fitsRunning() > 0 ? 20 : 0);
  }

  async execute(code: string, sink: Sink, cellName = "cell"): Promise<ExecuteOutcome> {
    this.sink = sink;
    const converted = this.conv.convert(this.prevDecl, expandShorthands(code));
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
    const prefix = converted.hasToplevelAwait ? "(async function(exports, require) { " : "(function(exports, require) { ";
    const wrapped = prefix + converted.output + "\n})(__gradlab_session__.exports, __gradlab_session__.require)";
    const output = converted.output;
    try {
      (globalThis as any).__gradlab_session__ = { exports: this.locals, require: this.require() };
      const ret = vm.runInThisContext(wrapped, { filename: cellName, breakOnSigint: true });
      if (converted.hasToplevelAwait) {
        await new Promise<void>((resolve, reject) => {
          this.cancel = reject;
          (ret as Promise<void>).then(() => resolve(), reject);
        });
      }
    } catch (e) {
      return this.failure(e, code, output, cellName);
    } finally {
      this.cancel = null;
    }
    this.prevDecl = converted.declOutput ?? "";
    const key = converted.lastExpressionVar;
    if (key && key in this.locals) {
      const value = this.locals[key];
      delete this.locals[key];
      if (value !== undefined) {
        try {
          sink.result(await toBundle(value));
        } catch (e) {
          return this.failure(e, code, output, cellName);
        }
      }
    }
    return { status: "ok" };
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
      display: async (value, opts) => this.sink?.display(await toBundle(value), opts?.displayId, false),
      updateDisplay: async (id, value) => this.sink?.display(await toBundle(value), id, true),
      input: (prompt = "", opts) => this.inputHandler(prompt, opts?.password ?? false),
    };
    (globalThis as any).__gradlab_kernel__ = hooks;
    // Live viz objects (viz.lossPlot) send their updates through the current cell.
    viz.setDisplayTransport({
      display: (b, id) => this.sink?.display({ data: b, metadata: {} }, id, false),
      update: (b, id) => this.sink?.display({ data: b, metadata: {} }, id, true),
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
        if (this.sink) this.sink.stream(name, text);
        const done = typeof enc === "function" ? enc : cb;
        if (typeof done === "function") done();
        return true;
      }) as typeof stream.write;
    }
  }

  /** Stops capturing (what captureOutput replaced is put back) and closes the converter. */
  close(): void {
    for (const restore of this.restoreOutput.splice(0)) restore();
    this.conv.close();
  }
}
