// The question long work asks between blocks (interrupt.h), without Node-API: the
// per-instruction-set units (isa.h) include only this, so that no Node-API code is
// compiled for a higher instruction set than the CPU may have.
#pragma once

namespace gradlab {

// True once SIGINT arrived during the outermost InterruptWatch now alive (any thread may ask).
bool interruptRequested();

}  // namespace gradlab
