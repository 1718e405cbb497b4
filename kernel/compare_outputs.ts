// Compares the outputs of two runs of one notebook, code cell by code cell, as
// `gradlab verify` reports them. Text must match exactly apart from its numbers; numbers
// (in text and in gradlab payloads) agree within rtol/atol, each known only to the
// precision it is printed with, or bit for bit when the run was deterministic. Figures
// are compared by their data (the gradlab payload), not by their pixels. Outputs marked
// volatile (progress displays), time readings in text and execution counts are skipped.
import { PROVENANCE_MIME } from "./notebook_provenance";

export interface Tolerance {
  rtol: number;
  atol: number;
  /** Numbers must be identical (the stored run was in deterministic mode). */
  bitwise: boolean;
}

export interface CellReport {
  /** 1-based, of the code cells. */
  cell: number;
  /** How many outputs were compared (after skipping volatile ones). */
  compared: number;
  differences: string[];
  notes: string[];
}

type Item =
  | { kind: "stream"; name: string; text: string }
  | { kind: "error"; text: string }
  | { kind: "rich"; type: string; data: Record<string, unknown> };

/** At most this many differences are told per output; the rest are counted. */
const MAX_TOLD = 5;
/** Payloads nest far less: anything deeper is told as a difference, not walked (a hostile file cannot exhaust the stack). */
const MAX_DEPTH = 64;
const GRADLAB_PAYLOAD = /^application\/vnd\.gradlab\.[\w.-]+\+json$/;
/** Static stand-ins for a payload: when the payload is compared, these are not. */
const FALLBACKS = new Set(["image/png", "image/svg+xml", "image/jpeg", "image/gif", "text/html"]);
// A number as printed: optional sign (not after a word or a digit), digits, a point, an exponent.
const NUMBER = /(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g;
// A time reading: "1.2 s", "30 ms/step", "ETA 4 min 02 s".
const TIME = /(?<![\w.])\d+(?:\.\d+)?\s?(?:ms|µs|us|s|sec|min|h)(?:\/step)?(?![\w])/g;

const join = (v: unknown): string => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "");
const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === "object" && !Array.isArray(v);

/** One unit of the last digit a number was written with ("0.8412" → 1e-4); 0 for integers, whose every digit counts. */
function unit(written: string): number {
  const m = /^[-+]?\d*\.(\d*)(?:[eE]([-+]?\d+))?$/.exec(written);
  if (!m) return 0;
  return 10 ** (Number(m[2] ?? 0) - m[1].length);
}

/**
 * Whether two written numbers agree; when not, how far apart they are. Printed numbers
 * (`printed`) are rounded: each stands for an interval half a unit of its last digit wide
 * on each side. Numbers in JSON are written exactly (shortest round trip), so none is given.
 */
function numbersAgree(stored: string, now: string, tol: Tolerance, printed = true): { ok: boolean; rel: number } {
  const a = Number(stored), b = Number(now);
  const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
  if (tol.bitwise) return { ok: stored === now || Object.is(a, b), rel };
  if (Number.isNaN(a) && Number.isNaN(b)) return { ok: true, rel: 0 };
  if (!Number.isFinite(a) || !Number.isFinite(b)) return { ok: a === b, rel };
  const slack = printed ? (unit(stored) + unit(now)) / 2 : 0;
  return { ok: Math.abs(a - b) - slack <= tol.atol + tol.rtol * Math.abs(a), rel };
}

const fmtRel = (r: number) => (Number.isFinite(r) ? r.toExponential(1).replace("e+0", "") : String(r));
const quote = (s: string, max = 80) => JSON.stringify(s.length > max ? s.slice(0, max - 1) + "…" : s);

class Collector {
  told: string[] = [];
  untold = 0;
  timesSkipped = false;
  add(message: string): void {
    if (this.told.length < MAX_TOLD) this.told.push(message);
    else this.untold++;
  }
  get count(): number {
    return this.told.length + this.untold;
  }
}

/** Compares two texts: the words exactly, the numbers within tolerance. `where` names the text ("stdout"). */
function compareText(stored: string, now: string, where: string, tol: Tolerance, out: Collector): void {
  if (stored === now) return;
  const mask = (s: string) => s.replace(TIME, () => "\u0000time\u0000");
  const s = mask(stored), n = mask(now);
  if (s !== stored || n !== now) out.timesSkipped = true;
  const sLines = s.split("\n"), nLines = n.split("\n");
  const oneLine = (x: string) => !x.replace(/\n$/, "").includes("\n");
  const lineOf = (i: number) => (oneLine(s) && oneLine(n) ? where : `${where} line ${i + 1}`);
  if (sLines.length !== nLines.length) {
    out.add(`${where}: ${sLines.length} lines stored, ${nLines.length} now`);
    return;
  }
  const shown = (x: string) => x.replace(/\u0000time\u0000/g, "(time)");
  for (let i = 0; i < sLines.length; i++) {
    const a = sLines[i], b = nLines[i];
    if (a === b) continue;
    const aNums = a.match(NUMBER) ?? [], bNums = b.match(NUMBER) ?? [];
    if (a.replace(NUMBER, "#") !== b.replace(NUMBER, "#") || aNums.length !== bNums.length) {
      out.add(`${lineOf(i)}: ${quote(shown(a))} stored, ${quote(shown(b))} now`);
      continue;
    }
    for (let k = 0; k < aNums.length; k++) {
      const r = numbersAgree(aNums[k], bNums[k], tol);
      if (!r.ok) out.add(`${lineOf(i)}: ${aNums[k]} stored, ${bNums[k]} now (rel ${fmtRel(r.rel)})`);
    }
  }
}

const sketch = (v: unknown): string => {
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  return quote(JSON.stringify(v) ?? String(v), 40);
};

/** Compares two JSON values (a payload) member by member; numbers within tolerance, strings as text. */
function compareJson(stored: unknown, now: unknown, where: string, tol: Tolerance, out: Collector, depth = 0): void {
  if (depth > MAX_DEPTH) {
    if (stored !== now) out.add(`${where.slice(0, 120)}…: nested over ${MAX_DEPTH} levels deep, not compared`);
    return;
  }
  if (typeof stored === "number" && typeof now === "number") {
    const r = numbersAgree(String(stored), String(now), tol, false);
    if (!r.ok) out.add(`${where}: ${stored} stored, ${now} now (rel ${fmtRel(r.rel)})`);
    return;
  }
  if (typeof stored === "string" && typeof now === "string") return compareText(stored, now, where, tol, out);
  if (Array.isArray(stored) && Array.isArray(now)) {
    if (stored.length !== now.length) {
      out.add(`${where}: ${stored.length} values stored, ${now.length} now`);
      return;
    }
    for (let i = 0; i < stored.length; i++) compareJson(stored[i], now[i], `${where}[${i}]`, tol, out, depth + 1);
    return;
  }
  if (isObject(stored) && isObject(now)) {
    for (const k of new Set([...Object.keys(stored), ...Object.keys(now)])) {
      const path = `${where}.${k}`;
      if (!Object.prototype.hasOwnProperty.call(now, k)) out.add(`${path}: present stored, missing now`);
      else if (!Object.prototype.hasOwnProperty.call(stored, k)) out.add(`${path}: missing stored, present now`);
      else compareJson(stored[k], now[k], path, tol, out, depth + 1);
    }
    return;
  }
  if (stored !== now) out.add(`${where}: ${sketch(stored)} stored, ${sketch(now)} now`);
}

function payloadName(mime: string): string {
  const m = /^application\/vnd\.gradlab\.([\w.-]+)\+json$/.exec(mime);
  return m ? `${m[1]} payload` : mime;
}

function compareRich(a: Record<string, unknown>, b: Record<string, unknown>, where: string, tol: Tolerance, out: Collector): void {
  const hasPayload = Object.keys(a).some((k) => GRADLAB_PAYLOAD.test(k));
  for (const mime of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (hasPayload && FALLBACKS.has(mime)) continue; // the figure is compared by its data
    if (!(mime in b)) { out.add(`${where}: ${mime} present stored, missing now`); continue; }
    if (!(mime in a)) { out.add(`${where}: ${mime} missing stored, present now`); continue; }
    const name = `${where} ${payloadName(mime)}`;
    if (/json$/.test(mime)) compareJson(a[mime], b[mime], name, tol, out);
    else if (mime.startsWith("image/")) { if (join(a[mime]).replace(/\s/g, "") !== join(b[mime]).replace(/\s/g, "")) out.add(`${name}: the image differs (it has no gradlab payload to compare by)`); }
    else compareText(join(a[mime]), join(b[mime]), name, tol, out);
  }
}

/** A cell's outputs as compared: volatile and provenance-only ones left out, adjacent streams of one name merged (clients split them differently). */
function items(cell: any): { list: Item[]; volatile: number } {
  const list: Item[] = [];
  let volatile = 0;
  for (const o of Array.isArray(cell?.outputs) ? cell.outputs : []) {
    if (isObject(o?.metadata) && isObject(o.metadata.gradlab) && o.metadata.gradlab.volatile === true) { volatile++; continue; }
    if (o.output_type === "stream") {
      const last = list.at(-1);
      if (last?.kind === "stream" && last.name === o.name) last.text += join(o.text);
      else list.push({ kind: "stream", name: String(o.name), text: join(o.text) });
    } else if (o.output_type === "error") {
      list.push({ kind: "error", text: `${o.ename}: ${o.evalue}` });
    } else if (isObject(o.data)) {
      const keys = Object.keys(o.data);
      if (keys.length === 1 && keys[0] === PROVENANCE_MIME) continue; // compared as provenance, not as output
      list.push({ kind: "rich", type: String(o.output_type), data: o.data });
    }
  }
  return { list, volatile };
}

const label = (i: Item) => (i.kind === "stream" ? `${i.name} text` : i.kind === "error" ? "an error" : i.type === "execute_result" ? "a result" : "a display");

/** Compares every code cell of two runs of the same notebook. */
export function compareNotebooks(stored: any, now: any, tol: Tolerance): CellReport[] {
  const code = (nb: any) => (nb.cells as any[]).filter((c) => c?.cell_type === "code");
  const sc = code(stored), nc = code(now);
  const reports: CellReport[] = [];
  for (let c = 0; c < Math.max(sc.length, nc.length); c++) {
    const report: CellReport = { cell: c + 1, compared: 0, differences: [], notes: [] };
    reports.push(report);
    const a = items(sc[c]), b = items(nc[c]);
    const volatile = Math.max(a.volatile, b.volatile);
    if (volatile) report.notes.push(`${volatile} volatile output${volatile > 1 ? "s" : ""} skipped (progress, with times)`);
    const out = new Collector();
    const n = Math.min(a.list.length, b.list.length);
    if (a.list.length !== b.list.length) out.add(`${a.list.length} output${a.list.length === 1 ? "" : "s"} stored, ${b.list.length} now`);
    for (let i = 0; i < n; i++) {
      const x = a.list[i], y = b.list[i];
      const where = n > 1 ? `output ${i + 1}` : "output";
      if (x.kind !== y.kind || (x.kind === "stream" && y.kind === "stream" && x.name !== y.name)) {
        out.add(`${where}: ${label(x)} stored, ${label(y)} now`);
        continue;
      }
      if (x.kind === "stream" && y.kind === "stream") compareText(x.text, y.text, x.name, tol, out);
      else if (x.kind === "error" && y.kind === "error") compareText(x.text, y.text, "error", tol, out);
      else if (x.kind === "rich" && y.kind === "rich") compareRich(x.data, y.data, where, tol, out);
    }
    for (const extra of a.list.slice(n)) out.add(`${label(extra)} stored, missing now`);
    for (const extra of b.list.slice(n)) out.add(`${label(extra)} now, not stored`);
    report.compared = n;
    report.differences = out.untold ? [...out.told, `… and ${out.untold} more difference${out.untold > 1 ? "s" : ""}`] : out.told;
    if (out.timesSkipped) report.notes.push("time readings in the text skipped");
  }
  return reports;
}
