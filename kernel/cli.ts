#!/usr/bin/env node
// The `gradlab` command: kernel, install, uninstall, run, verify, lab, doctor, tour.
import * as fs from "node:fs";
import * as os from "os";
import * as path from "node:path";
import { StatusLine, seconds } from "./status_line";
import type { RunOptions } from "./run";
import { backend, availableBackends, memory } from "../core";
import { loadAddon } from "../core/backend/addon";
import { assignCommand, ASSIGN_USAGE } from "./assign/commands";

function doctor(json: boolean): number {
  if (json) {
    // The facts a notebook's provenance records, as gradlab run and the kernel write them.
    const { provenance } = require("../core/provenance") as typeof import("../core/provenance");
    const { seeds, datasets, ...facts } = provenance();
    console.log(JSON.stringify(facts, null, 2));
    return 0;
  }
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
  // The addon's vector path; OpenBLAS dispatches on its own (its kernels are on the BLAS line).
  if (load.addon) lines.push(["SIMD", `${load.addon.info().simd}; GRADLAB_ISA=baseline|avx2|avx512 forces a lower path, not OpenBLAS's kernels`]);
  lines.push(["GPU", "none used (the CUDA backend is not built in this version)"]);
  // The caching allocator (memory()): in this fresh process its counters are near zero; the cap is the fact worth seeing.
  const m = memory();
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  lines.push(["memory", m.allocator === "caching"
    ? `caching allocator for storage of ${m.minBlockBytes / 1024} KiB and more: allocated ${mib(m.allocatedBytes)}, cached ${mib(m.cachedBytes)}, peak ${mib(m.peakBytes)}, cache limit ${mib(m.cacheLimitBytes)} (GRADLAB_CACHE_MAX_BYTES)`
    : m.allocator]);
  const { dataDir } = require("./install") as typeof import("./install");
  const user = dataDir({ user: true });
  const spec = path.join(user, "kernels", "gradlab", "kernel.json");
  lines.push(["Jupyter data", `${user} (kernelspec ${fs.existsSync(spec) ? "installed" : "not installed: run gradlab install"})`]);
  if (process.env.GRADLAB_SNAPSHOT === "0") lines.push(["kernel snapshot", "off (GRADLAB_SNAPSHOT=0)"]);
  else {
    const blob = (require("./snapshot") as typeof import("./snapshot")).snapshotPath();
    const state = !blob ? "none: its files cannot be named here" : fs.existsSync(blob) ? blob : fs.existsSync(`${blob}.failed`) ? `not written (${blob}.failed says why)` : "not written yet (gradlab install or the first kernel writes it)";
    lines.push(["kernel snapshot", state]);
  }
  const jv = require("node:child_process").spawnSync("jupyter", ["--version"], { encoding: "utf8" });
  lines.push(["Jupyter", jv.status === 0 ? jv.stdout.trim().split("\n").filter((l: string) => /lab|notebook|client|server|nbconvert/.test(l)).join("; ") || "found" : "not found"]);
  lines.push(["TypeScript", require("@tslab/typescript-for-tslab").version + " (tslab " + require("tslab/package.json").version + ")"]);
  const w = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) console.log(`${k.padEnd(w)}  ${v}`);
  return 0;
}

const USAGE = `usage:
  gradlab install [--user | --sys-prefix [--python P] | --prefix P]   kernelspec + JupyterLab extension
  gradlab uninstall [--user | --sys-prefix | --prefix P]
  gradlab kernel -f CONNECTION_FILE                                  what the kernelspec runs
  gradlab run NOTEBOOK [--out OUT.ipynb] [--html OUT.html] [--timeout S] [--allow-errors]
  gradlab verify NOTEBOOK [--rtol R] [--atol A] [--timeout S]         run a saved notebook again and compare its outputs
                                                                     (numbers within rtol 1e-5, atol 1e-8; exit 0 same, 1 differs)
  gradlab lab [DIR] [--port N] [--no-browser]                        JupyterLab with gradlab's renderers, on DIR
  gradlab doctor [--json]                                            backend, BLAS, threads, Jupyter paths (--json: provenance facts)
  gradlab tour                                                       a first look, no Jupyter needed
  gradlab start [DIR]                                                what npm start runs: install, then open the notebooks
${ASSIGN_USAGE}`;

/** --flag VALUE or --flag=VALUE; `true` for a bare flag. */
function options(args: string[]): { rest: string[]; opts: Record<string, string | true> } {
  const opts: Record<string, string | true> = {}, rest: string[] = [];
  const takesValue = new Set(["--prefix", "--python", "--out", "--html", "--timeout", "-f",
    "--source", "--key", "--total-timeout", "--memory", "--parallel", "--port", "--rtol", "--atol"]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf("=");
    if (a.startsWith("-") && eq > 0) opts[a.slice(0, eq)] = a.slice(eq + 1);
    else if (takesValue.has(a)) {
      if (i + 1 >= args.length) throw new Error(`${a} needs a value`);
      opts[a] = args[++i];
    } else if (a.startsWith("-")) opts[a] = true;
    else rest.push(a);
  }
  return { rest, opts };
}

function where(opts: Record<string, string | true>) {
  const str = (k: string) => (typeof opts[k] === "string" ? (opts[k] as string) : undefined);
  return { user: !!opts["--user"], sysPrefix: !!opts["--sys-prefix"], prefix: str("--prefix"), python: str("--python") };
}

/**
 * `gradlab run`'s progress: on a terminal the running cell with its time so far (redrawn
 * whenever the cell lets the event loop run, as fit does between batches); a line per
 * finished cell with its time, on a terminal and in a log.
 */
function cellProgress(status: StatusLine): NonNullable<RunOptions["onCell"]> {
  let timer: ReturnType<typeof setInterval> | null = null;
  let name = "", head = "";
  return {
    start(i, total, src) {
      name = `cell ${String(i).padStart(String(total).length)}/${total}`;
      head = (src.split("\n").find((l) => l.trim()) ?? "").trim();
      const t0 = performance.now();
      const draw = () => status.show(`${name}  ${status.dim(seconds((performance.now() - t0) / 1000))}  ${head}`);
      draw();
      if (status.tty) { timer = setInterval(draw, 500); timer.unref(); }
    },
    end(_i, ok, secs) {
      if (timer) clearInterval(timer);
      timer = null;
      status.clear();
      status.log(`${name}  ${ok ? status.green("ok   ") : status.red("error")}  ${seconds(secs).padStart(8)}  ${head}`);
    },
  };
}

async function run(file: string, opts: Record<string, string | true>): Promise<number> {
  const { readNotebook, runNotebook, notebookDir } = await import("./run");
  const { notebookHtml } = await import("./html");
  const nb = readNotebook(file);
  const timeout = opts["--timeout"] ? Number(opts["--timeout"]) : undefined;
  if (timeout !== undefined && !(timeout > 0)) throw new Error(`--timeout must be a positive number of seconds, got ${opts["--timeout"]}`);
  const cwd = process.cwd();
  process.chdir(notebookDir(file)); // a notebook runs in its own directory, as under Jupyter
  const status = new StatusLine();
  const r = await runNotebook(nb, process.cwd(), { timeout, allowErrors: !!opts["--allow-errors"], onCell: cellProgress(status) });
  status.clear();
  process.chdir(cwd);
  const out = typeof opts["--out"] === "string" ? opts["--out"] : undefined;
  if (out) fs.writeFileSync(out, JSON.stringify(r.notebook, null, 1) + "\n");
  if (typeof opts["--html"] === "string") fs.writeFileSync(opts["--html"], notebookHtml(r.notebook, path.basename(file)));
  process.stderr.write(`gradlab run: ${file}: ${r.cells} code cells, ${r.errors} error(s)${out ? `, written to ${out}` : ""}\n`);
  return r.errors > 0 && !opts["--allow-errors"] ? 1 : 0;
}

async function verify(args: string[]): Promise<number> {
  const { verifyNotebook, formatVerify, toleranceOption, guardExit, UsageError, VERIFY_USAGE } = await import("./verify");
  const usage = (message: string) => {
    console.error(`gradlab verify: ${message}\nusage: ${VERIFY_USAGE}`);
    return 2;
  };
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options(args);
  } catch (e) {
    return usage((e as Error).message);
  }
  const { rest, opts } = parsed;
  const unknown = Object.keys(opts).filter((k) => !["--rtol", "--atol", "--timeout"].includes(k));
  if (unknown.length) return usage(`unknown option ${unknown[0]}`);
  if (rest.length !== 1) return usage(rest.length ? `one notebook at a time, got ${rest.length}` : "which notebook? give the path of a saved, executed notebook");
  const file = rest[0];
  let rtol: number, atol: number, timeout: number | undefined;
  try {
    rtol = toleranceOption(opts["--rtol"], "--rtol", 1e-5);
    atol = toleranceOption(opts["--atol"], "--atol", 1e-8);
    timeout = opts["--timeout"] === undefined ? undefined : toleranceOption(opts["--timeout"], "--timeout", 0) || undefined;
  } catch (e) {
    return usage((e as Error).message);
  }
  const status = new StatusLine();
  const guard = guardExit();
  try {
    const r = await verifyNotebook(file, { rtol, atol, timeout, onCell: cellProgress(status) });
    status.clear();
    process.stdout.write(formatVerify(file, r));
    return r.ok ? 0 : 1;
  } catch (e) {
    status.clear();
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  } finally {
    guard.done();
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (cmd === "verify") return verify(args); // its own usage errors: exit status 2
  const { rest, opts } = options(args);
  const assigned = assignCommand(cmd, rest, opts); // assign, grade, validate
  if (assigned) return assigned;
  switch (cmd) {
    case "doctor":
      return doctor(!!opts["--json"]);
    case "tour":
      require("./tour");
      return 0;
    case "start":
      return (await import("./start")).start(rest[0]);
    case "lab":
      return (await import("./lab")).lab({
        dir: rest[0], port: typeof opts["--port"] === "string" ? Number(opts["--port"]) : undefined, browser: !opts["--no-browser"],
      });
    case "kernel": {
      const file = typeof opts["-f"] === "string" ? opts["-f"] : rest[0];
      if (!file) throw new Error("gradlab kernel needs a connection file: gradlab kernel -f FILE");
      await (await import("./kernel")).runKernel(file);
      return 0;
    }
    case "install":
    case "uninstall": {
      const m = await import("./install");
      for (const line of (cmd === "install" ? m.install : m.uninstall)(where(opts))) console.log(line);
      const snapshot = cmd === "install" ? await m.writeSnapshot() : null;
      if (snapshot) console.log(snapshot);
      return 0;
    }
    case "run":
      if (!rest[0]) throw new Error("gradlab run needs a notebook: gradlab run NOTEBOOK.ipynb [--out OUT.ipynb] [--html OUT.html]");
      return run(rest[0], opts);
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return 0;
    default:
      console.error(`gradlab: unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    console.error(`gradlab: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
  },
);
