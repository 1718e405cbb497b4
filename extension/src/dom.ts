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
export function fmt(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/**
 * gradlab's error box, in place of an output that cannot be drawn: what it is and why
 * (the field and what was expected), as plain text. Returned, never thrown: JupyterLab
 * would show a rejected render as a raw "Javascript Error".
 */
export function errorBox(what: string, why: string): HTMLElement {
  const box = el("div", "jp-gradlab-error");
  box.append(el("b", undefined, `gradlab cannot draw this ${what}: `), document.createTextNode(why));
  box.setAttribute("role", "alert");
  return box;
}

/** Runs draw; whatever it throws is shown in the error box in node instead. */
export async function guarded(node: HTMLElement, what: string, draw: () => void | Promise<void>): Promise<void> {
  try {
    await draw();
  } catch (e) {
    node.replaceChildren(errorBox(what, `drawing it failed (${e instanceof Error ? e.message : String(e)})`));
  }
}
