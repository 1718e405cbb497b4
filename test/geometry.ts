// Convolution and pooling geometries for tests that call kernels directly: the named
// fields of core/backend/kernels.ts with stride 1, padding 0, dilation 1 and one group
// unless given. Tests whose geometry must be invalid pass it unchecked on purpose.
import type { Conv2dGeometry, Pool2dGeometry } from "../core/backend/kernels";

type Defaulted = "strideH" | "strideW" | "paddingH" | "paddingW" | "dilationH" | "dilationW";

export function convGeometry(g: Omit<Conv2dGeometry, Defaulted | "groups"> & Partial<Conv2dGeometry>): Conv2dGeometry {
  return { strideH: 1, strideW: 1, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1, groups: 1, ...g };
}

export function poolGeometry(g: Omit<Pool2dGeometry, Defaulted> & Partial<Pool2dGeometry>): Pool2dGeometry {
  return { strideH: 1, strideW: 1, paddingH: 0, paddingW: 0, dilationH: 1, dilationW: 1, ...g };
}
