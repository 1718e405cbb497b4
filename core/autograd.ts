// Define-by-run autograd, in micrograd's manner: every op that needs a gradient
// records a Node holding its inputs and a closure that maps the output's gradient to
// its inputs' gradients; backward() sorts the graph topologically and walks it in
// reverse, accumulating. Small enough to show students whole.
import type { Tensor } from "./tensor";
import { ShapeError, ValueError, fmtShape } from "./errors";

export type GradFn = (grad: Tensor) => (Tensor | null)[];

export class Node {
  /** Set once a backward pass without retainGraph has used (and freed) this node. */
  released = false;
  constructor(readonly op: string, readonly inputs: Tensor[], public backward: GradFn | null) {}
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs fn without recording a graph (for evaluation, parameter updates and
 * initialisation). If fn returns a promise, recording stays off until it settles.
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
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

/** Attaches the node for `op` to out when any input needs a gradient; returns out. */
export function record(op: string, inputs: Tensor[], out: Tensor, backward: GradFn): Tensor {
  if (needsGrad(inputs)) {
    out.requiresGrad = true;
    out.gradFn = new Node(op, inputs, backward);
  }
  return out;
}

/** Tensors reachable from root through gradFn, inputs before the tensors made from them. */
function topoSort(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: deep graphs (long training unrolls) must not overflow the stack.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
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
  return order;
}

export interface BackwardOptions {
  /** Keep the graph so backward() can run through it again. */
  retainGraph?: boolean;
}

/**
 * Computes the gradient of root with respect to every tensor it depends on that
 * requires one, adding it into their `.grad` (leaves, and tensors that called retainGrad()).
 */
export function runBackward(root: Tensor, grad: Tensor, opts: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new ValueError("backward: this tensor does not require a gradient and has no graph " +
      "(did you create the inputs with { requiresGrad: true }, or compute it inside noGrad?)");
  }
  const order = topoSort(root);
  const grads = new Map<Tensor, Tensor>([[root, grad]]);
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradFn;
      if (!node || t.retainsGrad) {
        t.grad = t.grad ? t.grad.add(g) : g;
      }
      if (!node) continue;
      if (node.released || !node.backward) {
        throw new ValueError(`backward: the graph through ${node.op} was freed by an earlier backward(); ` +
          "call the first backward({ retainGraph: true }) to go through it twice");
      }
      const parts = node.backward(g);
      node.inputs.forEach((input, i) => {
        const gi = parts[i];
        if (!gi || !input.requiresGrad) return;
        if (gi.shape.length !== input.shape.length || gi.shape.some((d, j) => d !== input.shape[j])) {
          throw new ShapeError(`backward: ${node.op} produced a gradient of shape ${fmtShape(gi.shape)} ` +
            `for an input of shape ${fmtShape(input.shape)} (a bug in gradlab: please report it)`);
        }
        const acc = grads.get(input);
        grads.set(input, acc ? acc.add(gi) : gi);
      });
      if (!opts.retainGraph) {
        node.released = true;
        node.backward = null;
      }
    }
  } finally {
    gradEnabled = prev;
  }
}
