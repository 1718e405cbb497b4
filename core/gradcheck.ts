// Gradient checking by finite differences, as COURSE.md topic 3 teaches it: compare the
// analytic gradient with the centred difference (f(x+h) − f(x−h)) / 2h, element by
// element, by relative error |a − n| / max(|a|, |n|). gradgradCheck does the same for
// second derivatives, as PyTorch's gradgradcheck: it checks the gradient of the gradient.
import { Tensor } from "./tensor";
import { enableGrad, isGradEnabled, grad } from "./autograd";
import { Generator } from "./random";
import { randn } from "./ops/creation";
import { DTypeError, ValueError } from "./errors";
import { writeHost } from "./storage";

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
  checkInputs(inputs, "gradcheck");
  return runCheck(fn, inputs, opts, "gradcheck", (i) => `input ${i}`);
}

function checkInputs(inputs: Tensor[], op: string): void {
  if (!Array.isArray(inputs)) throw new TypeError(`${op}: inputs must be an array of tensors`);
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ValueError(`${op}: input ${i} is not a tensor`);
    if (x.requiresGrad && x.dtype !== "float64") {
      throw new DTypeError(`${op}: input ${i} is ${x.dtype}; finite differences need float64 (use .double())`);
    }
  });
  if (!inputs.some((x) => x.requiresGrad)) throw new ValueError(`${op}: no input requires a gradient (create them with { requiresGrad: true })`);
}

export interface GradgradcheckOptions extends GradcheckOptions {
  /**
   * The vectors v of the vector-Jacobian products vᵀ·J that are differentiated (one per output,
   * float64, of its shape). By default random, requiring gradients, so that the check also
   * covers the gradient with respect to v.
   */
  gradOutputs?: Tensor[];
}

/**
 * Checks fn's second derivatives (PyTorch's gradgradcheck): the first-order gradient
 * g(x, v) = vᵀ·∂fn/∂x, computed by grad() with { createGraph: true }, is itself checked by
 * gradcheck against finite differences, with respect to every input x that requires a
 * gradient and to v. Inputs must be float64.
 */
export function gradgradCheck(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradgradcheckOptions = {}): GradcheckResult {
  checkInputs(inputs, "gradgradCheck");
  const n = inputs.length;
  const gen = new Generator(4321);
  const outs = enableGrad(() => outputs(fn, inputs));
  let gradOutputs: Tensor[];
  if (opts.gradOutputs !== undefined) {
    if (!Array.isArray(opts.gradOutputs) || opts.gradOutputs.length !== outs.length) {
      throw new ValueError(`gradgradCheck: gradOutputs must be an array with one tensor per output (${outs.length})`);
    }
    opts.gradOutputs.forEach((v, k) => {
      if (!(v instanceof Tensor)) throw new ValueError(`gradgradCheck: gradOutputs[${k}] is not a tensor`);
      if (v.shape.length !== outs[k].ndim || v.shape.some((d, j) => d !== outs[k].shape[j])) {
        throw new ValueError(`gradgradCheck: gradOutputs[${k}] has shape [${v.shape}] but output ${k} has shape [${outs[k].shape}]`);
      }
      if (v.requiresGrad && v.dtype !== "float64") throw new DTypeError(`gradgradCheck: gradOutputs[${k}] is ${v.dtype}; it must be float64`);
    });
    gradOutputs = opts.gradOutputs;
  } else {
    gradOutputs = outs.map((o) => randn(o.shape, { dtype: "float64", generator: gen }).requiresGrad_());
  }
  // The first-order gradient as a function of (inputs, gradOutputs). While gradcheck
  // differentiates it, it records its own graph; for the finite differences it only evaluates.
  const firstOrder = (...all: Tensor[]): Tensor[] => {
    const xs = all.slice(0, n);
    const vs = all.slice(n);
    const recording = isGradEnabled() && !numericPhase;
    return enableGrad(() => {
      const ys = outputs(fn, xs);
      const used = ys.map((y, k) => [y, vs[k]] as const).filter(([y]) => y.requiresGrad);
      if (used.length === 0) return [];
      const gs = grad(used.map(([y]) => y), xs.filter((x) => x.requiresGrad),
        { gradOutputs: used.map(([, v]) => v), createGraph: recording, allowUnused: true });
      return gs.filter((g): g is Tensor => g !== null);
    });
  };
  return runCheck(firstOrder, [...inputs, ...gradOutputs], opts, "gradgradCheck",
    (i) => (i < n ? `the gradient's derivative with respect to input ${i}` : `the gradient's derivative with respect to gradOutputs[${i - n}]`));
}

/** Set while runCheck evaluates fn for the finite differences (its values only are used). */
let numericPhase = false;

function runCheck(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradcheckOptions, name: string,
  label: (input: number) => string): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const checked = inputs.map((x, i) => [x, i] as const).filter(([x]) => x.requiresGrad);
  // A private generator: checking gradients must not disturb the user's random stream.
  const gen = new Generator(1234);
  const first = outputs(fn, inputs);
  const dirs = first.map((o) => randn(o.shape, { dtype: "float64", generator: gen }));
  const project = (outs: Tensor[]) => outs.reduce((acc, o, k) => acc.add(o.to("float64").mul(dirs[k]).sum()), new Tensor(Float64Array.of(0), [], "float64"));

  for (const [x] of checked) x.grad = null;
  const loss = project(outputs(fn, inputs));
  if (loss.requiresGrad) loss.backward();

  let maxRel = 0;
  let maxAbs = 0;
  let worstExcess = -Infinity;
  let worst: GradcheckResult["worst"] = null;
  // The finite differences run in the caller's grad mode, as PyTorch's do: fn may take
  // gradients itself (a gradient penalty, a gradient of a gradient).
  const prevPhase = numericPhase;
  numericPhase = true;
  try {
    for (const [x, i] of checked) {
      // The storage itself on the CPU backends; elsewhere a copy, written back after each change.
      const data = x.dataSync() as Float64Array;
      const set = (k: number, v: number) => { data[k] = v; writeHost(x.storage, data); };
      const analytic = x.grad ? (x.grad.dataSync() as Float64Array) : new Float64Array(x.numel);
      for (let k = 0; k < x.numel; k++) {
        const orig = data[k];
        set(k, orig + eps);
        const plus = project(outputs(fn, inputs)).item();
        set(k, orig - eps);
        const minus = project(outputs(fn, inputs)).item();
        set(k, orig);
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
  } finally {
    numericPhase = prevPhase;
  }
  const ok = worstExcess <= 0;
  for (const [x] of checked) x.grad = null;
  const summary = ok
    ? `${name} passed: max relative error ${maxRel.toExponential(2)}, max absolute error ${maxAbs.toExponential(2)}`
    : `${name} failed: ${label(worst!.input)}, element ${worst!.index}: analytic ${worst!.analytic} vs numeric ${worst!.numeric} ` +
      `(relative error ${maxRel.toExponential(2)})`;
  return { ok, maxRelError: maxRel, maxAbsError: maxAbs, worst, summary };
}
