// kernel_info_reply's content, with the versions actually running. Its language_info
// also carries the provenance facts at start: Jupyter clients (nbclient, JupyterLab)
// copy language_info into the notebook's metadata.
import * as ts from "@tslab/typescript-for-tslab";
import { PROTOCOL_VERSION } from "./protocol/wire";
import { backend } from "../core";
import { provenance } from "../core/provenance";

export function kernelInfo(): Record<string, unknown> {
  const version: string = require("../../package.json").version;
  const b = backend();
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "gradlab",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: ts.version,
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      gradlab: { provenance: provenance() },
    },
    banner: `gradlab ${version} — TypeScript ${ts.version} on Node ${process.versions.node}; backend ${b.name} (${b.blas}, ${b.threads} threads)`,
    help_links: [],
  };
}
