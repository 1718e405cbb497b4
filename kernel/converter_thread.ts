// The session's TypeScript, on a thread of its own. A kernel's start was mostly
// TypeScript building its first program (lib and Node's types parsed and bound); on this
// thread that overlaps loading gradlab, the addon and the sockets, and a cell's
// conversion is a message away. The thread also keeps TypeScript's heap, which grows with
// the programs it builds, apart from the notebook's: once it holds more than
// HEAP_LIMIT_MB a fresh thread is started, warmed with the session's declarations (text
// the session holds) while the old one goes on serving, and then takes over; the old
// one's memory goes back whole.
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Completeness } from "./is_complete";
import type { Instrumented } from "./instrument";

export interface Converted {
  output?: string;
  declOutput?: string;
  diagnostics: { start: { line: number; character: number }; messageText: string; code: number; fileName?: string }[];
  hasToplevelAwait?: boolean;
  lastExpressionVar?: string;
  sideOutputs?: { path: string; data: string }[];
  instrumented: Instrumented | null;
  /** The converter thread's V8 heap after this conversion, in MB. */
  heapMB: number;
}

export interface Request { id: number; op: "convert" | "complete" | "inspect" | "keptDeclarations" | "isComplete"; args: unknown[] }

type Pending = { resolve: (v: any) => void; reject: (e: Error) => void };

/** A converter thread holding more than this after a conversion is replaced. */
export const HEAP_LIMIT_MB = Number(process.env.GRADLAB_CONVERTER_HEAP_MB) || 160;

class Thread {
  readonly worker = new Worker(path.join(__dirname, "converter_worker.js"));
  readonly pending = new Map<number, Pending>();
  dead: Error | null = null;

  constructor(onDeath: (t: Thread) => void) {
    this.worker.on("message", (m: { id: number; value?: unknown; error?: { name: string; message: string; stack?: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.error) p.reject(Object.assign(new Error(m.error.message), { name: m.error.name, stack: m.error.stack }));
      else p.resolve(m.value);
    });
    const die = (e: Error) => {
      if (this.dead) return;
      this.dead = e;
      for (const p of this.pending.values()) p.reject(new Error(`gradlab kernel: the TypeScript thread stopped (${e.message}); the next cell starts a new one`));
      this.pending.clear();
      onDeath(this);
    };
    this.worker.on("error", die);
    this.worker.on("exit", (code) => die(new Error(`exit code ${code}`)));
    this.worker.unref(); // alive only while a request waits: never what keeps `gradlab run` going
  }

  call<T>(id: number, op: Request["op"], args: unknown[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, op, args } satisfies Request);
    });
  }
}

export class ConverterThread {
  private current: Thread;
  private replacing = false;
  private next = 1;
  private closed = false;
  /** Threads replaced because their heap grew (for the memory test's report). */
  replaced = 0;

  constructor() {
    this.current = this.spawn();
  }

  private spawn(): Thread {
    return new Thread((t) => {
      if (t === this.current && !this.closed) this.current = this.spawn();
    });
  }

  private call<T>(op: Request["op"], ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error("gradlab kernel: the session is closed"));
    return this.current.call<T>(this.next++, op, args);
  }

  async convert(prevDecl: string, code: string): Promise<Converted> {
    const r = await this.call<Converted>("convert", prevDecl, code);
    if (r.heapMB > HEAP_LIMIT_MB && !this.replacing) void this.replace(r.declOutput ?? prevDecl);
    return r;
  }

  /** Starts a fresh thread, has it build its program with these declarations, then hands it the work. */
  private async replace(decl: string): Promise<void> {
    this.replacing = true;
    const fresh = this.spawn();
    try {
      await fresh.call(this.next++, "convert", [decl, ""]);
      if (this.closed) return void fresh.worker.terminate();
      const old = this.current;
      this.current = fresh;
      this.replaced++;
      // Whatever the old thread still has to answer, it answers before it ends.
      const drain = (): void => {
        if (old.pending.size === 0) void old.worker.terminate();
        else setTimeout(drain, 50);
      };
      drain();
    } catch {
      void fresh.worker.terminate();
    } finally {
      this.replacing = false;
    }
  }

  complete(prevDecl: string, code: string, pos: number): Promise<{ start: number; end: number; candidates: string[] }> {
    return this.call("complete", prevDecl, code, pos);
  }

  inspect(prevDecl: string, code: string, pos: number): Promise<{ displayParts?: { text: string }[]; documentation?: { text: string }[] } | null> {
    return this.call("inspect", prevDecl, code, pos);
  }

  keptDeclarations(newDecl: string, oldDecl: string, declared: readonly string[], ran: readonly string[]): Promise<string> {
    return this.call("keptDeclarations", newDecl, oldDecl, declared, ran);
  }

  isComplete(code: string): Promise<Completeness> {
    return this.call("isComplete", code);
  }

  close(): void {
    this.closed = true;
    void this.current.worker.terminate();
  }
}
