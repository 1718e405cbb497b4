// A status line for gradlab's commands (`gradlab run`, `gradlab grade`, `npm run bench`):
// on a terminal, one line redrawn in place under the lines already kept; in a log (a
// pipe, a CI job, TERM=dumb), only the kept lines, plain. It writes to stderr's file
// descriptor directly, so that what a notebook's cells print (captured by the session)
// and the command's own results on stdout stay apart from it.
import * as fs from "node:fs";

export class StatusLine {
  readonly tty: boolean;
  readonly color: boolean;
  private shown = "";

  constructor(private readonly fd = 2, private readonly quiet = process.env.GRADLAB_VERBOSE === "0") {
    this.tty = !quiet && isTty(fd) && process.env.TERM !== "dumb";
    this.color = this.tty && process.env.NO_COLOR === undefined;
  }

  /** Redraws the status (a terminal only: a log keeps just the finished lines). */
  show(text: string): void {
    if (!this.tty) return;
    this.shown = text;
    this.write(`\r${fit(text, columns(this.fd))}\x1b[K`);
  }

  /** Keeps a finished line above the status. */
  log(text: string): void {
    if (this.quiet) return;
    if (!this.tty) { this.write(text + "\n"); return; }
    this.write(`\r${text}\x1b[K\n`);
    if (this.shown) this.write(`${fit(this.shown, columns(this.fd))}\x1b[K`);
  }

  /** Takes the status away (before the command's last words). */
  clear(): void {
    if (this.tty && this.shown) this.write("\r\x1b[K");
    this.shown = "";
  }

  green(s: string): string { return this.color ? `\x1b[32m${s}\x1b[0m` : s; }
  red(s: string): string { return this.color ? `\x1b[31m${s}\x1b[0m` : s; }
  dim(s: string): string { return this.color ? `\x1b[2m${s}\x1b[0m` : s; }

  private write(s: string): void {
    try { fs.writeSync(this.fd, s); } catch { /* a closed stderr: nothing to show */ }
  }
}

function isTty(fd: number): boolean {
  try { return require("node:tty").isatty(fd); } catch { return false; }
}

function columns(fd: number): number {
  return (fd === 2 ? process.stderr.columns : process.stdout.columns) || 100;
}

/** Cuts a line to the terminal's width (escape codes do not count), so a redraw never wraps. */
function fit(text: string, width: number): string {
  let visible = 0, out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\x1b") {
      const end = text.indexOf("m", i);
      out += text.slice(i, end + 1);
      i = end;
      continue;
    }
    if (visible >= width - 1) return out + "…\x1b[0m";
    out += text[i];
    visible++;
  }
  return out;
}

/** Seconds as a person reads them: 0.4 s, 12 s, 3 min 05 s. */
export function seconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${s.toFixed(0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(Math.floor(s - m * 60)).padStart(2, "0")} s`;
}
