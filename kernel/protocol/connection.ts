// The connection file Jupyter writes for a kernel: where its five sockets listen.
import * as fs from "node:fs";

export interface ConnectionInfo {
  transport: string; ip: string; key: string; signature_scheme: string;
  shell_port: number; control_port: number; iopub_port: number; stdin_port: number; hb_port: number;
}

export function readConnection(path: string): ConnectionInfo {
  const c = JSON.parse(fs.readFileSync(path, "utf8")) as ConnectionInfo;
  for (const k of ["shell_port", "control_port", "iopub_port", "stdin_port", "hb_port"] as const) {
    if (!Number.isInteger(c[k])) throw new Error(`gradlab kernel: the connection file ${path} has no ${k}`);
  }
  return c;
}

export function address(c: ConnectionInfo, port: number): string {
  return `${c.transport}://${c.ip}${c.transport === "ipc" ? "-" : ":"}${port}`;
}
