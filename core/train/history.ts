// What fit() returns: per-epoch logs (Keras' History), and why training stopped.
export type Logs = Record<string, number>;

export type StopKind = "requested" | "nonFinite" | "earlyStopping" | "callback";

export class History {
  /** Epoch numbers (from 1) that completed. */
  readonly epoch: number[] = [];
  /** Each logged quantity per epoch: loss, accuracy, valLoss, valAccuracy, lr, ... */
  readonly history: Record<string, number[]> = {};
  /** Training loss after every batch, for fine-grained curves. */
  readonly batchLoss: number[] = [];
  /** Why training ended early, if it did. */
  stopped: { kind: StopKind; message: string; epoch: number; batch: number } | null = null;

  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    const n = this.epoch.length;
    for (const [k, v] of Object.entries(logs)) {
      const list = (this.history[k] ??= []);
      while (list.length < n - 1) list.push(NaN);
      list.push(v);
    }
  }

  toString(): string {
    const keys = Object.keys(this.history);
    const lines = [["epoch", ...keys].map((k) => k.padStart(12)).join("")];
    this.epoch.forEach((e, i) => {
      lines.push([String(e), ...keys.map((k) => fmt(this.history[k][i]))].map((s) => s.padStart(12)).join(""));
    });
    if (this.stopped) lines.push(`stopped: ${this.stopped.message}`);
    return lines.join("\n");
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The table, plus its curves for the notebook (core/rich.ts, loaded late to keep the import graph acyclic). */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return (require("../rich") as typeof import("../rich")).historyBundle(this);
  }
}

function fmt(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}
