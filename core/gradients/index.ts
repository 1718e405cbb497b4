// The gradient table: one gradient per primitive, keyed by the name the op records
// (record(name, inputs, out, saved) in core/autograd.ts), each beside its family's kernels:
// entry(g, { inputs, out, saved }) → one gradient (or null) per input. Ops hold no
// gradient closures; test/core/gradient_table.test.ts gradchecks every entry.
import { activationGradients } from "./activation";
import { convGradients } from "./conv";
import { elementwiseGradients } from "./elementwise";
import { linalgGradients } from "./linalg";
import { movementGradients } from "./movement";
import { poolingGradients } from "./pooling";
import { reduceGradients } from "./reduce";

export const GRADIENTS = {
  ...elementwiseGradients,
  ...activationGradients,
  ...reduceGradients,
  ...movementGradients,
  ...linalgGradients,
  ...convGradients,
  ...poolingGradients,
};
