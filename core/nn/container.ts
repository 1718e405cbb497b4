// Containers: Sequential, ModuleList, and the residual block of ResNet.
import { Tensor } from "../tensor";
import { Module } from "./module";
import { Conv2d } from "./conv";
import { BatchNorm2d } from "./normalization";
import { Identity } from "./linear";
import { relu } from "../ops/activation";
import { runFused } from "./fusion";
import { ValueError } from "../errors";

/**
 * Runs modules one after another. Its state-dict keys are "0.weight", "1.bias", ... as in
 * PyTorch, so a PyTorch Sequential's weights load into the same gradlab Sequential.
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) throw new ValueError(`Sequential: argument ${i} is not a module (got ${m === null ? "null" : typeof m})`);
    });
    this.layers = layers;
  }

  override namedChildren(): [string, Module][] {
    return this.layers.map((m, i) => [String(i), m]);
  }

  forward(x: Tensor): Tensor {
    let y = x;
    const layers = this.layers;
    // Some runs of layers go as one step, to the same bits (nn/fusion.ts).
    for (let i = 0; i < layers.length;) {
      const fused = runFused(layers, i, y);
      if (fused) [y, i] = [fused.y, i + fused.layers];
      else y = layers[i++].forward(y);
    }
    return y;
  }

  /** Appends a layer; returns this. */
  add(m: Module): this {
    if (!(m instanceof Module)) throw new ValueError("Sequential.add: expected a module");
    this.layers.push(m);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m) throw new ValueError(`Sequential: no layer ${i} (it has ${this.layers.length})`);
    return m;
  }
}

/** A list of modules whose parameters are all registered (forward is yours to write). */
export class ModuleList extends Module {
  readonly items: Module[];
  constructor(modules: Module[] = []) {
    super();
    this.items = modules.slice();
  }
  override namedChildren(): [string, Module][] {
    return this.items.map((m, i) => [String(i), m]);
  }
  forward(): Tensor {
    throw new ValueError("ModuleList has no forward: iterate over its items in your module's forward");
  }
  push(m: Module): this { this.items.push(m); return this; }
  get length(): number { return this.items.length; }
  at(i: number): Module { return this.items[i]; }
  [Symbol.iterator](): Iterator<Module> { return this.items[Symbol.iterator](); }
}

/** y = body(x) + shortcut(x) (identity by default): a residual connection, as in ResNet. */
export class Residual extends Module {
  constructor(readonly body: Module, readonly shortcut: Module = new Identity()) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(x).add(this.shortcut.forward(x));
  }
}

/**
 * ResNet's basic block: conv3×3-BN-ReLU-conv3×3-BN, plus the input (projected by a 1×1
 * convolution and BN when the shape changes), then ReLU.
 * Shape: (N, inChannels, H, W) → (N, outChannels, H/stride, W/stride).
 */
export class BasicBlock extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  shortcut: Module;

  constructor(readonly inChannels: number, readonly outChannels: number, readonly stride = 1) {
    super();
    this.conv1 = new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false, dropRemainder: true });
    this.bn1 = new BatchNorm2d(outChannels);
    this.conv2 = new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(outChannels);
    this.shortcut = stride !== 1 || inChannels !== outChannels
      ? new Sequential(new Conv2d(inChannels, outChannels, 1, { stride, bias: false, dropRemainder: true }), new BatchNorm2d(outChannels))
      : new Identity();
  }

  forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    return relu(y.add(this.shortcut.forward(x)));
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, stride=${this.stride}`;
  }
}
