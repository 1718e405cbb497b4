// Small DOM helpers. Text from payloads only ever goes in through textContent, never
// innerHTML: that is what makes the renderers `safe`.

/** A new element with a class and (plain) text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A number as a short readable string (4 significant digits; NaN and ±Inf by name). */
export function fmt(v: number | string): string {
  if (typeof v === "string") return v;
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** A payload value (numbers, or "NaN"/"Infinity"/"-Infinity" since JSON has none) as a number. */
export function num(v: number | string): number {
  return typeof v === "number" ? v : Number(v);
}

/** The message shown in place of a payload this renderer cannot draw. */
export function refusal(node: HTMLElement, what: string, version: unknown): void {
  node.replaceChildren(el("div", "jp-gradlab-error", `gradlab: cannot draw this ${what} (payload version ${String(version)}; this extension knows version 1). Update the extension.`));
}
