// Define-by-run autograd, in micrograd's manner: every op that needs a gradient
// records a Node holding its primitive's name, its inputs and what the gradient needs
// (saved sizes, indices, flags); the gradient itself is the primitive's entry in one
// table, core/gradients/ (tinygrad's gradient table, tfjs's kernel gradients). backward()
// sorts the graph topologically and walks it in reverse, accumulating. Small enough to
// show students whole.
//
// Gradients of gradients: the table's entries are written in tensor ops (or record their
// own node where they call a kernel), so when the walk records a graph of its own
// ({ createGraph: true }) the gradients it returns are differentiable again, as in
// PyTorch. Without createGraph recording is off during the walk and nothing is built.
import type { Tensor } from "./tensor";
import type { GRADIENTS } from "./gradients";
import { ShapeError, ValueError, fmtShape } from "./errors";
import { releaseStorage, trackNew, type Storage } from "./storage";
import { storageMinBytes } from "./dtype";

const NONE: readonly Storage[] = [];
/** Fewer elements than the caching allocator's smallest block holds of float64: never given back early, so not looked at. */
const SMALLEST_FREED = storageMinBytes() / 8;

export type GradFn = (grad: Tensor) => (Tensor | null)[];

/** What a primitive's gradient is given besides the output's gradient. */
export interface GradContext<S = undefined> {
  /** The op's inputs, as recorded. */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly out: Tensor;
  /** What the op saved for its gradient (sizes, indices, scalar parameters). */
  readonly saved: S;
}

/** A primitive's gradient: the output's gradient g → one gradient (or null) per input. */
export type Gradient<S = undefined> = (g: Tensor, ctx: GradContext<S>) => (Tensor | null)[];

/** The name of a primitive: an entry of the gradient table. */
export type Primitive = keyof typeof GRADIENTS;
type SavedOf<P extends Primitive> = Parameters<(typeof GRADIENTS)[P]>[1]["saved"];

/** The gradient table, required on first use: its entries call the ops, which import this file. */
let table: typeof GRADIENTS | null = null;
export function gradientTable(): typeof GRADIENTS {
  table ??= (require("./gradients") as typeof import("./gradients")).GRADIENTS;
  return table;
}

export class Node {
  /** Set once a backward pass without retainGraph has used (and freed) this node. */
  released = false;
  /**
   * owned: tensors the op made only for its gradient (maxPool2d's argmax), which nothing
   * else can reach: their storage goes back once the node is released.
   */
  constructor(readonly op: string, readonly inputs: Tensor[], public backward: GradFn | null, readonly owned: readonly Tensor[] = []) {}
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn with recording set to `on`; if fn returns a promise, until it settles. */
function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = on;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    gradEnabled = prev;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => { gradEnabled = prev; }) as unknown as T;
  }
  gradEnabled = prev;
  return result;
}

/**
 * Runs fn without recording a graph (for evaluation, parameter updates and
 * initialisation). If fn returns a promise, recording stays off until it settles.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/**
 * Runs fn with recording on, even inside noGrad (torch.enable_grad). If fn returns a
 * promise, recording stays on until it settles.
 */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** Turns recording on or off for the code that follows (what torch.set_grad_enabled does). */
export function setGradEnabled(on: boolean): void {
  gradEnabled = on;
}

/** Whether an op on these inputs must record a node. */
export function needsGrad(inputs: readonly Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** While grad() walks, the tensors whose gradients lead to an input it was asked for. */
let activeLeads: ReadonlySet<Tensor> | null = null;

/**
 * Whether a gradient closure must compute the gradient of input t: t requires one and,
 * while grad() walks, it leads to a tensor asked for (grad(D(x), x) skips D's weights).
 */
export function wantsGrad(t: Tensor): boolean {
  return t.requiresGrad && (activeLeads === null || activeLeads.has(t));
}

/**
 * Attaches the node of primitive `op` to out when any input needs a gradient; returns
 * out. `saved` is what op's gradient in the table needs beyond inputs and output; `owned`,
 * the tensors among it that the op made for the gradient alone (given back with the node).
 */
export function record<P extends Primitive>(op: P, inputs: Tensor[], out: Tensor, saved?: SavedOf<P>, owned?: readonly Tensor[]): Tensor {
  if (needsGrad(inputs)) {
    const gradient = gradientTable()[op] as Gradient<SavedOf<P>> | undefined;
    if (!gradient) throw new ValueError(`${op}: no gradient in the table (core/gradients/); a bug in gradlab: please report it`);
    const ctx: GradContext<SavedOf<P>> = { inputs, out, saved: saved as SavedOf<P> };
    out.requiresGrad = true;
    out.gradFn = new Node(op, inputs, (g) => gradient(g, ctx), owned);
  }
  return out;
}

/** Tensors reachable from the roots through gradFn, inputs before the tensors made from them. */
function topoSort(roots: readonly Tensor[]): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    // Iterative DFS: deep graphs (long training unrolls) must not overflow the stack.
    const stack: [Tensor, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [t, i] = top;
      const inputs = t.gradFn ? t.gradFn.inputs : [];
      if (i < inputs.length) {
        top[1]++;
        const child = inputs[i];
        if (child.requiresGrad && !seen.has(child)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        order.push(t);
        stack.pop();
      }
    }
  }
  return order;
}

export interface BackwardOptions {
  /** Keep the graph so backward() can run through it again (default: createGraph). */
  retainGraph?: boolean;
  /**
   * Record the gradient computation itself, so that the gradients (`.grad`) have a gradFn and
   * can be differentiated again (gradients of gradients; implies retainGraph unless it is given).
   */
  createGraph?: boolean;
  /** The gradient of the output, for an output with more than one element (as backward(gradient)). */
  gradient?: Tensor;
}

interface WalkOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** The function's name in error messages. */
  op: string;
}

/**
 * The walk shared by backward() and grad(): propagates rootGrads from the roots down the
 * graph. With capture, returns the gradients of those tensors and leaves every .grad alone,
 * visiting only the part of the graph that leads to them; without, accumulates into .grad.
 */
function walk(roots: readonly Tensor[], rootGrads: readonly Tensor[], opts: WalkOptions, capture: ReadonlySet<Tensor> | null): Map<Tensor, Tensor> {
  const order = topoSort(roots);
  // With capture, the tensors from which a captured one can be reached: nodes elsewhere are skipped.
  let leads: Set<Tensor> | null = null;
  if (capture) {
    leads = new Set();
    for (const t of order) {
      if (capture.has(t) || (t.gradFn && t.gradFn.inputs.some((x) => leads!.has(x)))) leads.add(t);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  roots.forEach((r, i) => {
    const acc = grads.get(r);
    grads.set(r, acc ? acc.add(rootGrads[i]) : rootGrads[i]);
  });
  const captured = new Map<Tensor, Tensor>();
  // Storage the walk must never give back: the roots' gradients (the caller's) and every
  // gradient it leaves in a .grad or returns.
  const kept = new Set<Storage>(rootGrads.map((g) => g.storage));
  const prev = gradEnabled;
  const prevLeads = activeLeads;
  // Recording during the walk is what makes the gradients differentiable.
  gradEnabled = opts.createGraph;
  activeLeads = leads;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradFn;
      if (capture) {
        if (capture.has(t)) {
          captured.set(t, g);
          kept.add(g.storage);
        }
      } else if (!node || t.retainsGrad) {
        t.grad = t.grad ? t.grad.add(g) : g;
        kept.add(t.grad.storage);
      }
      if (!node) continue;
      if (leads && !node.inputs.some((x) => leads!.has(x))) continue;
      if (node.released || !node.backward) {
        throw new ValueError(`${opts.op}: the graph through ${node.op} was freed by an earlier backward() or grad(); ` +
          "pass { retainGraph: true } (or createGraph) to the first one to go through the graph twice");
      }
      // Without createGraph nothing records, so what the gradient made and did not return
      // (its temporaries) and what a sum below replaces can go back at once.
      let parts: readonly (Tensor | null | undefined)[];
      let made: readonly Storage[] = NONE;
      if (opts.createGraph) parts = node.backward(g);
      else ({ result: parts, made } = trackNew(() => node.backward!(g)));
      const replaced: Storage[] = [];
      node.inputs.forEach((input, i) => {
        const gi = parts[i];
        if (!gi || !input.requiresGrad || (leads && !leads.has(input))) return;
        if (gi.shape.length !== input.shape.length || gi.shape.some((d, j) => d !== input.shape[j])) {
          throw new ShapeError(`${opts.op}: ${node.op} produced a gradient of shape ${fmtShape(gi.shape)} ` +
            `for an input of shape ${fmtShape(input.shape)} (a bug in gradlab: please report it)`);
        }
        const acc = grads.get(input);
        grads.set(input, acc ? acc.add(gi) : gi);
        if (acc) replaced.push(acc.storage);
      });
      if (!opts.retainGraph) {
        node.released = true;
        node.backward = null;
        // Only the dropped closure could reach them.
        for (const o of node.owned) releaseStorage(o.storage);
      }
      if (!opts.createGraph) {
        releaseSpent(g.storage, grads, kept);
        for (const s of made) releaseSpent(s, grads, kept);
        for (const s of replaced) releaseSpent(s, grads, kept);
      }
    }
  } finally {
    gradEnabled = prev;
    activeLeads = prevLeads;
  }
  return captured;
}

/**
 * After a node's gradient has run, the gradient that flowed into it is spent, and so are
 * the temporaries its gradient made and a gradient a sum replaced: their storage goes
 * back to the allocator at once, unless something may still read it — a gradient still
 * waiting in the walk on the same storage (add passes g itself to both inputs, reshape
 * and cat's slices pass views of it; what the node passed on waits there too, or was
 * already added into a sum), or one kept (.grad, returned, the caller's). The garbage
 * collector would free it too, but only after tens of MB more were allocated and the
 * block had left the cache. With createGraph a gradient belongs to the new graph and stays.
 */
function releaseSpent(s: Storage, pending: ReadonlyMap<Tensor, Tensor>, kept: ReadonlySet<Storage>): void {
  if (s.length < SMALLEST_FREED || kept.has(s)) return;
  for (const p of pending.values()) if (p.storage === s) return;
  releaseStorage(s);
}

/**
 * Gives back the storage of every tensor computed in root's graph, root included, for a
 * caller that owns the whole computation and is done with it (fit()'s training step,
 * after the update and the metrics): the activations return to the allocator at once
 * instead of when a major collection finds them — measured on the course CNN, 100 major
 * collections in 300 steps became 19. Leaves (parameters, inputs) and anything sharing
 * their storage stay, and so does `keep`. Returns how many storages went back.
 */
export function releaseGraph(root: Tensor, keep: readonly Tensor[] = []): number {
  const stay = new Set<Storage>(keep.map((t) => t.storage));
  const seen = new Set<Tensor>();
  const computed: Tensor[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.gradFn) {
      computed.push(t, ...t.gradFn.owned);
      for (const input of t.gradFn.inputs) stack.push(input);
    } else {
      stay.add(t.storage);
    }
  }
  let n = 0;
  for (const t of computed) if (!stay.has(t.storage) && releaseStorage(t.storage)) n++;
  return n;
}

/**
 * Computes the gradient of root with respect to every tensor it depends on that
 * requires one, adding it into their `.grad` (leaves, and tensors that called retainGrad()).
 * grad is the gradient of root (ones for a scalar), already checked against root's shape.
 */
export function runBackward(root: Tensor, grad: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new ValueError("backward: this tensor does not require a gradient and has no graph " +
      "(did you create the inputs with { requiresGrad: true }, or compute it inside noGrad?)");
  }
  const createGraph = opts.createGraph ?? false;
  walk([root], [grad], { createGraph, retainGraph: opts.retainGraph ?? createGraph, op: "backward" }, null);
}

export interface GradOptions {
  /**
   * The gradients of the outputs (one per output, of its shape): the vector in the
   * vector-Jacobian product. May be omitted (or null) for a single-element output (ones).
   */
  gradOutputs?: Tensor | readonly (Tensor | null | undefined)[] | null;
  /** Record the computation so the returned gradients can be differentiated again. */
  createGraph?: boolean;
  /** Keep the graph for another backward() or grad() (default: createGraph). */
  retainGraph?: boolean;
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

const isTensor = (x: unknown): x is Tensor =>
  typeof x === "object" && x !== null && "gradFn" in x && "shape" in x && "storage" in x;

/**
 * The gradients of outputs with respect to inputs, returned rather than added into `.grad`
 * (torch.autograd.grad): Σ_k gradOutputs[k]·∂outputs[k]/∂inputs[i] for each input. With
 * createGraph the results are differentiable: the gradient penalty of WGAN-GP, Hessian-vector
 * products, gradients of gradients.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[],
  options?: (GradOptions & { allowUnused?: false }) | null): Tensor[];
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options?: GradOptions | null): (Tensor | null)[];
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options?: GradOptions | null): (Tensor | null)[] {
  const opts: GradOptions = options ?? {};
  if (typeof opts !== "object" || isTensor(opts) || Array.isArray(opts)) {
    throw new TypeError("grad: the third argument is the options object, e.g. { gradOutputs: [g], createGraph: true }");
  }
  const outs = isTensor(outputs) ? [outputs] : Array.isArray(outputs) ? [...outputs] : null;
  const ins = isTensor(inputs) ? [inputs] : Array.isArray(inputs) ? [...inputs] : null;
  if (!outs || outs.length === 0 || outs.some((o) => !isTensor(o))) {
    throw new TypeError("grad: outputs must be a tensor or a non-empty array of tensors");
  }
  if (!ins || ins.length === 0 || ins.some((x) => !isTensor(x))) {
    throw new TypeError("grad: inputs must be a tensor or a non-empty array of tensors");
  }
  const given = opts.gradOutputs === undefined || opts.gradOutputs === null ? []
    : isTensor(opts.gradOutputs) ? [opts.gradOutputs] : [...(opts.gradOutputs as (Tensor | null)[])];
  if (given.length > 0 && given.length !== outs.length) {
    throw new ValueError(`grad: ${outs.length} output${outs.length > 1 ? "s" : ""} but ${given.length} gradOutputs; give one per output`);
  }
  const rootGrads = outs.map((o, k) => {
    if (!o.requiresGrad) {
      throw new ValueError(`grad: output ${k} does not require a gradient and has no graph ` +
        "(did you create the inputs with { requiresGrad: true }, or compute it inside noGrad?)");
    }
    const g = given[k];
    if (g === undefined || g === null) {
      if (o.numel !== 1) {
        throw new ShapeError(`grad: output ${k} has shape ${fmtShape(o.shape)}; the gradient can be implied only for a ` +
          "single-element output, so pass { gradOutputs: [...] } with one tensor of its shape (e.g. onesLike(y)), or reduce it first (y.sum())");
      }
      return onesOf(o);
    }
    if (!isTensor(g)) throw new TypeError(`grad: gradOutputs[${k}] must be a tensor or null`);
    if (g.shape.length !== o.shape.length || g.shape.some((d, j) => d !== o.shape[j])) {
      throw new ShapeError(`grad: gradOutputs[${k}] has shape ${fmtShape(g.shape)} but output ${k} has shape ${fmtShape(o.shape)}`);
    }
    return g.dtype === o.dtype ? g : g.to(o.dtype);
  });
  ins.forEach((x, i) => {
    if (!x.requiresGrad) {
      throw new ValueError(`grad: input ${i} does not require a gradient, so no gradient can be taken with respect to it ` +
        "(create it with { requiresGrad: true } or call requiresGrad_())");
    }
  });
  const createGraph = opts.createGraph ?? false;
  const got = walk(outs, rootGrads, { createGraph, retainGraph: opts.retainGraph ?? createGraph, op: "grad" }, new Set(ins));
  return ins.map((x, i) => {
    const g = got.get(x);
    if (g) return g;
    if (!opts.allowUnused) {
      throw new ValueError(`grad: input ${i} (shape ${fmtShape(x.shape)}) is not in the graph of the outputs: they were not ` +
        "computed from it. Pass { allowUnused: true } to get null for such inputs");
    }
    return null;
  });
}

/** Ones of t's shape and dtype (required lazily: the ops import tensor.ts, which imports this file). */
function onesOf(t: Tensor): Tensor {
  const { onesLike } = require("./ops/creation") as typeof import("./ops/creation");
  return onesLike(t);
}
