// Printing tensors the way PyTorch does, so course code and its output look familiar:
//   tensor([[ 1.0000, -2.5000],
//           [ 3.0000,  4.0000]], requiresGrad=true)
// Large tensors are summarised with "..." (3 items at each edge beyond 1000 elements).
import type { Tensor } from "./tensor";

const EDGE = 3;
const THRESHOLD = 1000;

interface Style {
  fmt: (v: number) => string;
  width: number;
}

/** Chooses fixed or scientific notation from the values shown, as PyTorch's formatter does. */
function chooseStyle(values: number[], dtype: string): Style {
  if (dtype === "bool") return { fmt: (v) => (v ? "True" : "False"), width: 5 };
  if (dtype === "int32") {
    const width = Math.max(1, ...values.map((v) => String(v).length));
    return { fmt: (v) => String(v), width };
  }
  const finite = values.filter((v) => Number.isFinite(v));
  const abs = finite.map(Math.abs).filter((v) => v > 0);
  const allInts = finite.every((v) => Number.isInteger(v));
  const maxAbs = abs.length ? Math.max(...abs) : 0;
  const minAbs = abs.length ? Math.min(...abs) : 0;
  let fmt: (v: number) => string;
  if (allInts && maxAbs < 1e8) {
    fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(0)}.` : special(v));
  } else if (maxAbs >= 1e8 || (minAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1000))) {
    fmt = (v) => (Number.isFinite(v) ? v.toExponential(4).replace(/e([+-])(\d)$/, "e$10$2") : special(v));
  } else {
    fmt = (v) => (Number.isFinite(v) ? v.toFixed(4) : special(v));
  }
  const width = Math.max(1, ...values.map((v) => fmt(v).length));
  return { fmt, width };
}

function special(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

/** Values of the (possibly summarised) tensor, used to choose one format for all. */
function shownValues(t: Tensor, summarise: boolean): number[] {
  const data = t.dataSync();
  if (!summarise) return Array.from(data as ArrayLike<number>);
  const out: number[] = [];
  const walk = (d: number, off: number) => {
    if (d === t.ndim) { out.push(data[off]); return; }
    const n = t.shape[d];
    const stride = t.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const idx = n > 2 * EDGE ? [...Array(EDGE).keys(), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    for (const i of idx) walk(d + 1, off + i * stride);
  };
  walk(0, 0);
  return out;
}

export function formatTensor(t: Tensor): string {
  const summarise = t.numel > THRESHOLD;
  const style = chooseStyle(shownValues(t, summarise), t.dtype);
  const cell = (v: number) => style.fmt(v).padStart(style.width);
  const prefix = "tensor(";
  const data = t.dataSync();
  const rec = (d: number, off: number, indent: number): string => {
    if (d === t.ndim) return cell(data[off]);
    const n = t.shape[d];
    const stride = t.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const parts: string[] = [];
    const push = (i: number) => parts.push(rec(d + 1, off + i * stride, indent + 1));
    if (summarise && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) push(i);
      parts.push("...");
      for (let i = n - EDGE; i < n; i++) push(i);
    } else {
      for (let i = 0; i < n; i++) push(i);
    }
    if (d === t.ndim - 1) return `[${parts.join(", ")}]`;
    const sep = "," + "\n".repeat(t.ndim - 1 - d) + " ".repeat(indent + 1);
    return `[${parts.join(sep)}]`;
  };
  let body = t.ndim === 0 ? style.fmt(data[0]) : t.numel === 0 ? "[]" : rec(0, 0, prefix.length);
  const extras: string[] = [];
  if (t.numel === 0 && t.ndim > 1) extras.push(`size=[${t.shape.join(", ")}]`);
  if (t.dtype !== "float32") extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.op}>`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  if (t.name) extras.unshift(`name=${JSON.stringify(t.name)}`);
  if (extras.length) body += ", " + extras.join(", ");
  return `${prefix}${body})`;
}
