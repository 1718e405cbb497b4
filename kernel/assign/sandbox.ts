// Where a submission's code runs: a bubblewrap sandbox (its own mount, pid, network, IPC,
// UTS and user namespaces; uid nobody outside and in; read-only system and gradlab files;
// a private tmpfs for its folder and for /tmp; no network; --die-with-parent) inside a
// cgroup of its own (memory and pids for the whole process tree), with rlimits on CPU
// time, file size and open files. The judge runs in a sandbox of the same kind.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

/** The limits a submission runs under; the README states the defaults. */
export interface Limits {
  /** Seconds per cell: past it the cell's process tree is killed and the cell fails. */
  cellTimeout: number;
  /** Seconds for the whole notebook: past it nothing more runs and what is left fails. */
  totalTimeout: number;
  /** Memory of the whole process tree in MiB (cgroup; resident size polled where there is none). */
  memoryMB: number;
  /** Processes and threads of the whole tree (cgroup pids.max). */
  pids: number;
  /** Size of any one file written, and of the sandbox's folder and /tmp, in MiB. */
  fileMB: number;
  /** Bytes a cell's output keeps, and all cells' outputs together. */
  outputCellBytes: number;
  outputTotalBytes: number;
  /** Code cells of the student's own beyond the answer cells (scratch cells) that are run. */
  maxExtraCells: number;
  /** Times the sandbox is started again after a cell ended or killed it. */
  maxRestarts: number;
}

export const DEFAULT_LIMITS: Limits = {
  cellTimeout: 30, totalTimeout: 600, memoryMB: 2048, pids: 256, fileMB: 64,
  outputCellBytes: 16 * 1024, outputTotalBytes: 256 * 1024, maxExtraCells: 200, maxRestarts: 4,
};

/** The gradlab package: dist/, node_modules/, native/build/ and package.json are what a sandbox sees of it. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..", "..");
/** Where the package appears inside a sandbox. */
export const INSIDE_ROOT = "/gradlab";
const NOBODY = 65534;

/**
 * gradlab's own settings that reach a submission's and the judge's processes from the
 * grader's environment, with the values each may take: the size an assignment runs at
 * (GRADLAB_CI) is the instructor's choice when grading, and nothing in a submission changes
 * what the judge's process sees. No other variable of the grader's environment goes in.
 */
const SETTINGS: Record<string, string[]> = { GRADLAB_CI: ["0", "1"], GRADLAB_VERBOSE: ["0", "1", "2"] };

/** The settings of env that go into a sandbox; a value outside a setting's own is refused by name. */
export function passedSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, values] of Object.entries(SETTINGS)) {
    const v = env[k];
    if (v === undefined || v === "") continue;
    if (!values.includes(v)) throw new Error(`gradlab grade: ${k}=${JSON.stringify(v).slice(0, 40)} is not one of its values (${values.join(", ")})`);
    out[k] = v;
  }
  return out;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function which(cmd: string): string | null {
  for (const dir of ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin"]) {
    const p = path.join(dir, cmd);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

/** Paths outside that a sandbox sees (read-only), for the check that course files are not among them. */
export function visiblePaths(): string[] {
  const own = ["dist", "node_modules", "native/build", "package.json"].map((p) => path.join(PACKAGE_ROOT, p));
  return ["/usr", "/etc/alternatives", "/etc/ld.so.cache", ...own].map((p) => { try { return fs.realpathSync(p); } catch { return p; } });
}

function bwrapArgs(limits: Limits): string[] {
  const node = fs.realpathSync(process.execPath);
  if (!node.startsWith("/usr/")) throw new Error(`the sandbox runs node from /usr; this node is ${node}`);
  const size = String(limits.fileMB * 1024 * 1024);
  const a = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
    "--uid", String(NOBODY), "--gid", String(NOBODY), "--hostname", "sandbox", "--clearenv",
    "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
    "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache", "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
    "--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/work", "--chdir", "/work"];
  for (const p of ["dist", "node_modules", "native/build", "package.json"]) {
    const src = path.join(PACKAGE_ROOT, p);
    if (fs.existsSync(src)) a.push("--ro-bind", src, path.join(INSIDE_ROOT, p));
  }
  for (const [k, v] of Object.entries({ PATH: "/usr/bin:/bin", HOME: "/work", TMPDIR: "/tmp", LANG: "C.UTF-8", OPENBLAS_NUM_THREADS: "1", ...passedSettings() })) a.push("--setenv", k, v);
  return a;
}

let checked: string | null | undefined;

/** Why a sandbox cannot be made here, or null when it can (tried once: bwrap as nobody, a trivial command). */
export function sandboxProblem(): string | null {
  if (checked !== undefined) return checked;
  checked = (() => {
    if (process.platform !== "linux") return "sandboxes need Linux (namespaces and cgroups)";
    if (!process.getuid || process.getuid() !== 0) return "gradlab grade must run as root to start each sandbox as the unprivileged user nobody and to give it a cgroup";
    if (!which("bwrap")) return "bubblewrap is not installed (apt-get install bubblewrap; scripts/system-deps.js grade installs it)";
    if (!which("setpriv") || !which("prlimit")) return "setpriv and prlimit (util-linux) are needed to drop to nobody and to set rlimits";
    try {
      const r = spawnSync("setpriv", ["--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", "--", "bwrap", ...bwrapArgs(DEFAULT_LIMITS), "--", "/usr/bin/true"], { encoding: "utf8", timeout: 20_000 });
      if (r.status !== 0) return `a trial sandbox failed (bwrap as nobody: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}); unprivileged user namespaces may be disabled`;
    } catch (e) {
      return `a trial sandbox failed: ${(e as Error).message}`;
    }
    return null;
  })();
  return checked;
}

const swept = new Set<string>();

/** Removes the empty cgroups a grader that was killed outright left behind (their grader's pid is gone). */
function removeStale(base: string): void {
  if (swept.has(base)) return;
  swept.add(base);
  let names: string[] = [];
  try { names = fs.readdirSync(base); } catch { return; }
  for (const n of names) {
    const m = /^gradlab-grade-(\d+)-\d+$/.exec(n);
    if (!m || Number(m[1]) === process.pid || fs.existsSync(`/proc/${m[1]}`)) continue;
    try { fs.rmdirSync(path.join(base, n)); } catch { /* still has processes: left alone */ }
  }
}

/** A cgroup (v1) per sandbox in the memory, pids and cpu hierarchies, under this process's own. */
export class Cgroup {
  private constructor(readonly dirs: { memory?: string; pids?: string; cpu?: string }) {}

  static create(name: string, memoryMB: number, pids: number): Cgroup | null {
    const dirs: { memory?: string; pids?: string; cpu?: string } = {};
    let own: Record<string, string> = {};
    try {
      for (const line of fs.readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
        const [, ctrls, p] = line.split(":");
        for (const c of (ctrls ?? "").split(",")) own[c] = p;
      }
    } catch { own = {}; }
    for (const ctrl of ["memory", "pids", "cpu"] as const) {
      const base = path.join("/sys/fs/cgroup", ctrl, own[ctrl] ?? "/");
      removeStale(base);
      const dir = path.join(base, name);
      try {
        fs.mkdirSync(dir);
        if (ctrl === "memory") {
          const bytes = String(memoryMB * 1024 * 1024);
          fs.writeFileSync(path.join(dir, "memory.limit_in_bytes"), bytes);
          // Swap counts too where the kernel accounts it, so a tree cannot page out past the limit.
          try { fs.writeFileSync(path.join(dir, "memory.memsw.limit_in_bytes"), bytes); } catch { /* no swap accounting */ }
        } else if (ctrl === "pids") {
          fs.writeFileSync(path.join(dir, "pids.max"), String(pids));
        } else {
          // One core's worth of CPU for the whole tree: a busy or forking submission slows only itself.
          fs.writeFileSync(path.join(dir, "cpu.cfs_period_us"), "100000");
          fs.writeFileSync(path.join(dir, "cpu.cfs_quota_us"), "100000");
        }
        dirs[ctrl] = dir;
      } catch {
        try { fs.rmdirSync(dir); } catch { /* never made */ }
      }
    }
    return dirs.memory || dirs.pids ? new Cgroup(dirs) : null;
  }

  get procsFiles(): string[] {
    return Object.values(this.dirs).map((d) => path.join(d!, "cgroup.procs"));
  }

  private read(ctrl: "memory" | "pids" | "cpu", file: string): string {
    const d = this.dirs[ctrl];
    if (!d) return "";
    try { return fs.readFileSync(path.join(d, file), "utf8"); } catch { return ""; }
  }

  /** True when the kernel refused memory to the tree (its OOM killer ran, or an allocation failed at the limit). */
  hitMemoryLimit(): boolean {
    const oom = /oom_kill (\d+)/.exec(this.read("memory", "memory.oom_control"));
    return (oom ? Number(oom[1]) > 0 : false) || Number(this.read("memory", "memory.failcnt") || 0) > 0;
  }

  hitPidsLimit(): boolean {
    return /max (\d+)/.test(this.read("pids", "pids.events")) && Number(/max (\d+)/.exec(this.read("pids", "pids.events"))![1]) > 0;
  }

  peakMB(): number {
    return Math.round(Number(this.read("memory", "memory.max_usage_in_bytes") || 0) / 1048576);
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const f of this.procsFiles) {
      try { for (const p of fs.readFileSync(f, "utf8").split("\n")) if (p) all.add(Number(p)); } catch { /* gone */ }
    }
    return [...all];
  }

  /** Kills every process in the group (repeatedly: a fork between reading and killing is caught next round), then removes it. */
  destroy(): void {
    for (let round = 0; round < 50; round++) {
      const pids = this.pids();
      if (pids.length === 0) break;
      for (const p of pids) { try { process.kill(p, "SIGKILL"); } catch { /* gone */ } }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
    for (const d of Object.values(this.dirs)) {
      for (let i = 0; i < 50; i++) {
        try { fs.rmdirSync(d!); break; } catch { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); }
      }
    }
  }
}

export interface Launched {
  child: ChildProcess;
  cgroup: Cgroup | null;
  /** The unsandboxed run's private folder (removed by stop()); null in a sandbox, whose folder is a tmpfs. */
  dir: string | null;
  stop(): void;
}

let serial = 0;

/**
 * Starts `node SCRIPT ARGS` (SCRIPT relative to the package's dist/) in a sandbox, or, with
 * sandbox false, as a plain child process in a private folder. fds: 0 requests in, 1 and 2
 * the process's own output, 3 its replies.
 */
export function launch(script: string, args: string[], limits: Limits, opts: { sandbox: boolean; heapMB: number }): Launched {
  const name = `gradlab-grade-${process.pid}-${++serial}`;
  const cgroup = opts.sandbox ? Cgroup.create(name, limits.memoryMB, limits.pids) : null;
  const fsize = limits.fileMB * 1024 * 1024;
  const cpu = Math.ceil(limits.totalTimeout + 30);
  const nodeArgs = [`--max-old-space-size=${opts.heapMB}`];
  let cmd: string, dir: string | null = null;
  if (opts.sandbox) {
    const inside = path.join(INSIDE_ROOT, "dist", script);
    const argv = ["prlimit", `--fsize=${fsize}`, `--cpu=${cpu}`, "--nofile=256", "--core=0", "--",
      "setpriv", "--reuid", String(NOBODY), "--regid", String(NOBODY), "--clear-groups", "--",
      "bwrap", ...bwrapArgs(limits), "--", fs.realpathSync(process.execPath), ...nodeArgs, inside, ...args];
    cmd = (cgroup ? cgroup.procsFiles.map((f) => `echo $$ > ${q(f)} || exit 97; `).join("") : "") + "exec " + argv.map(q).join(" ");
  } else {
    dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "gradlab-sub-"));
    const argv = ["prlimit", `--fsize=${fsize}`, `--cpu=${cpu}`, "--nofile=256", "--core=0", "--", process.execPath, ...nodeArgs, path.join(PACKAGE_ROOT, "dist", script), ...args];
    cmd = "exec " + argv.map(q).join(" ");
  }
  const child = spawn("sh", ["-c", cmd], {
    cwd: dir ?? "/", detached: true, stdio: ["pipe", "pipe", "pipe", "pipe"],
    env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8", OPENBLAS_NUM_THREADS: "1", HOME: dir ?? "/nonexistent", TMPDIR: dir ?? "/tmp", ...passedSettings() },
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    live.delete(stop);
    try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ }
    cgroup?.destroy();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
  live.add(stop);
  onSignalStopAll();
  return { child, cgroup, dir, stop };
}

/** Every running sandbox's stop, so that a grader told to stop (SIGINT, SIGTERM) takes them all down first. */
const live = new Set<() => void>();
let handlersInstalled = false;

function onSignalStopAll(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      for (const stop of [...live]) stop();
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
  }
}
