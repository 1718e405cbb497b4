// Where a saved notebook keeps its provenance (see core/provenance.ts): `gradlab run`
// writes metadata.gradlab.provenance; a notebook a Jupyter client saved has the facts at
// kernel start in metadata.language_info.gradlab.provenance and every later change in
// the metadata of an output (metadata.gradlab.provenance). The most complete one wins.

type Facts = Record<string, unknown>;

/** The mime type of an output that only carries provenance facts (a cell that set a seed and showed nothing else). */
export const PROVENANCE_MIME = "application/vnd.gradlab-provenance+json";

const isObject = (v: unknown): v is Facts => !!v && typeof v === "object" && !Array.isArray(v);

function factsIn(holder: unknown): Facts | null {
  if (!isObject(holder) || !isObject(holder.gradlab)) return null;
  const p = holder.gradlab.provenance;
  return isObject(p) ? p : null;
}

/** The provenance facts a notebook holds, or null when it holds none. */
export function notebookProvenance(nb: any): Facts | null {
  const meta = isObject(nb?.metadata) ? nb.metadata : {};
  const written = factsIn(meta);
  if (written) return written;
  let last: Facts | null = factsIn(meta.language_info);
  for (const cell of Array.isArray(nb?.cells) ? nb.cells : []) {
    for (const o of Array.isArray(cell?.outputs) ? cell.outputs : []) last = factsIn(o?.metadata) ?? last;
  }
  return last;
}

/** Each fact in a line of words: "seeds 0, 1", "dataset train-images-idx3-ubyte.gz sha256 3aed…". */
export function describeProvenance(p: Facts): [string, string][] {
  const rows: [string, string][] = [];
  for (const [k, v] of Object.entries(p)) {
    if (k === "seeds") rows.push(["seeds", Array.isArray(v) && v.length ? v.map(String).join(", ") : "none set"]);
    else if (k === "datasets") {
      const list = Array.isArray(v) ? v : [];
      if (list.length === 0) rows.push(["datasets", "none read"]);
      for (const d of list) rows.push(["dataset", isObject(d) ? `${String(d.file)} (${String(d.bytes)} bytes) sha256 ${String(d.sha256)}` : String(d)]);
    } else rows.push([k, v === null ? "none" : typeof v === "object" ? JSON.stringify(v) : String(v)]);
  }
  return rows;
}
