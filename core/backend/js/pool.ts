// Max and average pooling and their gradients, one (n, c) plane at a time.
import type { FloatBuffer, Pool2dGeometry } from "../kernels";

interface Window { h0: number; w0: number; }

/** The loops' short names for the geometry's fields. */
function geometry(p: Pool2dGeometry) {
  const { batch: N, channels: C, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, kernelHeight: KH, kernelWidth: KW,
    strideH: sH, strideW: sW, paddingH: pH, paddingW: pW, dilationH: dH, dilationW: dW } = p;
  return { planes: N * C, H, W, OH, OW, KH, KW, sH, sW, pH, pW, dH, dW };
}

export function maxPool2d(x: FloatBuffer, out: FloatBuffer, argmax: Int32Array, p: Pool2dGeometry): void {
  const g = geometry(p);
  for (let pl = 0; pl < g.planes; pl++) {
    const xb = pl * g.H * g.W;
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        const o = (pl * g.OH + oh) * g.OW + ow;
        let best = -Infinity;
        let bi = -1;
        const win: Window = { h0: oh * g.sH - g.pH, w0: ow * g.sW - g.pW };
        search: for (let kh = 0; kh < g.KH; kh++) {
          const ih = win.h0 + kh * g.dH;
          if (ih < 0 || ih >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const iw = win.w0 + kw * g.dW;
            if (iw < 0 || iw >= g.W) continue;
            const v = x[xb + ih * g.W + iw];
            if (v > best || bi < 0 || v !== v) {
              best = v;
              bi = ih * g.W + iw;
              if (v !== v) break search;
            }
          }
        }
        out[o] = best;
        argmax[o] = bi;
      }
    }
  }
}

export function maxPool2dBackward(dy: FloatBuffer, argmax: Int32Array, dx: FloatBuffer, p: Pool2dGeometry, reluOut?: FloatBuffer | null): void {
  const g = geometry(p);
  dx.fill(0);
  for (let pl = 0; pl < g.planes; pl++) {
    const xb = pl * g.H * g.W;
    const ob = pl * g.OH * g.OW;
    for (let i = 0; i < g.OH * g.OW; i++) {
      const a = argmax[ob + i];
      // relu's gradient first where reluOut is given: dy where its output is > 0, else 0.
      if (a >= 0) dx[xb + a] += reluOut && !(reluOut[ob + i] > 0) ? 0 : dy[ob + i];
    }
  }
}

/** PyTorch's divisor: the window clipped to the padded input, or to the input itself. */
function divisor(g: ReturnType<typeof geometry>, oh: number, ow: number, countIncludePad: boolean): number {
  const h0 = oh * g.sH - g.pH;
  const w0 = ow * g.sW - g.pW;
  const hEnd = Math.min(h0 + g.KH, g.H + g.pH);
  const wEnd = Math.min(w0 + g.KW, g.W + g.pW);
  if (countIncludePad) return (hEnd - h0) * (wEnd - w0);
  return (Math.min(hEnd, g.H) - Math.max(h0, 0)) * (Math.min(wEnd, g.W) - Math.max(w0, 0));
}

export function avgPool2d(x: FloatBuffer, out: FloatBuffer, p: Pool2dGeometry, countIncludePad: boolean): void {
  const g = geometry(p);
  for (let pl = 0; pl < g.planes; pl++) {
    const xb = pl * g.H * g.W;
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        const h0 = oh * g.sH - g.pH;
        const w0 = ow * g.sW - g.pW;
        let s = 0;
        for (let ih = Math.max(h0, 0); ih < Math.min(h0 + g.KH, g.H); ih++) {
          for (let iw = Math.max(w0, 0); iw < Math.min(w0 + g.KW, g.W); iw++) s += x[xb + ih * g.W + iw];
        }
        out[(pl * g.OH + oh) * g.OW + ow] = s / divisor(g, oh, ow, countIncludePad);
      }
    }
  }
}

export function avgPool2dBackward(dy: FloatBuffer, dx: FloatBuffer, p: Pool2dGeometry, countIncludePad: boolean): void {
  const g = geometry(p);
  dx.fill(0);
  for (let pl = 0; pl < g.planes; pl++) {
    const xb = pl * g.H * g.W;
    for (let oh = 0; oh < g.OH; oh++) {
      for (let ow = 0; ow < g.OW; ow++) {
        const h0 = oh * g.sH - g.pH;
        const w0 = ow * g.sW - g.pW;
        const share = dy[(pl * g.OH + oh) * g.OW + ow] / divisor(g, oh, ow, countIncludePad);
        for (let ih = Math.max(h0, 0); ih < Math.min(h0 + g.KH, g.H); ih++) {
          for (let iw = Math.max(w0, 0); iw < Math.min(w0 + g.KW, g.W); iw++) dx[xb + ih * g.W + iw] += share;
        }
      }
    }
  }
}
