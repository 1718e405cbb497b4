// gradlab's side of the op benchmark: the cases of bench/ops_torch.py and
// bench/ops_tfjs.ts, by the same names, through the public API as a user calls it.
import { randn, F, setBackend, type Tensor } from "../core";
import { timeMs } from "./util";

export interface OpCase { name: string; flops?: number; run: () => void }

export function matmulSizes(quick: boolean): number[] {
  return quick ? [128, 512, 1024] : [128, 256, 512, 1024, 2048];
}

export function gradlabCases(quick: boolean): OpCase[] {
  const cases: OpCase[] = [];
  for (const n of matmulSizes(quick)) {
    const a = randn([n, n]), b = randn([n, n]);
    cases.push({ name: `matmul ${n}`, flops: 2 * n ** 3, run: () => void a.matmul(b) });
  }
  const x = randn([1000, 1000]), y = randn([1000, 1000]), row = randn([1000]);
  cases.push({ name: "add 1e6", run: () => void x.add(y) });
  cases.push({ name: "mul broadcast 1000x1000·1000", run: () => void x.mul(row) });
  cases.push({ name: "relu 1e6", run: () => void x.relu() });
  cases.push({ name: "exp 1e6", run: () => void x.exp() });
  cases.push({ name: "sum 1e6", run: () => void x.sum() });
  cases.push({ name: "sum dim 1 1000x1000", run: () => void x.sum(1) });
  cases.push({ name: "softmax 1000x1000", run: () => void F.softmax(x, 1) });
  const conv = (label: string, xs: number[], ws: number[]) => {
    const xi = randn(xs, { requiresGrad: true }), w = randn(ws, { requiresGrad: true });
    const out = F.conv2d(xi, w, null, { padding: 1 });
    const g = randn(out.shape);
    cases.push({ name: `conv2d fwd ${label}`, run: () => void F.conv2d(xi, w, null, { padding: 1 }) });
    cases.push({
      name: `conv2d fwd+bwd ${label}`,
      run: () => {
        xi.grad = null; w.grad = null;
        F.conv2d(xi, w, null, { padding: 1 }).backward(g);
      },
    });
  };
  conv("64x1x28x28 k32x1x3x3", [64, 1, 28, 28], [32, 1, 3, 3]);
  conv("64x32x14x14 k64x32x3x3", [64, 32, 14, 14], [64, 32, 3, 3]);
  const p = randn([64, 32, 28, 28], { requiresGrad: true });
  const pg = randn([64, 32, 14, 14]);
  cases.push({ name: "maxPool2d fwd+bwd 64x32x28x28", run: () => { p.grad = null; F.maxPool2d(p, { kernelSize: 2 }).backward(pg); } });
  const t1 = randn([4]), t2 = randn([4]), m4 = randn([4, 4]);
  cases.push({ name: "tiny add [4]", run: () => void t1.add(t2) });
  cases.push({ name: "tiny matmul 4x4", run: () => void m4.matmul(m4) });
  const tg = randn([4], { requiresGrad: true });
  cases.push({ name: "tiny mul+sum+backward [4]", run: () => { tg.grad = null; tg.mul(t2).sum().backward(); } });
  return cases;
}

/** ms per case (median), keyed by name. */
export function timeGradlab(quick: boolean, onCase?: (name: string) => void): Record<string, number> {
  setBackend("native");
  const out: Record<string, number> = {};
  for (const c of gradlabCases(quick)) {
    onCase?.(c.name);
    out[c.name] = timeMs(c.run, { minMs: quick ? 100 : 400, reps: 5 });
  }
  return out;
}

export type { Tensor };
