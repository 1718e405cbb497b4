// The optimiser base, in PyTorch's manner: parameter groups with their own
// hyper-parameters, per-parameter state created lazily, zeroGrad, and a state dict.
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { ValueError, DTypeError, ShapeError, fmtShape, describeValue } from "../errors";
import { sameShape } from "../shape";
import { isFloat } from "../dtype";

export interface ParamGroup<O> {
  params: Tensor[];
  options: O;
}

export type Params<O> = Iterable<Tensor> | { params: Iterable<Tensor>; options?: Partial<O> }[];

export abstract class Optimizer<O extends { lr: number }> {
  readonly paramGroups: ParamGroup<O>[];
  /** Per-parameter state (momentum buffers, moment estimates, step counts), created on first use. */
  readonly state = new Map<Tensor, Record<string, any>>();

  constructor(params: Params<O>, readonly defaults: O) {
    if (params === null || typeof params !== "object" || typeof (params as any)[Symbol.iterator] !== "function") {
      throw new ValueError(`${new.target.name}: params must be an iterable of tensors (e.g. model.parameters()) or of parameter groups, got ${describeValue(params)}`);
    }
    const list = [...(params as Iterable<any>)];
    if (list.length === 0) throw new ValueError(`${new.target.name}: got an empty parameter list (did the model build its layers?)`);
    const groups: { params: Iterable<Tensor>; options?: Partial<O> }[] =
      list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as { params: Iterable<Tensor>; options?: Partial<O> }[]);
    groups.forEach((g, gi) => {
      if (!g || typeof g !== "object" || typeof (g.params as any)?.[Symbol.iterator] !== "function") {
        throw new ValueError(`${new.target.name}: element ${gi} of params must be a tensor or a group { params: [...tensors] }, got ${describeValue(g)}`);
      }
    });
    this.paramGroups = groups.map((g, gi) => {
      const ps = [...g.params];
      ps.forEach((p, i) => {
        if (!(p instanceof Tensor)) throw new ValueError(`${new.target.name}: parameter ${i} of group ${gi} is not a tensor`);
        if (!isFloat(p.dtype)) throw new DTypeError(`${new.target.name}: parameter ${i} is ${p.dtype}; only floating-point tensors can be optimised`);
        if (!p.isLeaf) throw new ValueError(`${new.target.name}: parameter ${i} is not a leaf tensor (it was computed by ${p.gradFn!.op}); optimise the tensors you created`);
      });
      const options = { ...defaults, ...(g.options ?? {}) } as O;
      this.validate(options);
      return { params: ps, options };
    });
  }

  /** Checks hyper-parameters when the optimiser is made, so a typo fails at once, not mid-training. */
  protected abstract validate(o: O): void;

  /** The update rule for one parameter (outside autograd); its state persists between steps. */
  protected abstract update(p: Tensor, grad: Tensor, state: Record<string, any>, options: O): void;

  /** Applies one update to every parameter that has a gradient; closure (optional) re-evaluates the loss first. */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure?.();
    this.checkGrads();
    noGrad(() => {
      for (const { params, options } of this.paramGroups) {
        for (const p of params) if (p.grad) this.update(p, p.grad, this.stateOf(p), options);
      }
    });
    return loss;
  }

  /**
   * Checks the hyper-parameters and every gradient (a tensor of its parameter's shape and dtype) before any parameter
   * changes, so that a bad one is reported on every backend and leaves the model as it was.
   */
  protected checkGrads(): void {
    const name = `${this.constructor.name}.step`;
    // Hyper-parameters may have been changed since construction (schedulers, or by hand).
    for (const g of this.paramGroups) this.validate(g.options);
    this.paramGroups.forEach(({ params }, gi) => params.forEach((p, i) => {
      const g: unknown = p.grad;
      if (g === null || g === undefined) return;
      const which = this.paramGroups.length > 1 ? `parameter ${i} of group ${gi}` : `parameter ${i}`;
      if (!(g instanceof Tensor)) throw new ValueError(`${name}: the gradient of ${which} is not a tensor (${typeof g})`);
      if (!sameShape(g.shape, p.shape)) {
        throw new ShapeError(`${name}: ${which} has shape ${fmtShape(p.shape)} but its gradient has shape ${fmtShape(g.shape)}`);
      }
      if (g.dtype !== p.dtype) throw new DTypeError(`${name}: ${which} is ${p.dtype} but its gradient is ${g.dtype}`);
    }));
  }

  /** Clears every parameter's gradient (sets it to null, as PyTorch's set_to_none). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** The learning rate of the first group (what schedulers and progress bars show). */
  get lr(): number {
    return this.paramGroups[0].options.lr;
  }

  protected stateOf(p: Tensor): Record<string, any> {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /** The hyper-parameters of every group and the state by parameter index, to save and restore training. */
  stateDict(): { paramGroups: { options: O; params: number[] }[]; state: Record<number, Record<string, any>> } {
    let index = 0;
    const state: Record<number, Record<string, any>> = {};
    const paramGroups = this.paramGroups.map((g) => ({
      options: { ...g.options },
      params: g.params.map((p) => {
        const s = this.state.get(p);
        if (s) state[index] = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v instanceof Tensor ? v.clone().detach() : v]));
        return index++;
      }),
    }));
    return { paramGroups, state };
  }

  loadStateDict(sd: ReturnType<Optimizer<O>["stateDict"]>): void {
    if (!sd || !Array.isArray(sd.paramGroups) || sd.paramGroups.length !== this.paramGroups.length) {
      throw new ValueError("loadStateDict: the state dict has a different number of parameter groups");
    }
    const params = this.paramGroups.flatMap((g) => g.params);
    sd.paramGroups.forEach((g, i) => {
      if (g.params.length !== this.paramGroups[i].params.length) throw new ValueError(`loadStateDict: group ${i} has a different number of parameters`);
      this.paramGroups[i].options = { ...g.options };
    });
    this.state.clear();
    for (const [k, s] of Object.entries(sd.state)) {
      const p = params[Number(k)];
      if (p) this.state.set(p, Object.fromEntries(Object.entries(s).map(([n, v]) => [n, v instanceof Tensor ? v.clone().detach() : v])));
    }
  }
}

/** Throws unless v is a finite number ≥ min (the usual hyper-parameter check). */
export function checkNumber(opt: string, name: string, v: unknown, min = 0, max = Infinity): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new ValueError(`${opt}: ${name} must be a finite number ${range}, got ${describeValue(v)}`);
  }
}
