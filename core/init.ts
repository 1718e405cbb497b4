// Weight initialisers, as torch.nn.init: each fills a tensor in place (outside autograd)
// from gradlab's seeded generator and returns it. COURSE.md topic 8 and example 17.
import { Tensor } from "./tensor";
import { noGrad } from "./autograd";
import { defaultGenerator, type Generator } from "./random";
import { ValueError, ShapeError, fmtShape, describeValue } from "./errors";
import { writeHost } from "./storage";

export type Nonlinearity = "linear" | "identity" | "conv2d" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";
export type FanMode = "fanIn" | "fanOut";

/** The recommended gain for a nonlinearity (PyTorch's calculate_gain): relu √2, tanh 5/3, selu 3/4, leaky √(2/(1+a²)). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "identity": case "conv2d": case "sigmoid": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leakyRelu": { const a = param ?? 0.01; return Math.sqrt(2 / (1 + a * a)); }
    case "selu": return 3 / 4;
    default: throw new ValueError(`calculateGain: unknown nonlinearity ${JSON.stringify(nonlinearity)}`);
  }
}

/** fan_in and fan_out of a weight: (out, in) for Linear, (out, in, kh, kw) for Conv2d. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new ShapeError(`init: fan in and fan out need a tensor with at least 2 dimensions, got ${fmtShape(t.shape)}`);
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function fill(t: Tensor, draw: () => number): Tensor {
  noGrad(() => {
    const d = t.dataSync(); // the storage itself on the CPU backends, else a copy
    for (let i = 0; i < d.length; i++) d[i] = draw();
    writeHost(t.storage, d);
  });
  return t;
}

export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/** Uniform on [a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(a <= b)) throw new ValueError(`uniform_: a (${a}) must not exceed b (${b})`);
  return fill(t, () => a + (b - a) * generator.uniform());
}

/** Normal with the given mean and standard deviation. */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  if (!(std >= 0)) throw new ValueError(`normal_: std must be non-negative, got ${describeValue(std)}`);
  return fill(t, () => mean + std * generator.normal());
}

/** Xavier/Glorot uniform: U(−a, a), a = gain·√(6/(fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = fans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, generator);
}

/** Xavier/Glorot normal: N(0, σ²), σ = gain·√(2/(fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, generator?: Generator): Tensor {
  const { fanIn, fanOut } = fans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

export interface KaimingOptions {
  /** The negative slope of a leaky ReLU that follows (0 for ReLU). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const f = fans(t);
  const fan = (o.mode ?? "fanIn") === "fanIn" ? f.fanIn : f.fanOut;
  const nl = o.nonlinearity ?? "leakyRelu";
  const gain = calculateGain(nl, nl === "leakyRelu" ? o.a ?? 0 : undefined);
  return gain / Math.sqrt(fan);
}

/** He/Kaiming uniform: U(−b, b), b = gain·√(3/fan); gain √2 for ReLU. */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -bound, bound, opts.generator);
}

/** He/Kaiming normal: N(0, σ²), σ = gain/√fan; for ReLU σ = √(2/fan_in), "W/√(fan_in/2)" in the course. */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts), opts.generator);
}
