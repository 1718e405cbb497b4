// The addon says which BLAS it linked, which kernels OpenBLAS chose at load (they follow
// OPENBLAS_CORETYPE when it is set, never GRADLAB_ISA), and when gradlab's own float32
// tile does the products: on the avx512 path when OpenBLAS runs AVX2 kernels and the CPU
// has full-width 512-bit units (not Zen 4, AMD's family 25), or when GRADLAB_SGEMM=gradlab
// says so.
import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { loadAddon } from "../../core/backend/addon";

/** Whether /proc/cpuinfo names a CPU whose AVX-512 is double-pumped (AMD family 25, Zen 4). */
function doublePumped512(cpuinfo = fs.existsSync("/proc/cpuinfo") ? fs.readFileSync("/proc/cpuinfo", "utf8") : ""): boolean {
  return /^vendor_id\s*:\s*AuthenticAMD$/m.test(cpuinfo) && /^cpu family\s*:\s*25$/m.test(cpuinfo);
}

function blasUnder(addonPath: string, env: Record<string, string>): string {
  const r = spawnSync(process.execPath, ["-e", `console.log(require(${JSON.stringify(addonPath)}).info().blas)`],
    { encoding: "utf8", env: { ...process.env, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("native addon: which BLAS does the products", () => {
  const addon = loadAddon().addon;
  beforeEach(function () {
    if (!addon || addon.info().blas === "portable") {
      console.log("    (skipped: the addon is not built, or built without OpenBLAS)");
      this.skip();
    }
  });

  it("reports the OpenBLAS version and kernels, and gradlab's tile when it is used", () => {
    const { blas, isa } = addon!.info();
    assert.match(blas, /^openblas \d+\.\d+\.\d+ \(\w+ kernels\)(; float32 gemm: gradlab (avx512|avx2|baseline) \(\d+x\d+ tile.*\))?$/);
    const avx2Kernels = !/\((SkylakeX|Cooperlake|SapphireRapids) kernels\)/i.test(blas);
    const forced = process.env.GRADLAB_SGEMM;
    const own = forced === "gradlab" || (forced !== "openblas" && isa === "avx512" && avx2Kernels && !doublePumped512());
    assert.equal(blas.includes("float32 gemm: gradlab"), own, `${blas} on the ${isa} path`);
  });

  it("on the avx512 path with OpenBLAS's AVX2 kernels, the tile runs only where 512-bit units are full width", function () {
    if (addon!.info().cpuIsa !== "avx512") {
      console.log("      (skipped: this CPU has no AVX-512)");
      return this.skip();
    }
    const b = blasUnder(loadAddon().path!, { OPENBLAS_CORETYPE: "Haswell", GRADLAB_ISA: "avx512", GRADLAB_SGEMM: "auto" });
    assert.match(b, /\(Haswell kernels\)/);
    assert.equal(b.includes("float32 gemm: gradlab avx512 (12x32 tile"), !doublePumped512(), b);
  });

  it("GRADLAB_SGEMM chooses gradlab's tile or OpenBLAS; GRADLAB_ISA leaves OpenBLAS's kernels as they are", () => {
    const p = loadAddon().path!;
    const kernels = (b: string) => /\((\w+) kernels\)/.exec(b)![1];
    const plain = blasUnder(p, { GRADLAB_SGEMM: "openblas" });
    assert.doesNotMatch(plain, /float32 gemm/);
    const cpu = addon!.info().cpuIsa;
    for (const isa of ["baseline", "avx2"].filter((i) => i === "baseline" || cpu !== "baseline")) {
      const b = blasUnder(p, { GRADLAB_SGEMM: "gradlab", GRADLAB_ISA: isa });
      assert.match(b, new RegExp(`; float32 gemm: gradlab ${isa} \\(\\d+x16 tile`));
      assert.equal(kernels(b), kernels(plain));
    }
  });
});
