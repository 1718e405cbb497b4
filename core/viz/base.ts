// What every viz object shares: a gradlab payload, a static fallback drawn here
// (SVG or PNG), and a short text/plain, returned together as one mime bundle.
import { DISPLAY, type MimeBundle } from "./schema";

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
    return { [this.mime]: this.payload(), [fm]: fd, "text/plain": this.text() };
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

/** Rounds to 4 significant digits: plenty for drawing, and a third of the JSON. */
export function r4(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(4)) : v;
}
