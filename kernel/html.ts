// An executed notebook as one HTML page that needs no extension: each output shows its
// static fallback (SVG or PNG as images, HTML as is, otherwise the text, escaped), and
// a footer with what produced the outputs (the notebook's provenance).
import { notebookProvenance, describeProvenance } from "./notebook_provenance";

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const join = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));
// ANSI colour codes from tracebacks would show as noise.
const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

function output(o: any): string {
  if (o.output_type === "stream") return `<pre class="stream ${o.name}">${escape(plain(join(o.text)))}</pre>`;
  if (o.output_type === "error") return `<pre class="error">${escape(plain([`${o.ename}: ${o.evalue}`, ...(o.traceback ?? []).slice(1)].join("\n")))}</pre>`;
  const d = o.data ?? {};
  if (d["image/svg+xml"]) return `<img alt="figure" src="data:image/svg+xml;base64,${Buffer.from(join(d["image/svg+xml"])).toString("base64")}">`;
  if (d["image/png"]) return `<img alt="figure" src="data:image/png;base64,${join(d["image/png"]).replace(/\s/g, "")}">`;
  if (d["text/html"]) return `<div class="html">${join(d["text/html"])}</div>`;
  if (d["text/plain"] !== undefined) return `<pre>${escape(join(d["text/plain"]))}</pre>`;
  return "";
}

/** The footer: each provenance fact on a line, or a line saying the notebook records none. */
function footer(nb: any): string {
  const p = notebookProvenance(nb);
  if (!p) return `<footer class="provenance"><p>This notebook does not record what produced its outputs.</p></footer>`;
  const rows = describeProvenance(p).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`);
  return `<footer class="provenance"><h2>Provenance</h2><table>${rows.join("")}</table></footer>`;
}

export function notebookHtml(nb: any, title: string): string {
  const cells = (nb.cells ?? []).map((c: any) => {
    if (c.cell_type === "markdown") return `<div class="md"><pre>${escape(join(c.source))}</pre></div>`;
    if (c.cell_type !== "code") return "";
    const n = c.execution_count ?? " ";
    return `<div class="cell"><div class="in"><span class="prompt">[${n}]:</span><pre>${escape(join(c.source))}</pre></div>` +
      `<div class="out">${(c.outputs ?? []).map(output).join("\n")}</div></div>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}
pre{background:#f7f7f7;padding:.5rem;overflow-x:auto}.md pre{background:none;white-space:pre-wrap;font-family:inherit}
.prompt{color:#307fc1;font-family:monospace}.error{background:#fdd}.stream.stderr{background:#fee}
img{max-width:100%}.cell{margin:1rem 0}
footer.provenance{margin-top:3rem;border-top:1px solid #ccc;color:#555;font-size:.85rem}
footer.provenance h2{font-size:1rem}footer.provenance th{text-align:left;padding-right:1rem;vertical-align:top}
footer.provenance td{font-family:monospace;word-break:break-all}
</style></head><body><h1>${escape(title)}</h1>${cells.join("\n")}
${footer(nb)}</body></html>\n`;
}
