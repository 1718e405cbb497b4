// The gradient table (core/gradients/): every primitive an op records has an entry, and
// every entry is checked against finite differences (gradcheck), each with a case that
// really records that primitive. Second derivatives of the same entries (their createGraph
// branches) are checked op by op in gradgrad.test.ts ("gradgradCheck of every differentiable op").
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Tensor, tensor, F, gradcheck, where, cat } from "../../core";
import { GRADIENTS } from "../../core/gradients";
import { UNARY, type UnaryOp } from "../../core/backend/kernels";
import { packageRoot } from "../../core/backend/addon";
import { unaryOp } from "../../core/ops/elementwise";
import { stridedPlace, indexAddRaw, scatterAddRaw } from "../../core/ops/movement";
import { convInputGrad, convWeightGrad } from "../../core/ops/conv";
import { conv2dMaxPool2x2 } from "../../core/ops/conv_pool";
import { avgPoolBackwardRaw } from "../../core/ops/pooling";
import { conv2dGeometry, pool2dGeometry } from "../../core/ops/window";

type Primitive = keyof typeof GRADIENTS;

// Fixed values, away from kinks (0 for relu, abs; ±1 for hardtanh; the clamp bounds) and
// from ties (max, maximum, pooling), so that finite differences see one smooth piece.
let seed = 11;
function values(n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const u = seed / 2147483648;
    const v = lo + (hi - lo) * u;
    return Math.abs(v) < 0.15 ? v + Math.sign(v || 1) * 0.2 : v; // not near 0
  });
}
function d(shape: number[], lo = -1.7, hi = 1.7): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(values(n, lo, hi), { dtype: "float64" }).reshape(shape).detach().requiresGrad_();
}
const positive = (shape: number[]) => d(shape, 0.3, 2);

/** Parameters (a, b) of the unary ops that take them, and inputs in each op's domain. */
const UNARY_PARAMS: Partial<Record<UnaryOp, [number, number]>> = {
  leakyRelu: [0.1, 0], elu: [1, 0], softplus: [1, 20], hardtanh: [-0.9, 0.9], clamp: [-0.5, 0.8], powScalar: [3, 0],
};
const UNARY_DOMAIN: Partial<Record<UnaryOp, () => Tensor>> = { log: () => positive([5]), sqrt: () => positive([5]), rsqrt: () => positive([5]) };

interface Case { fn: (...xs: Tensor[]) => Tensor; make: () => Tensor[]; opts?: Parameters<typeof gradcheck>[2] }

const geometry = conv2dGeometry("conv2d", {
  batch: 2, inChannels: 2, inHeight: 4, inWidth: 3, outChannels: 3, kernelHeight: 3, kernelWidth: 2,
  strideH: 1, strideW: 1, paddingH: 1, paddingW: 1, dilationH: 1, dilationW: 1, groups: 1,
});
const xShape = [2, 2, 4, 3], wShape = [3, 2, 3, 2], yShape = [2, 3, geometry.outHeight, geometry.outWidth];
const pool = pool2dGeometry("avgPool2d", {
  batch: 1, channels: 2, inHeight: 4, inWidth: 4, kernelHeight: 2, kernelWidth: 2,
  strideH: 2, strideW: 2, paddingH: 1, paddingW: 1, dilationH: 1, dilationW: 1,
});
const idx = tensor([2, 0, 2], { dtype: "int32" });

const CASES: Record<Primitive, Case> = {
  ...Object.fromEntries(UNARY.map((name) => {
    const [a, b] = UNARY_PARAMS[name] ?? [0, 0];
    return [name, { fn: (x: Tensor) => unaryOp(name, x, a, b), make: () => [UNARY_DOMAIN[name]?.() ?? d([5])] }];
  })) as Record<UnaryOp, Case>,
  // Through float32 and back: a coarse step keeps float32's rounding out of the difference.
  cast: { fn: (x) => x.to("float32").to("float64"), make: () => [d([4])], opts: { eps: 1e-2, atol: 1e-4 } },
  add: { fn: (a, b) => a.add(b), make: () => [d([2, 3]), d([3])] },
  sub: { fn: (a, b) => a.sub(b), make: () => [d([2, 3]), d([2, 1])] },
  mul: { fn: (a, b) => a.mul(b), make: () => [d([2, 3]), d([3])] },
  div: { fn: (a, b) => a.div(b), make: () => [d([2, 3]), positive([3])] },
  pow: { fn: (a, b) => a.pow(b), make: () => [positive([2, 3]), d([3])] },
  maximum: { fn: (a, b) => a.maximum(b), make: () => [d([2, 3]), d([3])] },
  minimum: { fn: (a, b) => a.minimum(b), make: () => [d([2, 3]), d([3])] },
  where: { fn: (a, b) => where(tensor([true, false, true]), a, b), make: () => [d([2, 3]), d([3])] },
  softmax: { fn: (x) => F.softmax(x, 1), make: () => [d([2, 4])] },
  logSoftmax: { fn: (x) => F.logSoftmax(x, 0), make: () => [d([3, 2])] },
  sum: { fn: (x) => x.sum(1), make: () => [d([2, 3, 2])] },
  prod: { fn: (x) => x.prod(1), make: () => [d([2, 3])] },
  max: { fn: (x) => x.max(), make: () => [d([2, 3])] },
  min: { fn: (x) => x.min(), make: () => [d([2, 3])] },
  maxAlongDim: { fn: (x) => x.max(1).values, make: () => [d([2, 3])] },
  minAlongDim: { fn: (x) => x.min(0).values, make: () => [d([2, 3])] },
  reshape: { fn: (x) => x.reshape([3, 2]), make: () => [d([2, 3])] },
  permute: { fn: (x) => x.permute([2, 0, 1]), make: () => [d([2, 3, 2])] },
  expand: { fn: (x) => x.expand([2, 3]), make: () => [d([1, 3])] },
  slice: { fn: (x) => x.slice(1, 0, 3, 2), make: () => [d([2, 4])] },
  sliceBackward: { fn: (s) => stridedPlace(s, [2, 4], 1, [4, 2], [2, 2]), make: () => [d([2, 2])] },
  indexSelect: { fn: (x) => x.indexSelect(0, idx), make: () => [d([3, 2])] },
  indexSelectBackward: { fn: (s) => indexAddRaw(s, [3, 2], 0, idx), make: () => [d([3, 2])] },
  gather: { fn: (x) => x.gather(1, tensor([[0, 2], [1, 1]], { dtype: "int32" })), make: () => [d([2, 3])] },
  gatherBackward: { fn: (s) => scatterAddRaw(s, [2, 3], 1, tensor([[0, 2], [1, 1]], { dtype: "int32" })), make: () => [d([2, 2])] },
  cat: { fn: (a, b) => cat([a, b], 1), make: () => [d([2, 1]), d([2, 3])] },
  clone: { fn: (x) => x.clone(), make: () => [d([3])] },
  // Both ways matmul runs its GEMM: a batch of rows times one matrix, and broadcast batches.
  matmul: { fn: (a, b, c) => a.matmul(b).sum().add(c.matmul(b.unsqueeze(0)).sum()), make: () => [d([2, 3, 4]), d([4, 2]), d([3, 2, 4])] },
  linear: { fn: (x, w, b) => F.linear(x, w, b), make: () => [d([2, 3, 4]), d([5, 4]), d([5])] },
  conv2d: { fn: (x, w, b) => F.conv2d(x, w, b, { padding: 1 }), make: () => [d(xShape), d(wShape), d([3])] },
  // The 4×3 input padded 1 with a 3×2 window gives 4×4: pooled 2×2, every output a window's
  // winner; plain, and rectified (nn.Sequential's Conv2d → ReLU → MaxPool2d(2)).
  conv2dMaxPool2x2: {
    fn: (x, w, b) => conv2dMaxPool2x2(x, w, b, { padding: 1 }).add(conv2dMaxPool2x2(x, w, b, { padding: 1 }, false, true).mul(3)),
    make: () => [d(xShape), d(wShape), d([3])],
  },
  conv2dBackwardInput: { fn: (g, w) => convInputGrad(g, w, geometry, xShape), make: () => [d(yShape), d(wShape)] },
  conv2dBackwardWeight: { fn: (x, g) => convWeightGrad(x, g, geometry, wShape), make: () => [d(xShape), d(yShape)] },
  maxPool2d: { fn: (x) => F.maxPool2d(x, { kernelSize: 2, padding: 1 }), make: () => [d([1, 2, 4, 4])] },
  avgPool2d: { fn: (x) => F.avgPool2d(x, { kernelSize: 2, padding: 1, countIncludePad: false }), make: () => [d([1, 2, 4, 4])] },
  avgPool2dBackward: { fn: (g) => avgPoolBackwardRaw(g, pool, true, [1, 2, 4, 4]), make: () => [d([1, 2, 3, 3])] },
};

/** The primitives recorded in out's graph. */
function recorded(out: Tensor): Set<string> {
  const ops = new Set<string>();
  const seen = new Set<Tensor>();
  const stack = [out];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t) || !t.gradFn) continue;
    seen.add(t);
    ops.add(t.gradFn.op);
    stack.push(...t.gradFn.inputs);
  }
  return ops;
}

describe("the gradient table", () => {
  it("has a gradcheck case for every entry, and no case without an entry", () => {
    assert.deepEqual(Object.keys(CASES).sort(), Object.keys(GRADIENTS).sort());
  });

  it("has an entry for every primitive the ops record by name (the rest are typed by TypeScript)", () => {
    // Literal names at record() calls in core/; names passed as variables are UnaryOp, the
    // arithmetic BinaryOps, softmax/logSoftmax and max/min (typed Primitive at compile time).
    const root = path.join(packageRoot(), "core");
    const names = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".ts")) for (const m of fs.readFileSync(p, "utf8").matchAll(/\brecord\(\s*"(\w+)"/g)) names.add(m[1]);
      }
    };
    walk(root);
    assert.ok(names.size > 20, `found only ${names.size} record("...") calls under ${root}`);
    for (const n of [...names, ...UNARY, "add", "sub", "mul", "div", "pow", "maximum", "minimum", "softmax", "logSoftmax", "max", "min"]) {
      assert.ok(n in GRADIENTS, `${n} is recorded but has no gradient in core/gradients/`);
    }
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`gradcheck: ${name}`, () => {
      const inputs = c.make();
      assert.ok(recorded(c.fn(...inputs)).has(name), `the case for ${name} does not record ${name}`);
      const r = gradcheck(c.fn, inputs, c.opts);
      assert.ok(r.ok, `${name}: ${r.summary}`);
    });
  }
});
