// The addon's instruction-set paths (native/src/isa.h): it runs the best one the CPU has
// unless GRADLAB_ISA asks for a lower one, refuses one the CPU lacks, carries no vector
// code outside the per-path units, gives the same bits run to run on each path, and
// passes the native agreement and fill tests on every path this CPU can run.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadAddon, packageRoot } from "../../core/backend/addon";

const PATHS = ["baseline", "avx2", "avx512"] as const;

/** The best path from the CPU flags Linux reports (it leaves out what the OS does not enable). */
function cpuinfoBest(): string | null {
  if (!fs.existsSync("/proc/cpuinfo")) return null;
  const line = fs.readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags"));
  if (!line) return null;
  const f = new Set(line.split(":")[1].trim().split(/\s+/));
  const has = (...names: string[]) => names.every((n) => f.has(n));
  // LZCNT ("abm") is not required here: Linux 6.18 under Firecracker leaves it out of the
  // flags though cpuid reports it and it runs; every CPU with AVX2, FMA and BMI2 has it.
  const v3 = has("avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe");
  if (v3 && has("avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl")) return "avx512";
  return v3 ? "avx2" : "baseline";
}

/** Loads the addon in a fresh process under `env`; its info() or the load error's message. */
function infoUnder(addonPath: string, env: Record<string, string>): { info?: Record<string, unknown>; error?: string } {
  const code = `try { console.log(JSON.stringify({ info: require(${JSON.stringify(addonPath)}).info() })); }
                catch (e) { console.log(JSON.stringify({ error: e.message })); }`;
  const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// Every path's kernels on fixed data, twice in the process: a digest of all the outputs
// (conv2d of both course layers forward and backward, 2x2 max pooling, softmax, row sums, sgemm).
const DIGEST_CHILD = `
const addon = require(process.argv[1]);
const crypto = require("crypto");
let s = 12345;
const data = (n) => Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5);
const digests = [];
for (let run = 0; run < 2; run++) {
  const h = crypto.createHash("sha1");
  const put = (a) => h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  s = 12345;
  for (const [N, C, H, W, OC] of [[16, 1, 28, 28, 32], [8, 32, 14, 14, 64]]) {
    const x = data(N * C * H * W), w = data(OC * C * 9), dy = data(N * OC * H * W);
    const p = { batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: 3, kernelWidth: 3, outHeight: H, outWidth: W,
      strideH: 1, strideW: 1, paddingH: 1, paddingW: 1, dilationH: 1, dilationW: 1, groups: 1 };
    const y = new Float32Array(dy.length), dx = new Float32Array(x.length), dw = new Float32Array(w.length);
    addon.conv2d(x, w, y, p); addon.conv2dBackwardInput(dy, w, dx, p); addon.conv2dBackwardWeight(x, dy, dw, p);
    put(y); put(dx); put(dw);
  }
  const x = data(4 * 8 * 28 * 28), y = new Float32Array(4 * 8 * 14 * 14), am = new Int32Array(y.length);
  addon.maxPool2d(x, y, am, { batch: 4, channels: 8, inHeight: 28, inWidth: 28, outHeight: 14, outWidth: 14, kernelHeight: 2, kernelWidth: 2,
    strideH: 2, strideW: 2, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1 });
  put(y); put(am);
  const z = data(64 * 1000), sm = new Float32Array(z.length);
  addon.softmax(z, sm, 64, 1000, 1, false);
  put(sm);
  const sums = new Float32Array(64);
  addon.reduce(0, z, 64, 1000, 1, sums);
  put(sums);
  const A = data(200 * 300), B = data(300 * 100), Cm = new Float32Array(200 * 100);
  addon.gemm(false, false, 200, 100, 300, A, B, Cm, 1, 0, 0, 0, false);
  put(Cm);
  digests.push(h.digest("hex"));
}
console.log(addon.info().isa + " " + digests.join(" "));
`;

describe("native addon: instruction-set paths", function () {
  const load = loadAddon();
  before(function () {
    if (!load.addon || process.arch !== "x64") {
      console.log("    (skipped: the addon is not built, or this is not an x86-64 machine)");
      this.skip();
    }
  });
  const addonPath = () => load.path!;
  const best = () => String(load.addon!.info().cpuIsa);
  const supported = () => PATHS.slice(0, PATHS.indexOf(best() as (typeof PATHS)[number]) + 1);

  it("runs the best path the CPU and OS support, as /proc/cpuinfo reports them, and names it", function () {
    if (process.env.GRADLAB_ISA) this.skip();
    const info = load.addon!.info();
    const expected = cpuinfoBest();
    if (expected) assert.equal(info.cpuIsa, expected);
    assert.equal(info.isa, info.cpuIsa);
    assert.match(info.simd, new RegExp(`^${info.isa}: x86-64-v[234] .*, this CPU's best$`));
  });

  it("GRADLAB_ISA runs a lower path, and refuses an unknown one or one above the CPU's with a message that says why", () => {
    for (const p of supported()) {
      const r = infoUnder(addonPath(), { GRADLAB_ISA: p });
      assert.equal(r.info?.isa, p, JSON.stringify(r));
      assert.equal(r.info?.cpuIsa, best());
      if (p !== best()) assert.match(String(r.info?.simd), new RegExp(`forced by GRADLAB_ISA \\(this CPU supports ${best()}\\)`));
    }
    assert.deepEqual(infoUnder(addonPath(), { GRADLAB_ISA: "sse9" }), {
      error: `gradlab: GRADLAB_ISA=sse9 is not an instruction-set path: use baseline, avx2 or avx512 (or leave it unset for the CPU's best, ${best()})`,
    });
    // Above the CPU's best: on this CPU if it lacks AVX-512, else as if it had AVX2 at most.
    const cap: Record<string, string> = best() === "avx512" ? { GRADLAB_ISA_CPU: "avx2" } : {};
    const top = best() === "avx512" ? "avx2" : best();
    assert.deepEqual(infoUnder(addonPath(), { ...cap, GRADLAB_ISA: "avx512" }), {
      error: `gradlab: GRADLAB_ISA=avx512 asks for kernels this CPU (or its operating system) cannot run: it supports ${top} at most; use a path up to that, or leave GRADLAB_ISA unset`,
    });
  });

  it("each path measures its float32 multiply-add peak, which the benchmark states fractions of", function () {
    this.timeout(60000);
    for (const p of supported()) {
      const code = `const a = require(${JSON.stringify(addonPath())}); console.log(JSON.stringify({ isa: a.info().isa, peak: a.peakGflops() }));`;
      const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env: { ...process.env, GRADLAB_ISA: p } });
      assert.equal(r.status, 0, r.stderr);
      const { isa, peak } = JSON.parse(r.stdout) as { isa: string; peak: number };
      assert.equal(isa, p);
      assert.ok(Number.isFinite(peak) && peak > 0, `${p}: peak ${peak}`);
    }
  });

  it("a refused GRADLAB_ISA leaves gradlab on its TypeScript backend, saying why", () => {
    const core = path.join(packageRoot(), "dist/core");
    const code = `const g = require(${JSON.stringify(core)}); console.log(g.backend().name);`;
    const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env: { ...process.env, GRADLAB_ISA: "sse9" } });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "js");
    assert.match(r.stderr, /running on the TypeScript backend because .*GRADLAB_ISA=sse9 is not an instruction-set path/);
  });

  // A VEX or EVEX instruction (AT&T mnemonics starting with v), an opmask instruction, or a
  // BMI/LZCNT/MOVBE one: what x86-64-v3 and -v4 add to what every x86-64-v2 CPU runs.
  const BEYOND_V2 = /^\s*[0-9a-f]+:\s+(v[a-z]|(shlx|shrx|sarx|rorx|andn|bextr|blsi|blsr|blsmsk|bzhi|pdep|pext|mulx|lzcnt|movbe|k[a-z]+[bwdq])\b)/;

  it("no code outside the AVX2 and AVX-512 units (static initialisers included) uses an instruction beyond x86-64-v2, and the build has no -march=native", function () {
    const objdump = spawnSync("objdump", ["-d", "-C", "--no-show-raw-insn", addonPath()], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (objdump.error) this.skip();
    const wide = new Set<string>();
    let fn = "";
    for (const line of objdump.stdout.split("\n")) {
      const m = /^[0-9a-f]+ <(.*)>:$/.exec(line);
      if (m) fn = m[1];
      else if (BEYOND_V2.test(line)) wide.add(fn);
    }
    const outside = [...wide].filter((f) => !/\bgradlab::avx(2|512)::/.test(f));
    assert.deepEqual(outside, [], "functions outside the per-path units with instructions beyond x86-64-v2");
    assert.ok([...wide].some((f) => f.includes("gradlab::avx512::")), "the AVX-512 unit is linked in");
    assert.ok([...wide].some((f) => f.includes("gradlab::avx2::")), "the AVX2 unit is linked in");
    const build = path.join(packageRoot(), "native/build");
    for (const f of fs.readdirSync(build).filter((n) => n.endsWith(".mk")))
      assert.doesNotMatch(fs.readFileSync(path.join(build, f), "utf8"), /-march=native/, f);
  });

  it("the same bits run to run on each path (two processes, each running every kernel twice)", function () {
    this.timeout(600000);
    for (const p of supported()) {
      const digests = [0, 1].map(() => {
        const r = spawnSync(process.execPath, ["-e", DIGEST_CHILD, addonPath()], { encoding: "utf8", env: { ...process.env, GRADLAB_ISA: p } });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
      });
      const [isa, first, second] = digests[0].split(" ");
      assert.equal(isa, p);
      assert.match(first, /^[0-9a-f]{40}$/);
      assert.equal(second, first, `path ${p}: the second run in one process`);
      assert.equal(digests[1], digests[0], `path ${p}: another process`);
    }
  });

  it("float32 sums give the same bits on every path (their lanes are the same on each, reduce.cc)", function () {
    const child = `
      const addon = require(process.argv[1]);
      let s = 7;
      const x = Float32Array.from({ length: 300_007 }, () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 100);
      const whole = new Float32Array(1), rows = new Float32Array(300);
      addon.reduce(0, x, 1, x.length, 1, whole);
      addon.reduce(0, x.subarray(0, 300_000), 300, 1000, 1, rows);
      console.log(JSON.stringify([whole[0], ...rows]));`;
    const sums = supported().map((p) => {
      const r = spawnSync(process.execPath, ["-e", child, addonPath()], { encoding: "utf8", env: { ...process.env, GRADLAB_ISA: p } });
      assert.equal(r.status, 0, r.stderr);
      return { p, v: JSON.parse(r.stdout) as number[] };
    });
    for (const { p, v } of sums.slice(1)) assert.deepEqual(v, sums[0].v, `path ${p} against ${sums[0].p}`);
  });

  // The agreement tests (every kernel against the TypeScript reference), the fill tests
  // (no element of a result left unwritten) and the streaming-store tests in a child process per path, with gradlab's
  // own GEMM tile doing the float32 products (this process runs them with the default choice).
  for (const p of PATHS) {
    it(`the native agreement and fill tests pass on the ${p} path, with its own GEMM tile`, function () {
      if (!supported().includes(p)) {
        console.log(`    (skipped: this CPU has no ${p})`);
        this.skip();
      }
      this.timeout(1200000);
      const root = packageRoot();
      const mocha = path.join(root, "node_modules/mocha/bin/mocha.js");
      const files = ["dist/test/native/agreement.test.js", "dist/test/core/uninitialized.test.js", "dist/test/native/stream_store.test.js"].map((f) => path.join(root, f));
      const r = spawnSync(process.execPath, [mocha, "--no-config", "--timeout", "600000", "--reporter", "dot", ...files], {
        encoding: "utf8",
        env: { ...process.env, GRADLAB_ISA: p, GRADLAB_SGEMM: "gradlab" },
        maxBuffer: 1 << 26,
      });
      const summary = (r.stdout.match(/\d+ passing.*|\d+ failing.*|\d+ pending.*/g) ?? []).join(", ");
      assert.equal(r.status, 0, `${summary}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`);
      assert.match(summary, /passing/);
      assert.doesNotMatch(summary, /failing/);
    });
  }
});
