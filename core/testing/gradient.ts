// checkGradient: the gradient check of COURSE.md topic 3, as an assertion. It runs core's
// gradcheck and judges its largest relative error by the course's rule of thumb.
import { gradcheck, gradgradCheck, type GradcheckResult } from "../gradcheck";
import type { Tensor } from "../tensor";
import { AssertionError } from "./close";

/** Topic 3's scale for the relative error |a − n| / max(|a|, |n|). */
export const GRADIENT_THRESHOLDS = {
  /** Below this the gradient is right. */
  excellent: 1e-7,
  /** Up to this it passes (acceptable with kinks such as ReLU or max). */
  pass: 1e-4,
  /** Above this the gradient is most likely wrong. */
  wrong: 1e-2,
} as const;

export interface CheckGradientOptions {
  /** The largest relative error that passes (default 1e-4). */
  threshold?: number;
  /** Passes anyway when every element agrees to this absolute error (default 1e-8): where both gradients are ~0 the relative error is noise. */
  atol?: number;
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  message?: string;
}

export function gradientVerdict(rel: number): string {
  if (rel <= GRADIENT_THRESHOLDS.excellent) return "excellent";
  if (rel <= GRADIENT_THRESHOLDS.pass) return "acceptable (fine if the function has kinks)";
  if (rel <= GRADIENT_THRESHOLDS.wrong) return "suspicious";
  return "most likely wrong";
}

/**
 * Throws unless fn's second derivatives (gradgradCheck: the gradient of its gradient, taken
 * with grad(..., { createGraph: true })) match centred differences within the threshold.
 */
export function checkGradGrad(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: CheckGradientOptions = {}): GradcheckResult {
  const threshold = opts.threshold ?? GRADIENT_THRESHOLDS.pass;
  const r = gradgradCheck(fn, inputs, { eps: opts.eps });
  if (r.maxRelError > threshold && !(r.maxAbsError <= (opts.atol ?? 1e-8))) {
    const w = r.worst;
    const n = inputs.length;
    const what = w && (w.input < n ? `input ${w.input}` : `the upstream gradient ${w.input - n}`);
    throw new AssertionError(`${opts.message ? opts.message + ": " : ""}second-derivative check failed: max relative error ` +
      `${r.maxRelError.toExponential(2)} > ${threshold} (${gradientVerdict(r.maxRelError)}); the gradient, differentiated again, ` +
      "does not match finite differences" +
      (w ? `\n  worst: the gradient's derivative with respect to ${what}, element ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}` : ""));
  }
  return r;
}

/** Throws unless fn's analytic gradient matches centred differences within the threshold; returns gradcheck's result. */
export function checkGradient(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: CheckGradientOptions = {}): GradcheckResult {
  const threshold = opts.threshold ?? GRADIENT_THRESHOLDS.pass;
  const r = gradcheck(fn, inputs, { eps: opts.eps });
  if (r.maxRelError > threshold && !(r.maxAbsError <= (opts.atol ?? 1e-8))) {
    const w = r.worst;
    throw new AssertionError(`${opts.message ? opts.message + ": " : ""}gradient check failed: max relative error ` +
      `${r.maxRelError.toExponential(2)} > ${threshold} (${gradientVerdict(r.maxRelError)})` +
      (w ? `\n  worst: input ${w.input}, element ${w.index}: analytic ${w.analytic}, numeric ${w.numeric}` : ""));
  }
  return r;
}
