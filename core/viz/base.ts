// What every viz object shares: a gradlab payload, a static fallback drawn here
// (SVG or PNG), and a short text/plain, returned together as one mime bundle.
import { DISPLAY, type MimeBundle } from "./schema";
import { esc } from "./svg";

export abstract class VizObject<P> {
  abstract readonly mime: string;
  /** The JSON the extension renders (see schema.ts). */
  abstract payload(): P;
  /** The static fallback: [mime type, data] (SVG text, or base64 PNG). */
  abstract fallback(): [string, string];
  /** A short printout. */
  abstract text(): string;

  /** The whole mime bundle. */
  bundle(): MimeBundle {
    const [fm, fd] = this.fallback();
    return withSvgImage({ [this.mime]: this.payload(), [fm]: fd, "text/plain": this.text() });
  }
  [DISPLAY](): MimeBundle {
    return this.bundle();
  }
  toString(): string {
    return this.text();
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.text();
  }
}

/**
 * An SVG fallback also as text/html: an <img> with the SVG as a data URI. Front ends
 * without the gradlab extension show that, and it survives HTML export: nbconvert before
 * 7 (Debian 12 has 6.5) passes inline SVG through lxml's clean_html, which strips every
 * element inside <svg> and leaves an empty figure (nbconvert 7 writes this same <img>).
 * The gradlab JupyterLab extension's renderers rank before text/html, so it is unused there.
 */
export function withSvgImage(bundle: MimeBundle): MimeBundle {
  const svg = bundle["image/svg+xml"];
  if (typeof svg !== "string" || "text/html" in bundle) return bundle;
  const alt = esc(String(bundle["text/plain"] ?? "figure").split("\n")[0]);
  bundle["text/html"] = `<img alt="${alt}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}">`;
  return bundle;
}

/** Rounds to 4 significant digits: plenty for drawing, and a third of the JSON. Not a number: NaN (a gap). */
export function r4(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : typeof v === "number" ? v : NaN;
}
