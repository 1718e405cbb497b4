// Direct 2-D convolution (cross-correlation, as PyTorch) and its two gradients,
// written as plain loops: the reference the native im2col+GEMM path is checked against.
import type { Conv2dGeometry, FloatBuffer } from "../kernels";

interface Geometry {
  N: number; C: number; H: number; W: number; OC: number; KH: number; KW: number; OH: number; OW: number;
  sH: number; sW: number; pH: number; pW: number; dH: number; dW: number; G: number; Cg: number; OCg: number;
}

/** The loops' short names for the geometry's fields. */
function geometry(p: Conv2dGeometry): Geometry {
  const { batch: N, inChannels: C, inHeight: H, inWidth: W, outChannels: OC, kernelHeight: KH, kernelWidth: KW, outHeight: OH,
    outWidth: OW, strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW, groups: G } = p;
  return { N, C, H, W, OC, KH, KW, OH, OW, sH, sW, pH, pW, dH, dW, G, Cg: C / G, OCg: OC / G };
}

/**
 * Calls visit(xIndex, wIndex, outIndex) for every multiply-add of the convolution; with
 * padding set, also for each tap that falls on the zero padding, with xIndex -1.
 */
function forEachTap(g: Geometry, visit: (xi: number, wi: number, oi: number) => void, padding = false): void {
  const { N, C, H, W, OC, KH, KW, OH, OW, sH, sW, pH, pW, dH, dW, Cg, OCg } = g;
  for (let n = 0; n < N; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const group = Math.floor(oc / OCg);
      for (let c = 0; c < Cg; c++) {
        const ic = group * Cg + c;
        const xPlane = (n * C + ic) * H * W;
        const wBase = (oc * Cg + c) * KH * KW;
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const wi = wBase + kh * KW + kw;
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * sH - pH + kh * dH;
              const oRow = ((n * OC + oc) * OH + oh) * OW;
              if (ih < 0 || ih >= H) {
                if (padding) for (let ow = 0; ow < OW; ow++) visit(-1, wi, oRow + ow);
                continue;
              }
              for (let ow = 0; ow < OW; ow++) {
                const iw = ow * sW - pW + kw * dW;
                if (iw < 0 || iw >= W) {
                  if (padding) visit(-1, wi, oRow + ow);
                  continue;
                }
                visit(xPlane + ih * W + iw, wi, oRow + ow);
              }
            }
          }
        }
      }
    }
  }
}

// NOTE: as the native addon (and PyTorch) computes a convolution — products in the
// tensors' precision, zero padding taking part as 0 × w, so that an infinite or NaN weight
// makes a padded output NaN — with sums in double precision.

const hasNonFinite = (b: FloatBuffer) => b.some((v) => !Number.isFinite(v));

export function conv2d(x: FloatBuffer, w: FloatBuffer, out: FloatBuffer, p: Conv2dGeometry, bias?: FloatBuffer | null): void {
  const acc = new Float64Array(out.length);
  const pad = hasNonFinite(w);
  if (out instanceof Float32Array) forEachTap(geometry(p), (xi, wi, oi) => { acc[oi] += Math.fround((xi < 0 ? 0 : x[xi]) * w[wi]); }, pad);
  else forEachTap(geometry(p), (xi, wi, oi) => { acc[oi] += (xi < 0 ? 0 : x[xi]) * w[wi]; }, pad);
  out.set(acc);
  if (bias) addChannelBias(out, bias, p);
}

/** out[n, k] += bias[k] on each output plane, rounded to out's precision as a separate add. */
export function addChannelBias(out: FloatBuffer, bias: FloatBuffer, p: Conv2dGeometry): void {
  const plane = p.outHeight * p.outWidth;
  for (let i = 0, n = out.length / plane; i < n; i++) {
    const v = bias[i % p.outChannels];
    for (let j = i * plane; j < (i + 1) * plane; j++) out[j] += v;
  }
}

export function conv2dBackwardInput(dy: FloatBuffer, w: FloatBuffer, dx: FloatBuffer, p: Conv2dGeometry): void {
  const acc = new Float64Array(dx.length);
  if (dx instanceof Float32Array) forEachTap(geometry(p), (xi, wi, oi) => { acc[xi] += Math.fround(dy[oi] * w[wi]); });
  else forEachTap(geometry(p), (xi, wi, oi) => { acc[xi] += dy[oi] * w[wi]; });
  dx.set(acc);
}

export function conv2dBackwardWeight(x: FloatBuffer, dy: FloatBuffer, dw: FloatBuffer, p: Conv2dGeometry): void {
  const acc = new Float64Array(dw.length);
  const pad = hasNonFinite(dy);
  if (dw instanceof Float32Array) forEachTap(geometry(p), (xi, wi, oi) => { acc[wi] += Math.fround((xi < 0 ? 0 : x[xi]) * dy[oi]); }, pad);
  else forEachTap(geometry(p), (xi, wi, oi) => { acc[wi] += (xi < 0 ? 0 : x[xi]) * dy[oi]; }, pad);
  dw.set(acc);
}
