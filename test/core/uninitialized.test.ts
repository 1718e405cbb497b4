// Elementwise, convolution and pooling results are stored in buffers that are not cleared first. With the fill
// switched on, every such buffer starts as NaN (0x5a for integers), so a kernel that left
// an element unwritten would change the result: here every elementwise kernel, forward
// and backward, on tensors large enough to take that path, with and without broadcasting.
import { strict as assert } from "node:assert";
import { forEachBackend } from "../helpers";
import { F, nn, manualSeed, randn, tensor, where, type Tensor } from "../../core";
import { UNARY, BINARY } from "../../core/backend/kernels";
import { allocUninitialized, setFillUninitialized } from "../../core/dtype";
import { unaryOp, binaryOp, cast } from "../../core/ops/elementwise";

function bits(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>, (v) => (Number.isNaN(v) ? -12345.678 : v));
}

/** Runs `run` twice from the same seed, without and with the fill, and requires the same bits. */
function sameWithFill(seed: number, run: () => number[][]): void {
  manualSeed(seed);
  const plain = run();
  setFillUninitialized(true);
  manualSeed(seed);
  const filled = run();
  assert.equal(filled.length, plain.length);
  for (let i = 0; i < plain.length; i++) assert.deepEqual(filled[i], plain[i], `result ${i}`);
}

forEachBackend("storage that is not cleared", () => {
  afterEach(() => setFillUninitialized(false));

  it("every elementwise kernel writes every element of its result and of its gradient", () => {
    const run = () => {
      const out: number[][] = [];
      const x = randn([200, 200]).mul(2).add(0.25).detach().requiresGrad_(true);
      const row = randn([200]).abs().add(0.5), col = randn([200, 1]);
      for (const name of UNARY) {
        const y = unaryOp(name, x, name === "clamp" ? -1 : name === "leakyRelu" || name === "elu" ? 0.1 : name === "softplus" ? 1 : name === "powScalar" ? 3 : name === "heaviside" ? 0.5 : -1,
          name === "softplus" ? 20 : name === "clamp" || name === "hardtanh" ? 1 : 0);
        x.grad = null;
        y.sum().backward();
        out.push(bits(y), bits(x.grad!));
      }
      for (const name of BINARY) {
        out.push(bits(binaryOp(name, x.detach(), row)), bits(binaryOp(name, col, x.detach())));
      }
      out.push(bits(where(x.detach().gt(0), x.detach(), col)), bits(cast(x.detach(), "int32")), bits(cast(x.detach().gt(0), "float64")));
      return out;
    };
    sameWithFill(7, run);
  });

  it("convolutions (im2col and Winograd paths) and pooling write every element, forward and backward", () => {
    const run = () => {
      const out: number[][] = [];
      const cases: [number[], number[], Record<string, unknown>][] = [
        // Each result is over 64 kB, so it takes the uncleared path.
        [[8, 16, 15, 13], [20, 16, 3, 3], { padding: 1 }],           // Winograd, odd sizes
        [[4, 16, 14, 16], [20, 16, 3, 3], { padding: 1 }],           // Winograd, even sizes
        [[6, 16, 17, 17], [16, 16, 3, 3], { padding: 0 }],
        [[6, 6, 40, 40], [8, 3, 3, 2], { stride: [2, 1], groups: 2, padding: [1, 0] }], // im2col
        [[4, 3, 48, 48], [4, 3, 5, 5], { dilation: 2, padding: 3 }],
        [[8, 3, 33, 35], [10, 3, 3, 3], { padding: 1 }],             // direct (few channels)
      ];
      for (const [xs, ws, o] of cases) {
        const x = randn(xs, { requiresGrad: true }), w = randn(ws, { requiresGrad: true });
        const y = F.conv2d(x, w, null, o as any);
        y.mul(y).sum().backward();
        out.push(bits(y), bits(x.grad!), bits(w.grad!));
      }
      const a = randn([8, 16, 30, 30], { requiresGrad: true });
      for (const y of [F.maxPool2d(a, { kernelSize: 2 }), F.maxPool2d(a, { kernelSize: 3, stride: 2, padding: 1 }),
        F.avgPool2d(a, { kernelSize: 3, stride: 2, padding: 1 })]) {
        a.grad = null;
        y.mul(y).sum().backward();
        out.push(bits(y), bits(a.grad!));
      }
      return out;
    };
    sameWithFill(3, run);
  });

  it("matrix products and linear layers write every element, forward and backward", () => {
    const run = () => {
      const out: number[][] = [];
      const pairs: [number[], number[]][] = [[[150, 130], [130, 140]], [[3, 70, 33], [33, 90]], [[4, 1, 60, 20], [3, 20, 70]], [[20000], [20000, 3]]];
      for (const [as, bs] of pairs) {
        const a = randn(as, { requiresGrad: true }), b = randn(bs, { requiresGrad: true });
        const y = a.matmul(b);
        y.mul(y).sum().backward();
        out.push(bits(y), bits(a.grad!), bits(b.grad!));
      }
      for (const bias of [true, false]) {
        const lin = new nn.Linear(300, 200, { bias });
        const x = randn([100, 300], { requiresGrad: true });
        const y = lin.forward(x);
        y.mul(y).sum().backward();
        out.push(bits(y), bits(x.grad!), bits(lin.weight.grad!));
      }
      return out;
    };
    sameWithFill(5, run);
  });

  it("the fill is on when asked for, so the test above can fail", () => {
    setFillUninitialized(true);
    const big = tensor(new Array(40000).fill(1)).add(0); // 160 kB: the uncleared path
    assert.ok(big.dataSync().every((v: number) => v === 1));
    assert.ok(Number.isNaN(allocUninitialized("float32", 40000)[123]));
    assert.equal(allocUninitialized("int32", 40000)[5], 0x5a5a5a5a);
  });
});
