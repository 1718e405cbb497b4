// The addon says which BLAS it linked, which kernels OpenBLAS chose at load (they follow
// OPENBLAS_CORETYPE when it is set), and when gradlab's own float32 tile does the products.
import { strict as assert } from "node:assert";
import { loadAddon } from "../../core/backend/addon";

describe("native addon: which BLAS does the products", () => {
  it("reports the OpenBLAS version and kernels, and gradlab's AVX-512 tile when it is used", function () {
    const addon = loadAddon().addon;
    if (!addon || addon.info().blas === "portable") {
      console.log("    (skipped: the addon is not built, or built without OpenBLAS)");
      this.skip();
    }
    const { blas, simd } = addon!.info();
    assert.match(blas, /^openblas \d+\.\d+\.\d+ \(\w+ kernels\)(; float32 gemm: gradlab avx512 \(12x32 tile\))?$/);
    const avx2Kernels = !/\((SkylakeX|Cooperlake|SapphireRapids) kernels\)/i.test(blas);
    assert.equal(blas.includes("gradlab avx512"), simd === "avx512" && avx2Kernels, `${blas} with simd ${simd}`);
  });
});
