// Every op against PyTorch: the fixtures in test/fixtures/ops.json were made by
// test/fixtures/generate.py with Debian's PyTorch. Each case runs on every backend,
// in float64 (tight tolerance) and float32 (loose), checking outputs and gradients.
import { strict as assert } from "node:assert";
import { Tensor, tensor, F, cat, stack, where, type DType } from "../../core";
import { forEachBackend, readJSON, assertClose } from "../helpers";

interface Data { shape: number[]; dtype: DType; data: number[] }
interface Case {
  name: string;
  op: string;
  args: Record<string, any>;
  inputs: Data[];
  outputs: Data[];
  upstream?: number[][];
  grads?: (number[] | null)[];
}

type OpFn = (x: Tensor[], a: Record<string, any>) => Tensor | Tensor[];

const unary = (name: string): OpFn => (x) => (x[0] as any)[name]();

/** How each fixture op is spelled in gradlab. */
const OPS: Record<string, OpFn> = {
  ...Object.fromEntries(["neg", "abs", "exp", "log", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "reciprocal",
    "square", "atan", "log1p", "expm1", "erf", "sign", "floor", "ceil", "round"].map((n) => [n, unary(n)])),
  selu: (x) => F.selu(x[0]),
  softsign: (x) => F.softsign(x[0]),
  gelu: (x) => F.gelu(x[0]),
  silu: (x) => F.silu(x[0]),
  leakyRelu: (x, a) => F.leakyRelu(x[0], a.negativeSlope),
  elu: (x, a) => F.elu(x[0], a.alpha),
  softplus: (x, a) => F.softplus(x[0], { beta: a.beta, threshold: a.threshold }),
  hardtanh: (x, a) => F.hardtanh(x[0], a.min, a.max),
  clamp: (x, a) => x[0].clamp(a.min, a.max),
  powScalar: (x, a) => x[0].pow(a.p),
  heaviside: (x, a) => F.heaviside(x[0].sub(0.1), a.value),
  prelu: (x) => F.prelu(x[0], x[1]),
  maxout: (x, a) => F.maxout(x[0], a.pieces),
  add: (x) => x[0].add(x[1]),
  sub: (x) => x[0].sub(x[1]),
  mul: (x) => x[0].mul(x[1]),
  div: (x) => x[0].div(x[1]),
  pow: (x) => x[0].pow(x[1]),
  maximum: (x) => x[0].maximum(x[1]),
  minimum: (x) => x[0].minimum(x[1]),
  ...Object.fromEntries(["eq", "ne", "lt", "le", "gt", "ge"].map((n) => [n, (x: Tensor[]) => (x[0] as any)[n](x[1])])),
  where: (x) => where(x[0], x[1], x[2]),
  sum: (x, a) => x[0].sum(a.dim, a.keepdim),
  mean: (x, a) => x[0].mean(a.dim, a.keepdim),
  prod: (x, a) => x[0].prod(a.dim, a.keepdim),
  maxDim: (x, a) => { const r = x[0].max(a.dim, a.keepdim); return [r.values, r.indices]; },
  minDim: (x, a) => { const r = x[0].min(a.dim, a.keepdim); return [r.values, r.indices]; },
  max: (x) => x[0].max(),
  argmax: (x, a) => x[0].argmax(a.dim),
  argmin: (x, a) => x[0].argmin(a.dim),
  var: (x, a) => x[0].var(a.dim, { correction: a.correction, keepdim: a.keepdim }),
  std: (x, a) => x[0].std(a.dim, { keepdim: a.keepdim }),
  norm: (x, a) => x[0].norm(a.p, a.dim),
  logsumexp: (x, a) => x[0].logsumexp(a.dim),
  softmax: (x, a) => F.softmax(x[0], a.dim),
  logSoftmax: (x, a) => F.logSoftmax(x[0], a.dim),
  matmul: (x) => x[0].matmul(x[1]),
  conv2d: (x, a) => F.conv2d(x[0], x[1], x[2], a),
  maxPool2d: (x, a) => F.maxPool2d(x[0], a as any),
  avgPool2d: (x, a) => F.avgPool2d(x[0], a as any),
  reshape: (x, a) => x[0].reshape(a.shape),
  transpose: (x, a) => x[0].transpose(a.dim0, a.dim1),
  permute: (x, a) => x[0].permute(a.dims),
  T: (x) => x[0].T,
  expand: (x, a) => x[0].expand(a.shape),
  slice: (x, a) => x[0].slice(a.dim, a.start, a.end, a.step),
  indexSelect: (x, a) => x[0].indexSelect(a.dim, a.index),
  gather: (x, a) => x[0].gather(a.dim, x[1]),
  maskedSelect: (x) => x[0].maskedSelect(x[1]),
  cat: (x, a) => cat(x, a.dim),
  stack: (x, a) => stack(x, a.dim),
  split: (x, a) => x[0].split(a.splitSize, a.dim),
  unsqueezeSqueeze: (x) => x[0].unsqueeze(1).squeeze(2),
  mlp: (x) => x[0].matmul(x[1]).add(x[2]).tanh().matmul(x[3]).logSoftmax(1),
};

const fixtures = readJSON<{ torch: string; cases: Case[] }>("test", "fixtures", "ops.json");

function makeInput(d: Data, dtype: DType, requiresGrad: boolean): Tensor {
  const isFloatIn = d.dtype === "float64" || d.dtype === "float32";
  const t = tensor(d.data.length ? d.data : [], { dtype: isFloatIn ? dtype : d.dtype }).reshape(d.shape);
  // reshape of a fresh leaf returns a non-leaf view; make a leaf of the right shape instead.
  const leaf = new Tensor(t.data, d.shape, t.dtype);
  if (requiresGrad) leaf.requiresGrad_(true);
  return leaf;
}

describe("fixtures", () => {
  it(`cover every op the generator wrote (torch ${fixtures.torch})`, () => {
    const missing = [...new Set(fixtures.cases.map((c) => c.op))].filter((op) => !OPS[op]);
    assert.deepEqual(missing, [], `no gradlab mapping for ${missing.join(", ")}`);
    assert.ok(fixtures.cases.length >= 100);
  });
});

forEachBackend("ops against PyTorch", () => {
  for (const dtype of ["float64", "float32"] as DType[]) {
    const [rtol, atol] = dtype === "float64" ? [1e-9, 1e-10] : [2e-4, 2e-5];
    describe(dtype, () => {
      for (const c of fixtures.cases) {
        it(c.name, () => {
          const inputs = c.inputs.map((d, i) => makeInput(d, dtype, !!c.grads && c.grads[i] !== null));
          const result = OPS[c.op](inputs, c.args);
          const outs = Array.isArray(result) ? result : [result];
          assert.equal(outs.length, c.outputs.length, "number of outputs");
          outs.forEach((o, k) => {
            const e = c.outputs[k];
            assert.deepEqual(o.shape, e.shape, `output ${k} shape`);
            const float = e.dtype === "float64" || e.dtype === "float32";
            assert.equal(o.dtype, float ? dtype : e.dtype, `output ${k} dtype`);
            if (float) assertClose(o.dataSync(), e.data, rtol, atol, `output ${k}`);
            else assert.deepEqual(Array.from(o.dataSync()), e.data, `output ${k}`);
          });
          if (!c.grads || !c.upstream) return;
          const floatOuts = outs.filter((o) => o.requiresGrad);
          const loss = floatOuts.reduce((acc: Tensor | null, o, k) => {
            const term = o.mul(tensor(c.upstream![k], { dtype }).reshape(o.shape)).sum();
            return acc ? acc.add(term) : term;
          }, null);
          loss!.backward();
          c.grads.forEach((g, i) => {
            if (g === null) return;
            assert.ok(inputs[i].grad, `input ${i} got no gradient`);
            assertClose(inputs[i].grad!.dataSync(), g, rtol * 10, atol * 10, `gradient of input ${i}`);
          });
        });
      }
    });
  }
});
