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
  return { data: { "text/plain": typeof value === "string" ? inspect(value) : inspect(value, { depth: 4 }) }, metadata: {} };
}
