// The input history behind history_request (a console's up-arrow, %history-style tools),
// as IPython keeps it: every kernel start is a new session, numbered on from the last;
// each cell executed with store_history is (session, execution count, source), and what
// its result printed as text. It lives in one JSON-lines file under the user's Jupyter
// data directory, so it outlives restarts; appends are single writes (several kernels may
// share the file), and the file is cut back to its newest entries when it grows too long.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type HistoryEntry = [session: number, line: number, input: string] | [session: number, line: number, inputOutput: [string, string | null]];

interface Record { s: number; n: number; in?: string; out?: string }

export interface HistoryRequest {
  hist_access_type?: string;
  output?: boolean;
  session?: number;
  start?: number;
  stop?: number | null;
  n?: number | null;
  pattern?: string;
  unique?: boolean;
}

/** Where Jupyter keeps per-user data (jupyter_core's jupyter_data_dir on Linux). */
export function jupyterDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), ".local", "share");
  return path.join(xdg, "jupyter");
}

export const MAX_ENTRIES = 10_000;
/** A cell's source or printed result longer than this is kept cut short. */
const MAX_TEXT = 100_000;

/** fnmatch-style glob (`*`, `?`, `[…]`) matched against the whole source, as IPython's search. */
export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) { re += "\\["; continue; }
      let set = pattern.slice(i + 1, close).replace(/\\/g, "\\\\");
      if (set.startsWith("!")) set = "^" + set.slice(1);
      re += `[${set}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export class History {
  private entries: Map<string, { s: number; n: number; in: string; out: string | null }> | null = null;
  private sessionNo = 0;

  constructor(readonly file: string = path.join(jupyterDataDir(), "gradlab", "history.jsonl"), private readonly maxEntries = MAX_ENTRIES) {}

  /** This kernel's session number (one more than the last one in the file). */
  get session(): number {
    this.load();
    return this.sessionNo;
  }

  record(line: number, input: string): void {
    this.write({ s: this.session, n: line, in: input.slice(0, MAX_TEXT) });
  }

  recordOutput(line: number, output: string): void {
    this.write({ s: this.session, n: line, out: output.slice(0, MAX_TEXT) });
  }

  /** The history_reply's `history` for a history_request's content. */
  answer(req: HistoryRequest): HistoryEntry[] {
    const all = this.list();
    const withOutput = !!req.output;
    const shape = (e: { s: number; n: number; in: string; out: string | null }): HistoryEntry =>
      withOutput ? [e.s, e.n, [e.in, e.out]] : [e.s, e.n, e.in];
    const count = (n: unknown, fallback: number) => (typeof n === "number" && Number.isFinite(n) && n >= 0 ? Math.floor(n) : fallback);
    switch (req.hist_access_type) {
      case "tail": {
        const n = count(req.n, 10);
        return n > 0 ? all.slice(-n).map(shape) : [];
      }
      case "range": {
        const asked = typeof req.session === "number" ? Math.trunc(req.session) : 0;
        const session = asked > 0 ? asked : this.session + asked; // 0: this one; -1: the one before
        const start = count(req.start, 0), stop = typeof req.stop === "number" ? req.stop : Infinity;
        return all.filter((e) => e.s === session && e.n >= start && e.n < stop).map(shape);
      }
      case "search": {
        const re = globToRegExp(typeof req.pattern === "string" ? req.pattern : "*");
        let hits = all.filter((e) => re.test(e.in));
        if (req.unique) {
          const seen = new Set<string>();
          hits = hits.reverse().filter((e) => !seen.has(e.in) && !!seen.add(e.in)).reverse();
        }
        const n = count(req.n, 0);
        return (n > 0 ? hits.slice(-n) : hits).map(shape);
      }
      default:
        return [];
    }
  }

  /** Every entry, oldest first. */
  private list() {
    this.load();
    return [...this.entries!.values()];
  }

  private load(): void {
    if (this.entries) return;
    this.entries = new Map();
    let text = "";
    try {
      text = fs.readFileSync(this.file, "utf8");
    } catch { /* no history yet */ }
    let last = 0, lines = 0;
    for (const line of text.split("\n")) {
      if (!line) continue;
      lines++;
      let r: Record;
      try {
        r = JSON.parse(line);
      } catch {
        continue; // a line cut short by a crash or a concurrent write
      }
      if (!Number.isInteger(r?.s) || !Number.isInteger(r?.n)) continue;
      last = Math.max(last, r.s);
      this.apply(r);
    }
    this.sessionNo = last + 1;
    if (lines > this.maxEntries * 1.5) this.compact();
  }

  private apply(r: Record): void {
    const key = `${r.s}:${r.n}`;
    const e = this.entries!.get(key);
    if (typeof r.in === "string") {
      this.entries!.delete(key); // re-inserted: the newest stays last
      this.entries!.set(key, { s: r.s, n: r.n, in: r.in, out: e?.out ?? null });
    } else if (e && typeof r.out === "string") e.out = r.out;
  }

  private write(r: Record): void {
    this.load();
    this.apply(r);
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.appendFileSync(this.file, JSON.stringify(r) + "\n");
    } catch { /* a read-only home: history stays in memory for this session */ }
  }

  /** Keeps the newest maxEntries entries (written to a new file, then renamed over the old one). */
  private compact(): void {
    const keep = [...this.entries!.values()].slice(-this.maxEntries);
    this.entries = new Map(keep.map((e) => [`${e.s}:${e.n}`, e]));
    const lines = keep.map((e) => JSON.stringify({ s: e.s, n: e.n, in: e.in, ...(e.out !== null ? { out: e.out } : {}) }) + "\n");
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, lines.join(""));
      fs.renameSync(tmp, this.file);
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }
}
