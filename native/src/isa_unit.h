// Included first by every file compiled once per instruction-set path (isa.h): those
// files put all they define in namespace gradlab::GRADLAB_ISA_NS, so that nothing
// compiled for AVX-512 can be linked into code that runs on a CPU without it.
#pragma once

#ifndef GRADLAB_ISA_NS
#error "this file is compiled once per instruction-set path: binding.gyp defines GRADLAB_ISA_NS"
#endif
