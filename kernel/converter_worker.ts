// The converter's thread (see converter_thread.ts): TypeScript and tslab's converter live
// here, so that building their program overlaps the kernel's own start and their heap is
// not the notebook's. Each request is answered in order.
import { getHeapStatistics } from "node:v8";
import { parentPort } from "node:worker_threads";
import { createConverter } from "./converter";
import { saveCodeCache } from "./typescript";
import { expandShorthands } from "./shorthand";
import { instrument, keptDeclarations } from "./instrument";
import { isComplete } from "./is_complete";
import type { Request } from "./converter_thread";

const conv = createConverter();
let converted = 0;

function convert(prevDecl: string, code: string) {
  const r = conv.convert(prevDecl, expandShorthands(code));
  if (++converted === 1) setImmediate(saveCodeCache); // the program is built and a cell went through
  return { ...r, instrumented: r.output ? instrument(r.output) : null, heapMB: getHeapStatistics().used_heap_size / 2 ** 20 };
}

function complete(prevDecl: string, code: string, pos: number) {
  const r = conv.complete(prevDecl, code, pos);
  return { start: r.start, end: r.end, candidates: r.candidates };
}

function inspect(prevDecl: string, code: string, pos: number) {
  const q = conv.inspect(prevDecl, code, pos);
  if (!q) return null;
  return { displayParts: q.displayParts?.map((p) => ({ text: p.text })), documentation: q.documentation?.map((p) => ({ text: p.text })) };
}

const ops = { convert, complete, inspect, keptDeclarations, isComplete } as const;

parentPort!.on("message", (req: Request) => {
  try {
    const value = (ops[req.op] as (...a: unknown[]) => unknown)(...req.args);
    parentPort!.postMessage({ id: req.id, value });
  } catch (e) {
    parentPort!.postMessage({ id: req.id, error: { name: (e as Error)?.name ?? "Error", message: (e as Error)?.message ?? String(e), stack: (e as Error)?.stack } });
  }
});
