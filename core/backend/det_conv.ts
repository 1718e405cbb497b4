// Convolution in deterministic mode: im2col, one matrix product per group on the
// deterministic GEMM given, and col2im, the same TypeScript for every backend. Each output
// is then a sum over (channel, kernel row, kernel column) in that order, padding taking
// part as 0 × w as in the reference, whoever multiplies; the reference's direct loops
// would be too slow for a CNN epoch, and the addon's Winograd and direct kernels order
// their sums by instruction-set path.
import type { Conv2dGeometry, FloatBuffer, Kernels } from "./kernels";
import { addChannelBias } from "./js/conv";
import { composeConvMaxPool } from "./js/conv_pool";
import { maxPool2d } from "./js/pool";

type Gemm = Kernels["gemm"];

/**
 * The addon's copies of the column loops below (native/src/conv.h), which give their bits:
 * the native backend's deterministic convolutions use them.
 */
export interface ColumnKernels {
  im2col(x: FloatBuffer, cols: FloatBuffer, p: Conv2dGeometry, group: number): void;
  col2imAdd(cols: FloatBuffer, acc: Float64Array, p: Conv2dGeometry, group: number): void;
}

interface Geometry {
  N: number; C: number; H: number; W: number; OC: number; KH: number; KW: number; OH: number; OW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number; G: number;
  Cg: number; OCg: number; P: number; NP: number; CKK: number;
}

/** The loops' short names for the geometry's fields, and the matrix sizes. */
function geometry(p: Conv2dGeometry): Geometry {
  const { batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW, outHeight: OH,
    outWidth: OW, strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW, groups: G } = p;
  const P = OH * OW;
  return { N, C, H, W, OC, KH, KW, OH, OW, sH, sW, pH, pW, dH, dW, G, Cg: C / G, OCg: OC / G, P, NP: N * P, CKK: (C / G) * KH * KW };
}

const like = (b: FloatBuffer, n: number): FloatBuffer => (b instanceof Float32Array ? new Float32Array(n) : new Float64Array(n));

/** Group g's patches of x as a (Cg·KH·KW) × (N·OH·OW) matrix, zeros where a tap falls on the padding. */
function im2col(x: FloatBuffer, g: Geometry, group: number): FloatBuffer {
  const cols = like(x, g.CKK * g.NP);
  fillColumns(x, g, group, cols);
  return cols;
}

function fillColumns(x: FloatBuffer, g: Geometry, group: number, cols: FloatBuffer): void {
  for (let c = 0; c < g.Cg; c++) {
    for (let kh = 0; kh < g.KH; kh++) {
      for (let kw = 0; kw < g.KW; kw++) {
        const row = ((c * g.KH + kh) * g.KW + kw) * g.NP;
        for (let n = 0; n < g.N; n++) {
          const plane = (n * g.C + group * g.Cg + c) * g.H * g.W;
          for (let oh = 0; oh < g.OH; oh++) {
            const ih = oh * g.sH - g.pH + kh * g.dH;
            if (ih < 0 || ih >= g.H) continue;
            const at = row + n * g.P + oh * g.OW;
            for (let ow = 0; ow < g.OW; ow++) {
              const iw = ow * g.sW - g.pW + kw * g.dW;
              if (iw >= 0 && iw < g.W) cols[at + ow] = x[plane + ih * g.W + iw];
            }
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: acc (x's shape) += each column entry at its tap, in a fixed order of terms. */
function addColumns(cols: FloatBuffer, g: Geometry, group: number, acc: Float64Array): void {
  for (let c = 0; c < g.Cg; c++) {
    for (let kh = 0; kh < g.KH; kh++) {
      for (let kw = 0; kw < g.KW; kw++) {
        const row = ((c * g.KH + kh) * g.KW + kw) * g.NP;
        for (let n = 0; n < g.N; n++) {
          const plane = (n * g.C + group * g.Cg + c) * g.H * g.W;
          for (let oh = 0; oh < g.OH; oh++) {
            const ih = oh * g.sH - g.pH + kh * g.dH;
            if (ih < 0 || ih >= g.H) continue;
            const at = row + n * g.P + oh * g.OW;
            for (let ow = 0; ow < g.OW; ow++) {
              const iw = ow * g.sW - g.pW + kw * g.dW;
              if (iw >= 0 && iw < g.W) acc[plane + ih * g.W + iw] += cols[at + ow];
            }
          }
        }
      }
    }
  }
}

/** Group g's channels of an (N, OC, OH, OW) tensor as an OCg × (N·OH·OW) matrix. */
function channelsFirst(y: FloatBuffer, g: Geometry, group: number): FloatBuffer {
  const m = like(y, g.OCg * g.NP);
  for (let o = 0; o < g.OCg; o++)
    for (let n = 0; n < g.N; n++) {
      const from = (n * g.OC + group * g.OCg + o) * g.P;
      m.set(y.subarray(from, from + g.P), o * g.NP + n * g.P);
    }
  return m;
}

/** The deterministic conv2d and its two gradients on `gemm` (and the addon's column loops when given). */
export function deterministicConv(gemm: Gemm, columns?: ColumnKernels): Pick<Kernels, "conv2d" | "conv2dBackwardInput" | "conv2dBackwardWeight" | "conv2dMaxPool2x2"> {
  const patches = (x: FloatBuffer, p: Conv2dGeometry, g: Geometry, group: number): FloatBuffer => {
    if (!columns) return im2col(x, g, group);
    const cols = like(x, g.CKK * g.NP);
    columns.im2col(x, cols, p, group);
    return cols;
  };
  const scatter = columns ? (cols: FloatBuffer, p: Conv2dGeometry, _g: Geometry, group: number, acc: Float64Array) => columns.col2imAdd(cols, acc, p, group)
    : (cols: FloatBuffer, _p: Conv2dGeometry, g: Geometry, group: number, acc: Float64Array) => addColumns(cols, g, group, acc);
  const conv2d = (x: FloatBuffer, w: FloatBuffer, out: FloatBuffer, p: Conv2dGeometry, bias?: FloatBuffer | null): void => {
    const g = geometry(p);
    for (let group = 0; group < g.G; group++) {
      const cols = patches(x, p, g, group);
      const y = like(out, g.OCg * g.NP);
      gemm(false, false, g.OCg, g.NP, g.CKK, w.subarray(group * g.OCg * g.CKK), cols, y, 1, 0, 0, 0, false);
      for (let o = 0; o < g.OCg; o++)
        for (let n = 0; n < g.N; n++)
          out.set(y.subarray(o * g.NP + n * g.P, o * g.NP + (n + 1) * g.P), (n * g.OC + group * g.OCg + o) * g.P);
    }
    if (bias) addChannelBias(out, bias, p);
  };
  return {
    conv2d,
    // Pooling has no sums: the reference's gives the same winners on any backend.
    conv2dMaxPool2x2: composeConvMaxPool(conv2d, maxPool2d),

    conv2dBackwardInput(dy: FloatBuffer, w: FloatBuffer, dx: FloatBuffer, p: Conv2dGeometry): void {
      const g = geometry(p);
      // col2im's sums in double, in a fixed order (channel, kernel row, kernel column, image, output position).
      const acc = new Float64Array(dx.length);
      for (let group = 0; group < g.G; group++) {
        const cols = like(dx, g.CKK * g.NP);
        gemm(true, false, g.CKK, g.NP, g.OCg, w.subarray(group * g.OCg * g.CKK), channelsFirst(dy, g, group), cols, 1, 0, 0, 0, false);
        scatter(cols, p, g, group, acc);
      }
      dx.set(acc);
    },

    conv2dBackwardWeight(x: FloatBuffer, dy: FloatBuffer, dw: FloatBuffer, p: Conv2dGeometry): void {
      const g = geometry(p);
      for (let group = 0; group < g.G; group++) {
        const size = g.OCg * g.CKK;
        gemm(false, true, g.OCg, g.CKK, g.NP, channelsFirst(dy, g, group), patches(x, p, g, group),
          dw.subarray(group * size, (group + 1) * size), 1, 0, 0, 0, false);
      }
    },
  };
}
