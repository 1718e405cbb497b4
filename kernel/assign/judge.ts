// The judge: runs the assignment's locked and test cells (hidden tests included) in a
// process of its own, with gradlab as it was loaded, never touched by a submission. A name
// a student's cell defines is bound here to a copy of its value; functions and objects
// become proxies whose calls go to the student's process with copied arguments and come
// back as copied results. The verdict of each test cell is this process's own, written on
// a pipe only the grader holds.
//   node judge.js    (commands and replies on fd 0, messages to the grader on fd 3)
import * as core from "../../core";
import { Session, type Sink } from "../session";
import { provideSubmission } from "../api";
import { encode, decode, writeAllSync, LineReader, type EncodeHooks, type DecodeHooks } from "./wire";
import { codeDefining, type SubmittedCell } from "./definition";

const OUT_FD = 3;
const reader = new LineReader(0);
const send = (m: object) => writeAllSync(OUT_FD, JSON.stringify(m) + "\n");
const proxies = new WeakMap<object, string>();

/** One request to the student's process; blocks until the grader relays its answer. */
function rpc(req: object, self?: string): unknown {
  send({ op: "rpc", req });
  const r = reader.next();
  if (!r) process.exit(0);
  if (r.op !== "reply") throw new Error("gradlab grading: the grader sent something other than a reply");
  if (!r.ok) {
    const e = new Error(String(r.error).slice(0, 2000));
    e.name = "in the submission's code";
    throw e;
  }
  return decode(r.value, decodeHooks(self));
}

const encodeHooks: EncodeHooks = {
  tensor: (x) => (x instanceof core.Tensor ? { dtype: x.dtype, shape: x.shape, data: x.data } : null),
  known: (x) => proxies.get(x),
  ref: () => {
    throw new Error("a test can pass only data (numbers, arrays, tensors, plain objects) and the submission's own objects to the submission's code");
  },
};

function remote(ref: string, fn: boolean, self: string | undefined): object {
  const target = fn ? function () { /* stands for the submission's function */ } : {};
  const p = new Proxy(target, {
    apply: (_t, _this, args: unknown[]) => rpc({ op: "call", ref, self, args: args.map((a) => encode(a, encodeHooks)) }),
    get: (_t, key) => {
      if (typeof key === "symbol" || key === "then" || key === "toJSON") return undefined;
      return rpc({ op: "prop", ref, key }, ref);
    },
    set: () => { throw new Error("a test cannot change the submission's objects"); },
    has: () => false,
    ownKeys: () => Reflect.ownKeys(target),
    getOwnPropertyDescriptor: (_t, k) => Reflect.getOwnPropertyDescriptor(target, k),
  });
  proxies.set(p, ref);
  return p;
}

function decodeHooks(self?: string): DecodeHooks {
  return {
    tensor: (dtype, shape, data) => core.tensor(data as any, { dtype }).reshape(shape),
    // A function read as a property is called as a method of the object it was read from.
    ref: (ref, fn) => remote(ref, fn, fn ? self : undefined),
  };
}

/** The student's cells as the grader read them from the notebook, each once it has run. */
const submitted: SubmittedCell[] = [];
/** The name each value bound from the submission was bound under, so a test may pass the function itself. */
const boundAs = new WeakMap<object, string>();

(globalThis as any).__gradlab_student__ = (name: string) => {
  const v = rpc({ op: "get", name });
  if (v && (typeof v === "object" || typeof v === "function")) boundAs.set(v, name);
  return v;
};

provideSubmission({
  source(f) {
    const name = typeof f === "string" ? f : boundAs.get(f);
    if (name === undefined) throw new Error("submission.source: this function is not one the submission defines (pass its name, or the name the submission gave it)");
    const code = codeDefining(submitted, name);
    if (code === null) throw new Error(`submission.source: no cell of the submission defines ${name}`);
    return code;
  },
  cells: () => submitted.map((c) => ({ ...c })),
});

// Seeding seeds both sides, so a test that seeds before calling the submission's code (to
// initialise a network, say) gets the numbers it would get in one process.
const manualSeed = core.manualSeed;
Object.defineProperty(core, "manualSeed", {
  enumerable: true, configurable: true,
  // The submission's side failing to seed is its own affair: the judge's cell goes on.
  get: () => (seed: number) => { manualSeed(seed); try { rpc({ op: "seed", seed }); } catch { /* see above */ } },
});

const IDENT = /^[A-Za-z_$][\w$]*$/;

async function main(): Promise<void> {
  const session = new Session("/");
  await session.preload();
  const exports = (globalThis as any).__gradlab_session__.exports as Record<string, unknown>;
  const studentNames = new Set<string>();
  const builtIn = new Set(Object.keys(exports));
  const sink: Sink = { stream() {}, display() {}, result() {} };
  send({ op: "ready" });
  for (;;) {
    const m = reader.next();
    if (!m) return;
    if (m.op === "cell") {
      const r = await session.execute(String(m.code), sink, String(m.name ?? "cell"));
      send({ op: "done", ok: r.status === "ok", error: r.status === "error" ? `${r.ename}: ${r.evalue}`.slice(0, 4000) : null });
    } else if (m.op === "bind") {
      if (m.cell) submitted.push({ label: String(m.cell.label), code: String(m.cell.code) });
      // Names the assignment's cells or gradlab define stay theirs: a student's cell cannot
      // replace X, expectClose or Math for the tests.
      const names = (Array.isArray(m.names) ? m.names : []).map(String);
      const ok = names.filter((n: string) => IDENT.test(n) && n !== "__gradlab_student__" &&
        (studentNames.has(n) || (!(n in exports) && !(n in globalThis))));
      const refused = names.filter((n: string) => !ok.includes(n));
      // Which of them are gradlab's own (the rest are the assignment's), for a note that says whose the tests use.
      const gradlabs = refused.filter((n: string) => builtIn.has(n) || n in globalThis);
      let error: string | null = null;
      if (ok.length) {
        for (const n of ok) studentNames.add(n);
        const code = `let ${ok.map((n: string) => `${n}: any = (globalThis as any).__gradlab_student__(${JSON.stringify(n)})`).join(", ")};`;
        const r = await session.execute(code, sink, "bind");
        if (r.status === "error") error = `${r.ename}: ${r.evalue}`.slice(0, 2000);
      }
      send({ op: "done", ok: !error, error, refused, gradlabs });
    }
  }
}

main().then(() => process.exit(0), (e) => {
  writeAllSync(2, `gradlab: the judge failed: ${(e as Error).stack ?? e}\n`);
  process.exit(70);
});
