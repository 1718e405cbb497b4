// Which OpenBLAS kernels the loader asks for: SkylakeX on AMD CPUs with AVX-512, which
// Debian's OpenBLAS 0.3.21 takes for Haswell; nothing otherwise, and never over a value
// the user set.
import { strict as assert } from "node:assert";
import { chooseOpenBlasCore, loadAddon } from "../../core/backend/addon";

const cpu = (vendor: string, flags: string) => `processor\t: 0\nvendor_id\t: ${vendor}\nflags\t\t: ${flags}\n`;
const AVX512 = "fpu sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl";

describe("native addon: OpenBLAS kernel choice", () => {
  let saved: string | undefined;
  beforeEach(() => { saved = process.env.OPENBLAS_CORETYPE; delete process.env.OPENBLAS_CORETYPE; });
  afterEach(() => { if (saved === undefined) delete process.env.OPENBLAS_CORETYPE; else process.env.OPENBLAS_CORETYPE = saved; });

  it("asks for SkylakeX kernels on an AMD CPU with AVX-512", () => {
    assert.equal(chooseOpenBlasCore(cpu("AuthenticAMD", AVX512)), "SKYLAKEX");
    assert.equal(process.env.OPENBLAS_CORETYPE, "SKYLAKEX");
  });

  it("leaves OpenBLAS's own detection alone on Intel, on AMD without AVX-512, and without /proc/cpuinfo", () => {
    assert.equal(chooseOpenBlasCore(cpu("GenuineIntel", AVX512)), undefined);
    assert.equal(chooseOpenBlasCore(cpu("AuthenticAMD", "fpu sse avx avx2 fma avx512f")), undefined);
    assert.equal(chooseOpenBlasCore(null), undefined);
    assert.equal(process.env.OPENBLAS_CORETYPE, undefined);
  });

  it("keeps the user's OPENBLAS_CORETYPE", () => {
    process.env.OPENBLAS_CORETYPE = "Haswell";
    assert.equal(chooseOpenBlasCore(cpu("AuthenticAMD", AVX512)), undefined);
    assert.equal(process.env.OPENBLAS_CORETYPE, "Haswell");
  });

  it("reports the kernels OpenBLAS loaded", function () {
    const addon = loadAddon().addon;
    if (!addon || addon.info().blas === "portable") {
      console.log("    (skipped: the addon is not built, or built without OpenBLAS)");
      this.skip();
    }
    assert.match(addon!.info().blas, /^openblas \d+\.\d+\.\d+ \(\w+ kernels\)(; float32 gemm: gradlab avx512 \(12x32 tile\))?$/);
  });
});
