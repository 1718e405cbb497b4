// The chosen path's float32 multiply-add peak on all pool threads, in GFLOP/s (measured
// in ~50 ms; peak_flops.cc). For the benchmark's "fraction of peak".
#pragma once

namespace gradlab {
namespace GRADLAB_ISA_NS {

double peakGflops();

}  // namespace GRADLAB_ISA_NS
}  // namespace gradlab
