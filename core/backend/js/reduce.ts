// Reductions along one axis and softmax, for a tensor seen as [outer, n, inner].
import type { Buffer, FloatBuffer } from "../kernels";
import { REDUCE } from "../kernels";

export function reduce(op: number, x: Buffer, outer: number, n: number, inner: number, out: Buffer): void {
  const name = REDUCE[op];
  if (name === undefined) throw new RangeError(`reduce: unknown op code ${op}`);
  if (n === 0 && name !== "sum" && name !== "prod") throw new RangeError(`reduce: cannot take ${name} over an empty dimension`);
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let j = 0; j < inner; j++) {
      let p = base + j;
      switch (name) {
        case "sum": {
          let s = 0;
          for (let i = 0; i < n; i++, p += inner) s += x[p];
          out[o * inner + j] = s;
          break;
        }
        case "prod": {
          let s = 1;
          for (let i = 0; i < n; i++, p += inner) s *= x[p];
          out[o * inner + j] = s;
          break;
        }
        default: {
          // max/min/argmax/argmin: first occurrence wins; NaN beats everything.
          const wantMax = name === "max" || name === "argmax";
          let best = x[p];
          let bi = 0;
          if (best === best) {
            p += inner;
            for (let i = 1; i < n; i++, p += inner) {
              const v = x[p];
              if (v !== v) { best = v; bi = i; break; }
              if (wantMax ? v > best : v < best) { best = v; bi = i; }
            }
          }
          out[o * inner + j] = name === "max" || name === "min" ? best : bi;
        }
      }
    }
  }
}

export function softmax(x: FloatBuffer, out: FloatBuffer, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = x[base + i * inner];
        if (v > m || v !== v) m = v;
      }
      if (m === -Infinity) m = 0;
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(x[base + i * inner] - m);
      if (log) {
        // (x − max) − log Σ, as PyTorch: adding log Σ to a large max first would round it away.
        const ls = Math.log(s);
        for (let i = 0; i < n; i++) out[base + i * inner] = (x[base + i * inner] - m) - ls;
      } else {
        for (let i = 0; i < n; i++) out[base + i * inner] = Math.exp(x[base + i * inner] - m) / s;
      }
    }
  }
}

export function softmaxBackward(y: FloatBuffer, dy: FloatBuffer, dx: FloatBuffer, outer: number, n: number, inner: number, log: boolean): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let s = 0;
      if (log) {
        for (let i = 0; i < n; i++) s += dy[base + i * inner];
        for (let i = 0; i < n; i++) {
          const p = base + i * inner;
          dx[p] = dy[p] - Math.exp(y[p]) * s;
        }
      } else {
        for (let i = 0; i < n; i++) s += dy[base + i * inner] * y[base + i * inner];
        for (let i = 0; i < n; i++) {
          const p = base + i * inner;
          dx[p] = y[p] * (dy[p] - s);
        }
      }
    }
  }
}
