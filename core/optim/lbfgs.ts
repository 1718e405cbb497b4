import { Tensor } from "../tensor";
import { noGrad, setGradEnabled, isGradEnabled } from "../autograd";
import { Optimizer, checkNumber, type Params } from "./optimizer";
import { ValueError } from "../errors";
import { writeHost } from "../storage";

export interface LBFGSOptions {
  lr?: number;
  /** Iterations per step() call. */
  maxIter?: number;
  /** Function evaluations per step() call (default maxIter·5/4). */
  maxEval?: number;
  toleranceGrad?: number;
  toleranceChange?: number;
  /** How many (s, y) pairs approximate the inverse Hessian. */
  historySize?: number;
}

/**
 * Limited-memory BFGS (COURSE.md topic 11), ported from PyTorch's LBFGS without a line
 * search: each step() runs up to maxIter iterations, each a two-loop recursion over the
 * last historySize curvature pairs, and calls the closure to re-evaluate loss and gradient.
 * The closure must zero the gradients, compute the loss, call backward() and return it.
 * All parameters are treated as one flat vector (one parameter group).
 */
export class LBFGS extends Optimizer<Required<LBFGSOptions>> {
  private readonly params: Tensor[];

  constructor(params: Params<LBFGSOptions>, opts: LBFGSOptions = {}) {
    const maxIter = opts.maxIter ?? 20;
    super(params as any, { lr: 1, maxIter, maxEval: opts.maxEval ?? Math.floor(maxIter * 1.25), toleranceGrad: 1e-7,
      toleranceChange: 1e-9, historySize: 100, ...opts });
    if (this.paramGroups.length !== 1) throw new ValueError("LBFGS: only one parameter group is supported (as in PyTorch)");
    this.params = this.paramGroups[0].params;
  }

  protected validate(o: Required<LBFGSOptions>): void {
    checkNumber("LBFGS", "lr", o.lr);
    checkNumber("LBFGS", "maxIter", o.maxIter, 1);
    checkNumber("LBFGS", "maxEval", o.maxEval, 1);
    checkNumber("LBFGS", "historySize", o.historySize, 1);
  }

  private flatGrad(): Float64Array {
    this.checkGrads();
    const n = this.params.reduce((a, p) => a + p.numel, 0);
    const out = new Float64Array(n);
    let at = 0;
    for (const p of this.params) {
      if (p.grad) out.set(p.grad.dataSync(), at);
      at += p.numel;
    }
    return out;
  }

  /** θ ← θ + t·d over the flat vector. */
  private addToParams(t: number, d: Float64Array): void {
    noGrad(() => {
      let at = 0;
      for (const p of this.params) {
        const data = p.dataSync(); // the storage itself on the CPU backends, else a copy
        for (let i = 0; i < p.numel; i++) data[i] += t * d[at + i];
        writeHost(p.storage, data);
        at += p.numel;
      }
    });
  }

  private evaluate(closure: () => Tensor): number {
    const prev = isGradEnabled();
    setGradEnabled(true);
    try {
      return closure().item();
    } finally {
      setGradEnabled(prev);
    }
  }

  /** Not used: LBFGS updates all parameters together in step(). */
  protected update(): void {
    throw new ValueError("LBFGS updates all parameters at once; call step(closure)");
  }

  override step(closure?: () => Tensor): Tensor | undefined {
    if (!closure) throw new ValueError("LBFGS.step needs a closure that zeroes the gradients, computes the loss, calls backward() and returns the loss");
    const o = this.paramGroups[0].options;
    const st = this.stateOf(this.params[0]);
    st.funcEvals ??= 0;
    st.nIter ??= 0;
    const prevGradMode = isGradEnabled();
    setGradEnabled(true);
    const origLoss = closure();
    setGradEnabled(prevGradMode);
    let loss = origLoss.item();
    let currentEvals = 1;
    st.funcEvals += 1;
    let g = this.flatGrad();
    if (maxAbs(g) <= o.toleranceGrad) return origLoss;

    let d: Float64Array = st.d;
    let t: number = st.t;
    let oldDirs: Float64Array[] = st.oldDirs ?? [];
    let oldStps: Float64Array[] = st.oldStps ?? [];
    let ro: number[] = st.ro ?? [];
    let hDiag: number = st.hDiag ?? 1;
    let prevG: Float64Array | undefined = st.prevFlatGrad;
    let nIter = 0;
    while (nIter < o.maxIter) {
      nIter++;
      st.nIter++;
      if (st.nIter === 1) {
        d = g.map((v) => -v);
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        const y = g.map((v, i) => v - prevG![i]);
        const s = d.map((v) => v * t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === o.historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        // The two-loop recursion: q ← −g, then r ← H·q with H the L-BFGS inverse Hessian.
        const al = new Array<number>(oldDirs.length);
        const q = g.map((v) => -v);
        for (let i = oldDirs.length - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i], q) * ro[i];
          axpy(-al[i], oldDirs[i], q);
        }
        const r = q.map((v) => v * hDiag);
        for (let i = 0; i < oldDirs.length; i++) {
          const be = dot(oldDirs[i], r) * ro[i];
          axpy(al[i] - be, oldStps[i], r);
        }
        d = r;
      }
      prevG = g.slice();
      const prevLoss = loss;
      t = st.nIter === 1 ? Math.min(1, 1 / sumAbs(g)) * o.lr : o.lr;
      const gtd = dot(g, d);
      if (gtd > -o.toleranceChange) break;
      let lsEvals = 0;
      this.addToParams(t, d);
      let optCond = false;
      if (nIter !== o.maxIter) {
        loss = this.evaluate(closure);
        g = this.flatGrad();
        optCond = maxAbs(g) <= o.toleranceGrad;
        lsEvals = 1;
      }
      currentEvals += lsEvals;
      st.funcEvals += lsEvals;
      if (nIter === o.maxIter || currentEvals >= o.maxEval || optCond) break;
      if (maxAbs(d) * Math.abs(t) <= o.toleranceChange) break;
      if (Math.abs(loss - prevLoss) < o.toleranceChange) break;
    }
    Object.assign(st, { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad: prevG });
    return origLoss;
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}
function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
function sumAbs(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}
