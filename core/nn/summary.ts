// model.summary(): the Keras-style table of layers, output shapes and parameter counts
// (COURSE.md examples 7 and 8), printed exactly as Keras prints it.
import { Tensor } from "../tensor";
import { Module } from "./module";
import { Linear, Dense } from "./linear";
import { Conv2d } from "./conv";
import { zeros } from "../ops/creation";
import { noGrad } from "../autograd";
import { ValueError } from "../errors";

export interface SummaryRow {
  name: string;
  type: string;
  /** Output shape with the batch as null, or null when no input shape was known. */
  outputShape: (number | null)[] | null;
  params: number;
}

/** Keras' column positions for a sequential model, line length 65. */
const POSITIONS = [29, 55, 65];

function row(fields: string[]): string {
  let line = "";
  fields.forEach((f, col) => {
    const start = col > 0 ? POSITIONS[col - 1] : 0;
    const space = col !== POSITIONS.length - 1 ? 2 : 0;
    line += f.slice(0, POSITIONS[col] - start - space) + " ".repeat(space);
    line += " ".repeat(Math.max(0, POSITIONS[col] - line.length));
  });
  return line;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

export class Summary {
  constructor(readonly modelName: string, readonly rows: SummaryRow[], readonly total: number, readonly trainable: number) {}

  get nonTrainable(): number {
    return this.total - this.trainable;
  }

  toString(): string {
    const fmtShape = (s: SummaryRow["outputShape"]) => (s ? `(${s.map((d) => (d === null ? "None" : String(d))).join(", ")})` : "?");
    const lines = [`Model: "${this.modelName}"`, "_".repeat(65), row([" Layer (type)", "Output Shape", "Param #"]), "=".repeat(65)];
    this.rows.forEach((r, i) => {
      // Keras prints a row's count bare and the totals with thousands separators.
      lines.push(row([` ${r.name} (${r.type})`, fmtShape(r.outputShape), String(r.params)]));
      if (i < this.rows.length - 1) lines.push(" ".repeat(65));
    });
    lines.push("=".repeat(65));
    lines.push(`Total params: ${this.total.toLocaleString("en-US")}`);
    lines.push(`Trainable params: ${this.trainable.toLocaleString("en-US")}`);
    lines.push(`Non-trainable params: ${this.nonTrainable.toLocaleString("en-US")}`);
    lines.push("_".repeat(65));
    return lines.join("\n");
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    const cells = this.rows.map((r) => `<tr><td>${escapeHtml(r.name)} (${escapeHtml(r.type)})</td><td>${r.outputShape ? escapeHtml(`(${r.outputShape.map((d) => (d === null ? "None" : d)).join(", ")})`) : "?"}</td><td style="text-align:right">${r.params.toLocaleString("en-US")}</td></tr>`);
    const html = `<table><caption>Model: ${escapeHtml(this.modelName)}</caption><thead><tr><th>Layer (type)</th><th>Output Shape</th><th>Param #</th></tr></thead>` +
      `<tbody>${cells.join("")}</tbody><tfoot><tr><td colspan="3">Total params: ${this.total.toLocaleString("en-US")}<br>` +
      `Trainable params: ${this.trainable.toLocaleString("en-US")}<br>Non-trainable params: ${this.nonTrainable.toLocaleString("en-US")}</td></tr></tfoot></table>`;
    return { "text/plain": this.toString(), "text/html": html };
  }
}

/** The layers a summary lists: modules without children, in the order they were defined. */
function leaves(model: Module): [string, Module][] {
  return model.namedModules().filter(([, m]) => m.children().length === 0);
}

/** The input's feature shape when the first layer makes it obvious (Linear: [in]; Conv2d needs H, W). */
function inferInputShape(model: Module): number[] | null {
  const first = leaves(model)[0]?.[1];
  if (first instanceof Linear) return [first.inFeatures];
  return null;
}

function ownParams(m: Module): { total: number; trainable: number } {
  // A leaf has no children, so its parameters are its own.
  const ps = m.parameters();
  return { total: ps.reduce((a, p) => a + p.numel, 0), trainable: ps.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel, 0) };
}

/**
 * The Keras-style summary. inputShape is one sample's shape without the batch (e.g. [1, 28, 28]);
 * when given (or obvious from a first Linear layer) a dry run on zeros fills in the output shapes.
 */
export function summary(model: Module, inputShape?: number[]): Summary {
  const shape = inputShape ?? inferInputShape(model);
  const list = leaves(model);
  const outShapes = new Map<Module, number[]>();
  if (shape) {
    const originals = list.map(([, m]) => [m, m.forward] as const);
    const wasTraining = model.training;
    try {
      for (const [m, f] of originals) {
        (m as any).forward = (...xs: Tensor[]) => {
          const y = f.apply(m, xs);
          outShapes.set(m, y.shape.slice(1));
          return y;
        };
      }
      model.eval();
      noGrad(() => model.forward(zeros([1, ...shape], { dtype: (model.parameters()[0]?.dtype) ?? "float32" })));
    } catch (e) {
      throw new ValueError(`summary: a dry run with input shape [${shape}] failed: ${(e as Error).message}`);
    } finally {
      for (const [m] of originals) delete (m as any).forward;
      model.train(wasTraining);
    }
  }
  const rows: SummaryRow[] = list.map(([path, m]) => {
    const type = m instanceof Dense ? "Dense" : m instanceof Conv2d ? "Conv2d" : m.typeName();
    const s = outShapes.get(m);
    return { name: m.name ?? (path || m.typeName().toLowerCase()), type, outputShape: s ? [null, ...s] : null, params: ownParams(m).total };
  });
  const total = model.numParameters();
  const trainable = model.numParameters({ trainable: true });
  return new Summary(model.name ?? model.typeName().toLowerCase(), rows, total, trainable);
}
