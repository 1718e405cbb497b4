// Turning a value into a Jupyter mime bundle. Objects with [Symbol.for("Jupyter.display")]()
// (sync or async) give their own bundle, bare or as { data, metadata } (core/viz/schema.ts);
// everything else prints as Node's util.inspect would.
import { inspect } from "node:util";

export interface Bundle { data: Record<string, unknown>; metadata: Record<string, unknown> }

const DISPLAY = Symbol.for("Jupyter.display");

function isMimeBundle(o: Record<string, unknown>): boolean {
  return Object.keys(o).every((k) => k.includes("/"));
}

export async function toBundle(value: unknown): Promise<Bundle> {
  const fn = value !== null && (typeof value === "object" || typeof value === "function") ? (value as any)[DISPLAY] : undefined;
  if (typeof fn === "function") {
    const r = await fn.call(value);
    if (r && typeof r === "object") {
      const shaped = !isMimeBundle(r) && r.data && typeof r.data === "object";
      const data = { ...(shaped ? r.data : r) } as Record<string, unknown>;
      const metadata = (shaped && r.metadata && typeof r.metadata === "object" ? r.metadata : {}) as Record<string, unknown>;
      if (!("text/plain" in data)) data["text/plain"] = inspect(value, { depth: 2 });
      for (const [k, v] of Object.entries(data)) {
        // JSON mime types travel as objects; everything else must be a string.
        if (!/json$/.test(k) && typeof v !== "string") data[k] = typeof v === "object" ? JSON.stringify(v) : String(v);
      }
      return { data, metadata };
    }
  }
  if (value instanceof Promise) return { data: { "text/plain": promiseText(value) }, metadata: {} };
  return { data: { "text/plain": typeof value === "string" ? inspect(value) : inspect(value, { depth: 4 }) }, metadata: {} };
}

/**
 * "Promise { <pending> }", without the bookkeeping Node's async hooks keep on a promise
 * (its async ids and the cell context the kernel tracks it by).
 */
function promiseText(p: Promise<unknown>): string {
  let text = inspect(p, { depth: 2, breakLength: Infinity });
  for (const key of ["async_id_symbol", "trigger_async_id_symbol", "kResourceStore"]) {
    const m = new RegExp(`,\\s*\\[Symbol\\(${key}\\)\\]: `).exec(text);
    if (!m) continue;
    let end = m.index + m[0].length, depth = 0;
    for (; end < text.length; end++) {
      const ch = text[end];
      if (ch === "{" || ch === "[") depth++;
      else if ((ch === "}" || ch === "]") && depth-- === 0) break;
      else if (ch === "," && depth === 0) break;
    }
    text = text.slice(0, m.index) + text.slice(end);
  }
  return text.replace(/\s*}$/, " }");
}
