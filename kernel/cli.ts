#!/usr/bin/env node
// The `gradlab` command. For now: `doctor` (what gradlab runs on) and `tour`.
// The Jupyter commands (install, kernel, run, assign, grade) arrive with the kernel.
import * as os from "os";
import { backend, availableBackends } from "../core";
import { loadAddon } from "../core/backend/addon";

function doctor(): number {
  const b = backend();
  const load = loadAddon();
  const lines: [string, string][] = [
    ["gradlab", require("../../package.json").version],
    ["node", process.version],
    ["platform", `${os.platform()} ${os.arch()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"})`],
    ["backend", `${b.name} — ${b.reason}`],
    ["available", availableBackends().join(", ")],
    ["BLAS", b.blas],
    ["threads", String(b.threads)],
    ["addon", load.path ?? `not loaded: ${load.failures.join("; ")}`],
  ];
  if (load.addon) lines.push(["SIMD", load.addon.info().simd]);
  lines.push(["GPU", "none (the CUDA backend is not built in this version)"]);
  const w = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) console.log(`${k.padEnd(w)}  ${v}`);
  return 0;
}

function main(argv: string[]): number {
  const [cmd] = argv;
  switch (cmd) {
    case "doctor":
      return doctor();
    case "tour":
      require("./tour");
      return 0;
    case undefined:
    case "help":
    case "--help":
      console.log("usage: gradlab doctor | tour");
      return 0;
    default:
      console.error(`gradlab: unknown command "${cmd}" (try: gradlab doctor, gradlab tour)`);
      return 2;
  }
}

process.exitCode = main(process.argv.slice(2));
