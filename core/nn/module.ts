// nn.Module: the base of every layer and model, in PyTorch's manner. A module's
// parameters, buffers and children are found from its own properties, in the order
// they were assigned, so a user module needs no registration:
//
//   class Net extends nn.Module {
//     fc1 = new nn.Linear(784, 128);
//     fc2 = new nn.Linear(128, 10);
//     forward(x: Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
//   }
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { ShapeError, ValueError, fmtShape } from "../errors";

/** A tensor that is a module's learnable parameter (requiresGrad unless frozen). */
export class Parameter extends Tensor {
  constructor(t: Tensor, requiresGrad = true) {
    super(t.storage, t.shape.slice(), t.dtype, requiresGrad);
  }
}

/** Marks a tensor as a parameter (for user modules): this.w = nn.parameter(randn([3, 3])). */
export function parameter(t: Tensor, requiresGrad = true): Parameter {
  return new Parameter(t.detach(), requiresGrad);
}

/** camelCase property names become PyTorch's snake_case state-dict keys (runningMean → running_mean). */
export function stateKey(prop: string): string {
  return prop.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

export abstract class Module {
  /** Whether the module is in training mode (dropout active, batch norm on batch statistics). */
  training = true;
  /** A display name (Keras-style, for summary()); defaults to the attribute name or index. */
  name?: string;
  /** Property names holding buffers (tensors that are state but not learnable). */
  private readonly bufferNames = new Set<string>();

  abstract forward(...inputs: Tensor[]): Tensor;

  /** Registers a buffer: saved in stateDict, moved with the module, never trained. */
  protected registerBuffer(name: string, t: Tensor | null): void {
    this.bufferNames.add(name);
    (this as any)[name] = t;
  }

  /** The type name shown in printouts and summaries. */
  typeName(): string {
    return this.constructor.name;
  }

  /** Direct children as [name, module], in assignment order (arrays of modules count too). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Module)) {
        value.forEach((m, i) => out.push([`${key}.${i}`, m]));
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every module below it, depth first, with dotted names ("" for this one). */
  namedModules(prefix = ""): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /**
   * This module's own parameters (not its children's), by property name: Parameters, and
   * leaf tensors that require a gradient (the usual mistake of forgetting nn.parameter()).
   */
  private ownParameters(): [string, Tensor][] {
    return Object.entries(this).filter(([k, v]) => v instanceof Parameter ||
      (v instanceof Tensor && v.requiresGrad && v.isLeaf && !this.bufferNames.has(k))) as [string, Tensor][];
  }

  private ownBuffers(): [string, Tensor][] {
    return [...this.bufferNames].map((n) => [n, (this as any)[n]] as [string, Tensor]).filter(([, t]) => t instanceof Tensor);
  }

  /** Every parameter with its state-dict name ("0.weight", "fc1.bias", ...). */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, p] of m.ownParameters()) {
        if (seen.has(p)) continue; // shared weights appear once, as in PyTorch
        seen.add(p);
        out.push([prefix ? `${prefix}.${stateKey(name)}` : stateKey(name), p]);
      }
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, b] of m.ownBuffers()) out.push([prefix ? `${prefix}.${stateKey(name)}` : stateKey(name), b]);
    }
    return out;
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Sets training mode here and below; returns this. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Evaluation mode (dropout off, batch norm on running statistics). */
  eval(): this {
    return this.train(false);
  }

  /** Calls fn on every module below and including this one (children first, as PyTorch); returns this. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** How many parameter values there are (trainable only, if asked). */
  numParameters(opts: { trainable?: boolean } = {}): number {
    return this.parameters().filter((p) => !opts.trainable || p.requiresGrad).reduce((a, p) => a + p.numel, 0);
  }

  /** Parameters and buffers by name, with PyTorch's keys, so weights move between the two. */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [k, p] of this.namedParameters()) out[k] = p.detach();
    for (const [k, b] of this.namedBuffers()) out[k] = b.detach();
    return out;
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers. With strict
   * (the default) every key must match both ways; shapes must always match.
   */
  loadStateDict(state: Record<string, Tensor>, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const strict = opts.strict ?? true;
    const targets = new Map<string, Tensor>([...this.namedParameters(), ...this.namedBuffers()]);
    const missing = [...targets.keys()].filter((k) => !(k in state));
    const unexpected = Object.keys(state).filter((k) => !targets.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new ValueError(`loadStateDict: the state dict does not match this ${this.typeName()}` +
        (missing.length ? `; missing: ${missing.join(", ")}` : "") + (unexpected.length ? `; unexpected: ${unexpected.join(", ")}` : ""));
    }
    noGrad(() => {
      for (const [k, t] of targets) {
        const src = state[k];
        if (!src) continue;
        if (!(src instanceof Tensor)) throw new ValueError(`loadStateDict: ${k} is not a tensor`);
        if (src.ndim !== t.ndim || src.shape.some((d, i) => d !== t.shape[i])) {
          throw new ShapeError(`loadStateDict: ${k} has shape ${fmtShape(src.shape)} in the state dict but ${fmtShape(t.shape)} in the module`);
        }
        t.copy_(src);
      }
    });
    return { missing, unexpected };
  }

  /** The Keras-style table of layers, output shapes and parameters (inputShape: one sample's shape). */
  summary(inputShape?: number[]): import("./summary").Summary {
    // Loaded lazily: summary.ts imports the layer classes, which import this file.
    return (require("./summary") as typeof import("./summary")).summary(this, inputShape);
  }

  /** Extra text inside the printout's parentheses, e.g. "inFeatures=784, outFeatures=10, bias=true". */
  extraRepr(): string {
    return "";
  }

  /** A printout in PyTorch's style: the module tree with each layer's settings. */
  toString(): string {
    const children = this.namedChildren();
    const head = `${this.typeName()}(${this.extraRepr()}`;
    if (children.length === 0) return head + ")";
    const lines = children.map(([name, c]) => `  (${name}): ${c.toString().split("\n").join("\n  ")}`);
    return `${head}\n${lines.join("\n")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The text, plus the summary table for the notebook (core/rich.ts, loaded late to keep the import graph acyclic). */
  [Symbol.for("Jupyter.display")](): Record<string, unknown> {
    return (require("../rich") as typeof import("../rich")).moduleBundle(this);
  }
}
