// What a cell prints, gathered into few stream messages, as IPython's output does: text
// goes out once 50 ms have passed since the last send (so a long synchronous loop's output
// still arrives while it runs), once 64 KiB have gathered, before any other output of the
// cell (the order stays), and when the cell ends; a timer sends what is left. A loop that
// prints 20,000 lines thus sends a few dozen messages, not 20,000.
export type StreamName = "stdout" | "stderr";

export class StreamBuffer {
  private name: StreamName | null = null;
  private text = "";
  private lastSent = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly send: (name: StreamName, text: string) => void, private readonly intervalMs = 50, private readonly maxChars = 65536) {}

  write(name: StreamName, text: string): void {
    if (this.name !== null && this.name !== name) this.flush();
    this.name = name;
    this.text += text;
    if (performance.now() - this.lastSent >= this.intervalMs || this.text.length >= this.maxChars) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => { this.timer = null; this.flush(); }, this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Sends what has gathered now. */
  flush(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.name === null || this.text === "") return;
    const name = this.name, text = this.text;
    this.name = null;
    this.text = "";
    this.lastSent = performance.now();
    this.send(name, text);
  }
}
