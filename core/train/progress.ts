// Progress of long work in Keras' manner: a bar with counts, elapsed time, ETA and the
// running numbers. Where it goes depends on where gradlab runs:
//   - in the kernel (and `gradlab run`): one display, updated in place through its
//     display id, so a saved notebook holds one final line per epoch and no flood;
//   - on a terminal: a carriage-return line redrawn in place;
//   - anywhere else (a pipe, a CI log): one plain line when each piece of work ends.
// Updates are cheap (a clock read); drawing is throttled so that it stays well under
// 1 % of the work it reports on.
import { getDisplayTransport, newDisplayId, VOLATILE } from "../viz/display";
import { ValueError, describeValue } from "../errors";

/** 0 silent; 1 a line updated in place (the default); 2 one line per finished piece. */
export type Verbosity = 0 | 1 | 2;

export function checkVerbosity(v: unknown, what: string): Verbosity {
  if (v === undefined) return defaultVerbosity();
  if (v === 0 || v === 1 || v === 2) return v;
  if (v === true) return 1;
  if (v === false) return 0;
  throw new ValueError(`${what}: verbose must be 0 (silent), 1 (a line updated in place) or 2 (one line per epoch); got ${describeValue(v)}`);
}

/** GRADLAB_VERBOSE=0|1|2 sets the default for fit, evaluate and data loading. */
function defaultVerbosity(): Verbosity {
  const env = process.env.GRADLAB_VERBOSE;
  return env === "0" ? 0 : env === "2" ? 2 : 1;
}

/** Where progress lines are drawn. `current` is redrawn in place; `commit` keeps a finished line. */
interface Surface {
  current(line: string): void;
  commit(line: string): void;
  /** Work failed: leave what is drawn as it is, and the terminal ready for what follows. */
  abandon(): void;
  /** Whether drawing the current line shows anything (a plain log only keeps finished lines). */
  readonly live: boolean;
}

/** The kernel's display: finished lines plus the current one, as one text output updated by id. */
class DisplaySurface implements Surface {
  readonly live = true;
  private readonly id = newDisplayId("progress");
  private readonly done: string[] = [];
  private shown = false;
  private now = "";
  current(line: string): void {
    this.now = line;
    this.send();
  }
  commit(line: string): void {
    this.done.push(line);
    this.now = "";
    this.send();
  }
  private send(): void {
    const t = getDisplayTransport();
    if (!t) return;
    const text = this.now ? [...this.done, this.now].join("\n") : this.done.join("\n");
    const bundle = { "text/plain": text };
    // Elapsed times and ETAs differ on every run: the output says so, for gradlab verify.
    if (this.shown) t.update(bundle, this.id, VOLATILE);
    else { this.shown = true; t.display(bundle, this.id, VOLATILE); }
  }
  abandon(): void {}
}

/** A terminal: the current line redrawn after a carriage return, finished lines kept. */
class TerminalSurface implements Surface {
  readonly live = true;
  private open = false;
  constructor(private readonly out: NodeJS.WriteStream) {}
  current(line: string): void {
    this.out.write(`\r${line}\x1b[K`);
    this.open = true;
  }
  commit(line: string): void {
    this.out.write(`\r${line}\x1b[K\n`);
    this.open = false;
  }
  abandon(): void {
    if (this.open) this.out.write("\n");
    this.open = false;
  }
}

/** A log: finished lines only. */
class LineSurface implements Surface {
  readonly live = false;
  constructor(private readonly write: (s: string) => void) {}
  current(): void {}
  commit(line: string): void {
    this.write(line + "\n");
  }
  abandon(): void {}
}

function surfaceFor(verbose: Verbosity): { surface: Surface; color: boolean; barWidth: number } | null {
  if (verbose === 0) return null;
  if (getDisplayTransport()) {
    // In a notebook, verbose 2 is Keras' one printed line per epoch.
    if (verbose === 2) return { surface: new LineSurface((s) => process.stdout.write(s)), color: false, barWidth: 0 };
    return { surface: new DisplaySurface(), color: false, barWidth: 30 };
  }
  // Plain Node: stderr, as tqdm does, so a script's stdout stays its own.
  const err = process.stderr;
  const color = !!err.isTTY && process.env.NO_COLOR === undefined && process.env.TERM !== "dumb";
  if (verbose === 1 && err.isTTY && process.env.TERM !== "dumb") return { surface: new TerminalSurface(err), color, barWidth: barWidthFor(err) };
  return { surface: new LineSurface((s) => err.write(s)), color: false, barWidth: 0 };
}

function barWidthFor(out: NodeJS.WriteStream): number {
  const cols = out.columns || 80;
  return cols >= 100 ? 30 : cols >= 70 ? 20 : 10;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s < 10 ? s.toFixed(1) : s.toFixed(0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s - m * 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(4);
}

function bar(done: number, total: number, width: number, color: boolean): string {
  if (width <= 0) return "";
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.floor(frac * width);
  const head = full < width ? (frac * width - full >= 0.5 ? "▌" : "") : "";
  const filled = "█".repeat(full) + head;
  const rest = "░".repeat(width - full - (head ? 1 : 0));
  return color ? `\x1b[32m${filled}\x1b[2m${rest}\x1b[0m ` : `${filled}${rest} `;
}

export interface ProgressOptions {
  verbose?: Verbosity;
  /** Nothing is drawn before this much time has passed (evaluate and loading: 1 s). */
  delayMs?: number;
  /** Least time between two redraws (default: 100 ms on a terminal, 250 ms in a notebook). */
  intervalMs?: number;
  /** Show the time per step on the finished line (default true; off where steps differ in kind). */
  perStep?: boolean;
}

/**
 * One progress output, made of pieces (an epoch each) drawn one after another: begin()
 * a piece, update() it as work is done, end() it with its final numbers.
 */
export class Progress {
  private readonly out: ReturnType<typeof surfaceFor>;
  private readonly delayMs: number;
  private readonly perStep: boolean;
  private interval: number;
  private readonly baseInterval: number;
  private label = "";
  private total = 0;
  private t0 = 0;
  private lastDraw = -Infinity;
  private drawn = false;
  /** Redraws made (tests and the cost benchmark read it). */
  draws = 0;
  /** Milliseconds spent drawing. */
  drawMs = 0;

  constructor(opts: ProgressOptions = {}) {
    this.out = surfaceFor(opts.verbose ?? defaultVerbosity());
    this.delayMs = opts.delayMs ?? 0;
    this.perStep = opts.perStep ?? true;
    this.interval = this.baseInterval = opts.intervalMs ?? (this.out?.surface instanceof DisplaySurface ? 250 : 100);
  }

  /** Whether anything is drawn at all (verbose 0 draws nothing). */
  get active(): boolean {
    return this.out !== null;
  }

  begin(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.t0 = performance.now();
    this.lastDraw = -Infinity;
  }

  /** Records `done` of the piece's total; redraws when one is due. Cheap when none is. */
  update(done: number, values?: Record<string, number> | (() => Record<string, number>), note?: string): void {
    const out = this.out;
    if (!out || !out.surface.live) return;
    const now = performance.now();
    if (now - this.t0 < this.delayMs || now - this.lastDraw < this.interval) return;
    this.draw(now, () => {
      const elapsed = (now - this.t0) / 1000;
      const eta = done > 0 && done < this.total ? (elapsed / done) * (this.total - done) : NaN;
      const vals = typeof values === "function" ? values() : values;
      out.surface.current(this.line(done, elapsed, Number.isNaN(eta) ? "" : `ETA ${fmtSeconds(eta)}`, vals, note));
    });
  }

  /** Ends the piece with its final numbers (and why it ended early, if it did). */
  end(done: number, values?: Record<string, number>, note?: string): void {
    const out = this.out;
    if (!out) return;
    const now = performance.now();
    // Work shorter than the delay leaves no trace, unless something had already been drawn.
    if (!this.drawn && now - this.t0 < this.delayMs) return;
    this.draw(now, () => {
      const elapsed = (now - this.t0) / 1000;
      const perStep = done > 0 && this.perStep ? `${fmtStep((elapsed / done) * 1000)}/step` : "";
      out.surface.commit(this.line(done, elapsed, perStep, values, note));
    });
  }

  /** The work failed: a half-drawn terminal line is ended so the error prints below it. */
  abandon(): void {
    this.out?.surface.abandon();
  }

  private draw(now: number, fn: () => void): void {
    const start = performance.now();
    fn();
    this.drawn = true;
    this.draws++;
    const cost = performance.now() - start;
    this.drawMs += cost;
    this.lastDraw = now;
    // A redraw that took d ms waits at least 200·d before the next (at most 2 s): drawing
    // stays under 0.5 % of the time. The first draw, still compiling, does not count.
    if (this.draws > 1) this.interval = Math.max(this.baseInterval, Math.min(2000, 200 * cost));
  }

  private line(done: number, elapsed: number, timing: string, values?: Record<string, number>, note?: string): string {
    const out = this.out!;
    const w = String(this.total).length;
    const parts = [`${this.label}  ${bar(done, this.total, out.barWidth, out.color)}${String(done).padStart(w)}/${this.total}  ${fmtSeconds(elapsed)}`];
    if (timing) parts.push(out.color ? `\x1b[2m${timing}\x1b[0m` : timing);
    if (values) for (const [k, v] of Object.entries(values)) parts.push(`${k} ${fmtValue(v)}`);
    let text = parts.join("  ");
    if (note) text += `  (${note})`;
    return text;
  }
}

function fmtStep(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1 ? `${ms.toFixed(0)} ms` : `${(ms * 1000).toFixed(0)} µs`;
}
