// The process a submission's code runs in, inside its sandbox: gradlab's own Session runs
// the student's cells (and the assignment's locked cells, whose names they may use) and
// answers the judge's requests: a name's value, an object's property, a call. Everything it
// sends is data the judge copies or a reference to an object that stays here, so nothing
// the student's code does in this process reaches the judge's values or its verdicts.
//   node student.js GENERATION LIMITS_JSON    (requests on fd 0, replies on fd 3)
import { Session, type Sink } from "../session";
import * as core from "../../core";
import { encode, decode, writeAllSync, LineSplitter, type EncodeHooks, type DecodeHooks } from "./wire";

const GEN = process.argv[2] ?? "0";
const limits = JSON.parse(process.argv[3] ?? "{}") as { outputCellBytes?: number; outputTotalBytes?: number };
const CELL_BYTES = limits.outputCellBytes ?? 16384, TOTAL_BYTES = limits.outputTotalBytes ?? 262144;
const REPLY_FD = 3;

const send = (m: object) => writeAllSync(REPLY_FD, JSON.stringify(m) + "\n");

const refs = new Map<string, object>();
const refOf = new WeakMap<object, string>();
let nextRef = 0;

const encodeHooks: EncodeHooks = {
  tensor: (x) => (x instanceof core.Tensor ? { dtype: x.dtype, shape: x.shape, data: x.data } : null),
  ref: (x) => {
    let r = refOf.get(x);
    if (!r) {
      r = `${GEN}.${++nextRef}`;
      refs.set(r, x);
      refOf.set(x, r);
    }
    return r;
  },
};

const decodeHooks: DecodeHooks = {
  tensor: (dtype, shape, data) => core.tensor(data as any, { dtype }).reshape(shape),
  ref: (r) => {
    const x = refs.get(r);
    if (!x) throw new Error("this value came from a run of your code that was stopped (a cell before ended or killed the process)");
    return x;
  },
};

function describe(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 2000);
    return `thrown: ${String(e)}`.slice(0, 2000);
  } catch {
    return "an error that cannot be described";
  }
}

let total = 0;
/** Output of the running cell, capped per cell and per notebook. */
let current: { text: string; dropped: number } | null = null;
/** Rejections and exceptions no cell awaited: they become errors of the cell running (or the next). */
const stray: string[] = [];

function append(text: string): void {
  if (!current) return;
  const room = Math.min(CELL_BYTES - current.text.length, TOTAL_BYTES - total);
  if (room <= 0) { current.dropped += text.length; return; }
  const kept = text.slice(0, room);
  current.text += kept;
  total += kept.length;
  current.dropped += text.length - kept.length;
}

process.on("unhandledRejection", (e) => { stray.push(`unhandled rejection: ${describe(e)}`); });
process.on("uncaughtException", (e) => { stray.push(`uncaught exception: ${describe(e)}`); });
process.on("SIGINT", () => session.interrupt());

const session = new Session(process.cwd());
const sink: Sink = {
  stream: (_name, text) => append(text),
  display: (b) => { const t = b.data["text/plain"]; if (typeof t === "string") append(t + "\n"); },
  result: (b) => { const t = b.data["text/plain"]; if (typeof t === "string") append(t + "\n"); },
};

function cellExports(): Record<string, unknown> {
  return ((globalThis as any).__gradlab_session__?.exports ?? {}) as Record<string, unknown>;
}

async function handle(m: any): Promise<object> {
  switch (m.op) {
    case "cell": {
      const ex = cellExports();
      const before = new Map(Object.keys(ex).map((k) => [k, ex[k]]));
      current = { text: "", dropped: 0 };
      stray.length = 0;
      const r = await session.execute(String(m.code), sink, String(m.name ?? "cell"));
      // Let a rejection made in the cell's last tick be seen before the cell is reported.
      await new Promise((res) => setImmediate(res));
      const after = cellExports();
      const names = Object.keys(after).filter((k) => !before.has(k) || before.get(k) !== after[k]);
      const out = current;
      current = null;
      const error = r.status === "error" ? `${r.ename}: ${r.evalue}` : stray.length ? stray.join("; ") : null;
      return { ok: true, error, output: out.text, dropped: out.dropped, names };
    }
    case "get": return { ok: true, value: encode(cellExports()[String(m.name)], encodeHooks) };
    case "prop": {
      const obj = decodeHooks.ref(String(m.ref), false) as any;
      return { ok: true, value: encode(obj[String(m.key)], encodeHooks) };
    }
    case "call": {
      const fn = decodeHooks.ref(String(m.ref), true) as (...a: unknown[]) => unknown;
      const self = m.self ? decodeHooks.ref(String(m.self), false) : undefined;
      const args = (Array.isArray(m.args) ? m.args : []).map((a: unknown) => decode(a, decodeHooks));
      let v = Reflect.apply(fn, self, args);
      if (v && typeof (v as any).then === "function") v = await v;
      return { ok: true, value: encode(v, encodeHooks) };
    }
    case "seed": core.manualSeed(Number(m.seed)); return { ok: true, value: { t: "u" } };
    default: return { ok: false, error: `unknown request ${String(m.op).slice(0, 20)}` };
  }
}

async function main(): Promise<void> {
  session.captureOutput();
  await session.preload();
  send({ op: "ready" });
  const lines = new LineSplitter();
  let chain = Promise.resolve();
  process.stdin.on("data", (d: Buffer) => {
    for (const line of lines.push(d)) {
      if (!line.trim()) continue;
      const m = JSON.parse(line);
      chain = chain.then(async () => {
        let reply: object;
        try {
          reply = await handle(m);
        } catch (e) {
          reply = { ok: false, error: describe(e) };
        }
        send({ id: m.id, ...reply });
      });
    }
  });
  process.stdin.on("end", () => process.exit(0));
}

main().catch((e) => {
  process.stderr.write(`gradlab: the submission's process could not start: ${describe(e)}\n`);
  process.exit(70);
});
