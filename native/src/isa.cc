#include "isa.h"

#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace gradlab {

namespace {

const IsaKernels* active = &baseline::kernels;
const IsaKernels* best = &baseline::kernels;
bool forced = false;

#if defined(__x86_64__)
// The register state the OS saves on a context switch (XCR0): ymm needs SSE and AVX
// state (bits 1, 2), zmm also the opmask and upper zmm state (bits 5, 6, 7).
uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

// The highest x86-64 level whose every feature the compiler may use in that path's
// unit (-march=x86-64-v3 / -v4) is present and enabled by the OS.
Isa detect() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Baseline;
  const bool fma = c & bit_FMA, movbe = c & bit_MOVBE, f16c = c & bit_F16C, avx = c & bit_AVX, osxsave = c & bit_OSXSAVE;
  if (!avx || !osxsave) return Isa::Baseline;
  const uint64_t x = xcr0();
  const bool ymm = (x & 0x6) == 0x6, zmm = (x & 0xE6) == 0xE6;
  if (__get_cpuid_max(0, nullptr) < 7) return Isa::Baseline;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & bit_AVX2, bmi1 = b & bit_BMI, bmi2 = b & bit_BMI2;
  const bool f = b & bit_AVX512F, dq = b & bit_AVX512DQ, cd = b & bit_AVX512CD, bw = b & bit_AVX512BW, vl = b & bit_AVX512VL;
  unsigned ea = 0, eb = 0, ec = 0, ed = 0;
  __get_cpuid(0x80000001, &ea, &eb, &ec, &ed);
  const bool lzcnt = ec & bit_ABM;
  const bool v3 = ymm && avx2 && fma && bmi1 && bmi2 && f16c && movbe && lzcnt;
  if (!v3) return Isa::Baseline;
  return zmm && f && dq && cd && bw && vl ? Isa::Avx512 : Isa::Avx2;
}

// AMD's family 19h is Zen 3 (no AVX-512) and Zen 4, whose AVX-512 is double-pumped:
// 256-bit units, each 512-bit instruction issued as two halves. Intel's AVX-512 cores and
// Zen 5 (family 1Ah) have full-width units. (Zen 5's mobile parts are double-pumped too;
// they report the same family, and keep the full-width choice.)
bool fullWidth512() {
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return true;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  if (std::strcmp(vendor, "AuthenticAMD") != 0 || !__get_cpuid(1, &a, &b, &c, &d)) return true;
  const unsigned family = ((a >> 8) & 0xF) + (((a >> 8) & 0xF) == 0xF ? (a >> 20) & 0xFF : 0);
  return family != 0x19;
}

const IsaKernels* table(Isa i) {
  switch (i) {
    case Isa::Avx512: return &avx512::kernels;
    case Isa::Avx2: return &avx2::kernels;
    default: return &baseline::kernels;
  }
}
#else
Isa detect() { return Isa::Baseline; }
bool fullWidth512() { return false; }
const IsaKernels* table(Isa) { return &baseline::kernels; }
#endif

}  // namespace

const IsaKernels& isa() { return *active; }
const char* cpuIsaName() { return best->name; }
bool isaForced() { return forced; }
bool avx512FullWidth() {
  static const bool full = fullWidth512();
  return full;
}

std::string chooseIsa() {
  best = table(detect());
  // For the tests of the refusal below: act as if the CPU had at most this path.
  if (const char* cap = std::getenv("GRADLAB_ISA_CPU"))
    for (Isa i : {Isa::Baseline, Isa::Avx2, Isa::Avx512})
      if (std::strcmp(cap, table(i)->name) == 0 && table(i)->isa == i && i < best->isa) best = table(i);
  active = best;
  const char* env = std::getenv("GRADLAB_ISA");
  if (!env || !*env || std::strcmp(env, "auto") == 0) return "";
  const IsaKernels* wanted = nullptr;
  for (Isa i : {Isa::Baseline, Isa::Avx2, Isa::Avx512})
    if (std::strcmp(env, table(i)->name) == 0 && table(i)->isa == i) wanted = table(i);
  if (!wanted)
    return std::string("GRADLAB_ISA=") + env + " is not an instruction-set path: use baseline, avx2 or avx512 (or leave it unset for the CPU's best, " +
           best->name + ")";
  if (wanted->isa > best->isa)
    return std::string("GRADLAB_ISA=") + env + " asks for kernels this CPU (or its operating system) cannot run: it supports " + best->name +
           " at most; use a path up to that, or leave GRADLAB_ISA unset";
  active = wanted;
  forced = wanted != best;
  return "";
}

}  // namespace gradlab
