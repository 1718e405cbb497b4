// A long native product notices an interrupt between its blocks: SIGINT during an
// 8192 x 8192 matmul (or a long convolution) makes it throw KeyboardInterrupt instead of running to its end
// (11 s on a 2-core AVX2 machine before), and the process goes on. It runs in a child
// process, which installs a SIGINT handler as the kernel does (without one, SIGINT
// ends a Node process).
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { loadAddon } from "../../core/backend/addon";
import { sourcePath } from "../helpers";

const CHILD = `
const g = require(${JSON.stringify(sourcePath("dist", "core"))});
process.on("SIGINT", () => process.stderr.write("sigint seen by Node\\n"));
const op = process.argv[1];
// "det-matmul": the same product in deterministic mode (the addon's gemmDeterministic).
if (op === "det-matmul") g.setDeterministic(true);
const isMatmul = op === "matmul" || op === "det-matmul";
const n = 8192, a = isMatmul ? g.full([n, n], 1) : g.full([64, 64, 56, 56], 1), b = isMatmul ? g.full([n, n], 0.5) : g.full([128, 64, 5, 5], 0.01);
const long = () => (isMatmul ? a.matmul(b) : g.F.conv2d(a, b, undefined, { padding: 2 }));
const product = (label) => {
  const t0 = process.hrtime.bigint();
  process.stdout.write("start\\n");
  try {
    const c = long();
    return { label, done: true, value: c.dataSync()[0], ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  } catch (e) {
    return { label, name: e.name, message: e.message, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
  }
};
const first = product("interrupted");
setImmediate(() => {
  // The signal reached Node too (its handler has run by now); the process carries on.
  const after = g.full([64, 64], 2).matmul(g.full([64, 64], 3)).dataSync()[0];
  process.stdout.write(JSON.stringify({ first, after }) + "\\n");
});
`;

describe("native addon: interrupting a long product", function () {
  this.timeout(120_000);
  before(function () {
    if (!loadAddon().addon) this.skip(); // the addon is not built: nothing native to interrupt
  });

  async function interrupted(op: string): Promise<{ first: any; after: number; err: string }> {
    const child = spawn(process.execPath, ["-e", CHILD, op], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      if (out === "start\n") setTimeout(() => child.kill("SIGINT"), 300);
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 0, err);
    return { ...JSON.parse(out.trim().split("\n").at(-1)!), err };
  }

  it("an 8192 x 8192 matmul stops at SIGINT with KeyboardInterrupt, and the process goes on", async () => {
    const { first, after, err } = await interrupted("matmul");
    assert.equal(first.name, "KeyboardInterrupt", `the product ran to its end: ${JSON.stringify(first)}`);
    assert.match(first.message, /a matrix product was interrupted/);
    assert.equal(after, 384);
    assert.match(err, /sigint seen by Node/);
    console.log(`      (stopped ${(first.ms - 300).toFixed(0)} ms after the signal was due)`);
  });

  it("so does the product of deterministic mode (gemmDeterministic)", async () => {
    const { first, after } = await interrupted("det-matmul");
    assert.equal(first.name, "KeyboardInterrupt", `the product ran to its end: ${JSON.stringify(first)}`);
    assert.match(first.message, /a matrix product was interrupted/);
    assert.equal(after, 384);
    console.log(`      (stopped ${(first.ms - 300).toFixed(0)} ms after the signal was due)`);
  });

  it("so does a long convolution (5x5 filters, through its products)", async () => {
    const { first, after } = await interrupted("conv2d");
    assert.equal(first.name, "KeyboardInterrupt", `the convolution ran to its end: ${JSON.stringify(first)}`);
    assert.match(first.message, /a convolution was interrupted/);
    assert.equal(after, 384);
    console.log(`      (stopped ${(first.ms - 300).toFixed(0)} ms after the signal was due)`);
  });
});

// The word the kernel's instrumented loops poll (kernel/instrument.ts): SIGINT sets it,
// Node's own handler still runs, and arming again after vm's breakOnSigint (which puts
// its own SIGINT handling in place) keeps it working.
const FLAG_CHILD = `
const vm = require("node:vm");
const { loadAddon } = require(${JSON.stringify(sourcePath("dist", "core", "backend", "addon"))});
const addon = loadAddon().addon;
let nodeSaw = 0;
process.on("SIGINT", () => { nodeSaw++; });
const word = addon.sigintFlag();
const again = addon.sigintFlag();
const steps = [];
const signal = (next) => { process.kill(process.pid, "SIGINT"); setTimeout(next, 100); };
signal(() => {
  steps.push(word[0]);
  word[0] = 0;
  vm.runInThisContext("1 + 1", { breakOnSigint: true });
  addon.sigintFlag();
  signal(() => {
    steps.push(word[0]);
    process.stdout.write(JSON.stringify({ steps, nodeSaw, isArray: word instanceof Int32Array, again: again === undefined }) + "\\n");
  });
});
`;

describe("native addon: the SIGINT word for interrupting cell code", function () {
  this.timeout(60_000);
  before(function () {
    if (!loadAddon().addon) this.skip(); // the addon is not built: the kernel runs without the word
  });

  it("is set by SIGINT, passes the signal on to Node, and keeps working once armed again after vm", async () => {
    const child = spawn(process.execPath, ["-e", FLAG_CHILD], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(out), { steps: [1, 1], nodeSaw: 2, isArray: true, again: true });
  });
});
