// The display transport: how a live object (a loss plot) reaches the notebook. The
// kernel sets it; in plain Node nothing is set and live updates are no-ops.
import type { MimeBundle } from "./schema";

export interface DisplayTransport {
  /** Shows a new output that later updates replace (Jupyter's display_data with a display_id). */
  display(bundle: MimeBundle, displayId: string, metadata?: Record<string, unknown>): void;
  /** Replaces the output shown under displayId (update_display_data), metadata included. */
  update(bundle: MimeBundle, displayId: string, metadata?: Record<string, unknown>): void;
}

/**
 * The output metadata of a display whose content differs from run to run by nature
 * (elapsed times, an ETA): `gradlab verify` skips such outputs.
 */
export const VOLATILE = { gradlab: { volatile: true } } as const;

let transport: DisplayTransport | null = null;

/** Sets (or, with null, clears) the transport live viz objects use; returns the previous one. */
export function setDisplayTransport(t: DisplayTransport | null): DisplayTransport | null {
  const previous = transport;
  transport = t;
  return previous;
}

export function getDisplayTransport(): DisplayTransport | null {
  return transport;
}

let counter = 0;
/** A display id unique in this process. */
export function newDisplayId(kind: string): string {
  return `gradlab-${kind}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}
