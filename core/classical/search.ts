// Hyper-parameter search and numerical gradients (COURSE.md topics 3 and 10).
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { defaultGenerator, type Generator } from "../random";
import { relativeError } from "../gradcheck";
import { ValueError, describeValue } from "../errors";
import { writeHost } from "../storage";

export type SearchSpace = Record<string, { low: number; high: number; log?: boolean } | readonly (string | number)[]>;

/**
 * Random search: `trials` samples of the space — uniform, or uniform in log space for
 * { log: true } (the course's advice for learning rates and regularisation: 10^U(−6, −1)) —
 * each scored by score(params); the best (lowest, or highest with maximize) comes first.
 */
export async function randomSearch(space: SearchSpace, trials: number, score: (p: Record<string, number | string>) => number | Promise<number>,
  opts: { maximize?: boolean; generator?: Generator } = {}): Promise<{ params: Record<string, number | string>; score: number }[]> {
  if (!Number.isInteger(trials) || trials < 1) throw new ValueError(`randomSearch: trials must be a positive integer, got ${describeValue(trials)}`);
  const g = opts.generator ?? defaultGenerator;
  const results: { params: Record<string, number | string>; score: number }[] = [];
  for (let t = 0; t < trials; t++) {
    const params: Record<string, number | string> = {};
    for (const [name, spec] of Object.entries(space)) {
      if (Array.isArray(spec)) params[name] = spec[g.int(0, spec.length)];
      else {
        const { low, high, log } = spec as { low: number; high: number; log?: boolean };
        if (!(low < high) || (log && low <= 0)) throw new ValueError(`randomSearch: "${name}" needs low < high${log ? " and low > 0 for a log scale" : ""}`);
        params[name] = log ? Math.exp(Math.log(low) + g.uniform() * (Math.log(high) - Math.log(low))) : low + g.uniform() * (high - low);
      }
    }
    results.push({ params, score: await score(params) });
  }
  const sign = opts.maximize ? -1 : 1;
  return results.sort((a, b) => sign * ((Number.isNaN(a.score) ? Infinity : a.score) - (Number.isNaN(b.score) ? Infinity : b.score)));
}

/**
 * The numerical gradient of a scalar function at x, element by element:
 * forward (f(x + h) − f(x))/h or centred (f(x + h) − f(x − h))/2h, the better one.
 */
export function numericalGradient(f: (x: Tensor) => Tensor | number, x: Tensor, opts: { h?: number; method?: "forward" | "centred" } = {}): Tensor {
  const h = opts.h ?? 1e-5;
  const method = opts.method ?? "centred";
  const value = (t: Tensor) => { const v = f(t); return typeof v === "number" ? v : v.item(); };
  return noGrad(() => {
    const grad = new Float64Array(x.numel);
    // The storage itself on the CPU backends; elsewhere a copy, written back after each change.
    const d = x.dataSync();
    const set = (i: number, v: number) => { d[i] = v; writeHost(x.storage, d); };
    const fx = method === "forward" ? value(x) : 0;
    for (let i = 0; i < d.length; i++) {
      const orig = d[i];
      set(i, orig + h);
      const plus = value(x);
      if (method === "forward") grad[i] = (plus - fx) / h;
      else {
        set(i, orig - h);
        grad[i] = (plus - value(x)) / (2 * h);
      }
      set(i, orig);
    }
    return new Tensor(grad, x.shape.slice(), "float64").to(x.dtype);
  });
}

/** The largest relative error between an analytic and a numerical gradient (below 1e-7: right; above 1e-2: wrong). */
export function maxRelativeError(analytic: Tensor, numeric: Tensor): number {
  let m = 0;
  const a = analytic.dataSync(), b = numeric.dataSync();
  for (let i = 0; i < analytic.numel; i++) m = Math.max(m, relativeError(a[i], b[i]));
  return m;
}
