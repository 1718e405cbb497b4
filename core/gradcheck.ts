// Gradient checking by finite differences, as COURSE.md topic 3 teaches it: compare the
// analytic gradient with the centred difference (f(x+h) − f(x−h)) / 2h, element by
// element, by relative error |a − n| / max(|a|, |n|).
import { Tensor } from "./tensor";
import { noGrad } from "./autograd";
import { Generator } from "./random";
import { randn } from "./ops/creation";
import { DTypeError, ValueError } from "./errors";

export interface GradcheckOptions {
  /** The finite-difference step (default 1e-6). */
  eps?: number;
  /** An element passes when |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-5 and 1e-3, as PyTorch). */
  atol?: number;
  rtol?: number;
}

export interface GradcheckResult {
  ok: boolean;
  /** The largest relative error |a − n| / max(|a|, |n|) over all elements (0 where both are 0). */
  maxRelError: number;
  maxAbsError: number;
  /** Where the worst element is, with both gradients. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  /** One line a student can read. */
  summary: string;
}

/** |a − b| / max(|a|, |b|): below 1e-7 is excellent, above 1e-2 is usually wrong. */
export function relativeError(a: number, b: number): number {
  const d = Math.max(Math.abs(a), Math.abs(b));
  return d === 0 ? 0 : Math.abs(a - b) / d;
}

function outputs(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return Array.isArray(out) ? out : [out];
}

/**
 * Checks fn's gradients with respect to every input that requires one. fn may return a
 * tensor or several; they are projected onto fixed random directions so that every
 * output element counts. Inputs must be float64.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ValueError(`gradcheck: input ${i} is not a tensor`);
    if (x.requiresGrad && x.dtype !== "float64") {
      throw new DTypeError(`gradcheck: input ${i} is ${x.dtype}; finite differences need float64 (use .double())`);
    }
  });
  const checked = inputs.map((x, i) => [x, i] as const).filter(([x]) => x.requiresGrad);
  if (checked.length === 0) throw new ValueError("gradcheck: no input requires a gradient (create them with { requiresGrad: true })");
  // A private generator: checking gradients must not disturb the user's random stream.
  const gen = new Generator(1234);
  const first = noGrad(() => outputs(fn, inputs));
  const dirs = first.map((o) => randn(o.shape, { dtype: "float64", generator: gen }));
  const project = (outs: Tensor[]) => outs.reduce((acc, o, k) => acc.add(o.to("float64").mul(dirs[k]).sum()), new Tensor(Float64Array.of(0), [], "float64"));

  for (const [x] of checked) x.grad = null;
  const loss = project(outputs(fn, inputs));
  if (loss.requiresGrad) loss.backward();

  let maxRel = 0;
  let maxAbs = 0;
  let worstExcess = -Infinity;
  let worst: GradcheckResult["worst"] = null;
  noGrad(() => {
    for (const [x, i] of checked) {
      const data = x.data as Float64Array;
      const analytic = x.grad ? (x.grad.data as Float64Array) : new Float64Array(x.numel);
      for (let k = 0; k < x.numel; k++) {
        const orig = data[k];
        data[k] = orig + eps;
        const plus = project(outputs(fn, inputs)).item();
        data[k] = orig - eps;
        const minus = project(outputs(fn, inputs)).item();
        data[k] = orig;
        const numeric = (plus - minus) / (2 * eps);
        const a = analytic[k];
        const abs = Math.abs(a - numeric);
        // How far past the tolerance this element is; NaN (a broken gradient) counts as infinitely far.
        const excess = Number.isNaN(abs) ? Infinity : abs - (atol + rtol * Math.abs(numeric));
        if (excess > worstExcess) {
          worstExcess = excess;
          worst = { input: i, index: k, analytic: a, numeric };
        }
        maxRel = Math.max(maxRel, Number.isNaN(abs) ? Infinity : relativeError(a, numeric));
        maxAbs = Math.max(maxAbs, Number.isNaN(abs) ? Infinity : abs);
      }
    }
  });
  const ok = worstExcess <= 0;
  for (const [x] of checked) x.grad = null;
  const summary = ok
    ? `gradcheck passed: max relative error ${maxRel.toExponential(2)}, max absolute error ${maxAbs.toExponential(2)}`
    : `gradcheck failed: input ${worst!.input}, element ${worst!.index}: analytic ${worst!.analytic} vs numeric ${worst!.numeric} ` +
      `(relative error ${maxRel.toExponential(2)})`;
  return { ok, maxRelError: maxRel, maxAbsError: maxAbs, worst, summary };
}
