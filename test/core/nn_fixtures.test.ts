// Losses, layers, optimisers and schedulers against PyTorch (test/fixtures/nn.json,
// made by test/fixtures/generate_nn.py), in float64 on every backend.
import { strict as assert } from "node:assert";
import { Tensor, tensor, F, nn, optim } from "../../core";
import { forEachBackend, readJSON, assertClose } from "../helpers";

interface D { shape: number[]; data: number[] }
const fx = readJSON<any>("test", "fixtures", "nn.json");
const t64 = (d: D, requiresGrad = false) => {
  const t = tensor(d.data.length ? d.data : [], { dtype: "float64" });
  return new Tensor(t.data, d.shape, "float64", requiresGrad);
};
const tInt = (d: D) => new Tensor(Int32Array.from(d.data), d.shape, "int32");
const vec = (v: number[]) => tensor(v, { dtype: "float64" });

const LOSSES: Record<string, (x: Tensor, t: Tensor, a: any) => Tensor> = {
  crossEntropy: (x, t, a) => F.crossEntropy(x, t, { reduction: a.reduction, weight: a.weight && vec(a.weight), ignoreIndex: a.ignoreIndex, labelSmoothing: a.labelSmoothing }),
  nllLoss: (x, t, a) => F.nllLoss(x, t, { weight: a.weight && vec(a.weight) }),
  mseLoss: (x, t) => F.mseLoss(x, t),
  l1Loss: (x, t) => F.l1Loss(x, t),
  binaryCrossEntropy: (x, t) => F.binaryCrossEntropy(x, t),
  bceWithLogits: (x, t, a) => F.bceWithLogits(x, t, { posWeight: a.posWeight && vec(a.posWeight) }),
  multiMarginLoss: (x, t, a) => F.multiMarginLoss(x, t, { p: a.p, margin: a.margin, weight: a.weight && vec(a.weight) }),
};

const LAYERS: Record<string, (state: Record<string, D>) => nn.Module> = {
  Linear: () => new nn.Linear(5, 3, { dtype: "float64" }),
  Conv2d: () => new nn.Conv2d(2, 3, 3, { padding: 1, dtype: "float64" }),
  BatchNorm1d: () => new nn.BatchNorm1d(3, { dtype: "float64" }),
  BatchNorm2d: () => new nn.BatchNorm2d(3, { dtype: "float64" }),
  PReLU: () => { const m = new nn.PReLU(3); m.weight = new nn.Parameter(m.weight.double()); return m; },
  SequentialMLP: () => new nn.Sequential(new nn.Linear(4, 6, { dtype: "float64" }), new nn.Tanh(), new nn.Linear(6, 3, { dtype: "float64" })),
};

const OPTIMS: Record<string, (p: Tensor[], o: any) => optim.Optimizer<any>> = {
  SGD: (p, o) => new optim.SGD(p, o),
  Adam: (p, o) => new optim.Adam(p, o),
  AdamW: (p, o) => new optim.AdamW(p, o),
  RMSprop: (p, o) => new optim.RMSprop(p, o),
  Adagrad: (p, o) => new optim.Adagrad(p, o),
  LBFGS: (p, o) => new optim.LBFGS(p, o),
};

forEachBackend("nn against PyTorch", () => {
  describe("losses", () => {
    for (const c of fx.losses) {
      it(c.name, () => {
        const x = t64(c.input, true);
        const target = c.target.int ? tInt(c.target) : t64(c.target);
        const out = LOSSES[c.args.fn](x, target, c.args);
        assert.deepEqual(out.shape, c.output.shape);
        assertClose(out.dataSync(), c.output.data, 1e-10, 1e-12, "loss");
        out.backward(new Tensor(Float64Array.from(c.upstream), out.shape.slice(), "float64"));
        assertClose(x.grad!.dataSync(), c.grad, 1e-9, 1e-11, "gradient");
      });
    }
  });

  describe("layers", () => {
    for (const c of fx.layers) {
      it(c.name, () => {
        const m = LAYERS[c.kind](c.state);
        const state = Object.fromEntries(Object.entries(c.state as Record<string, D>).map(([k, v]) =>
          [k, k.endsWith("num_batches_tracked") ? tInt(v) : t64(v)]));
        m.loadStateDict(state);
        m.train(c.train);
        const x = t64(c.input, true);
        const y = m.forward(x);
        assertClose(y.dataSync(), c.output.data, 1e-9, 1e-11, "output");
        y.backward(new Tensor(Float64Array.from(c.upstream), y.shape.slice(), "float64"));
        assertClose(x.grad!.dataSync(), c.inputGrad, 1e-9, 1e-11, "input gradient");
        const params = Object.fromEntries(m.namedParameters());
        for (const [k, g] of Object.entries(c.paramGrads as Record<string, number[]>)) {
          assertClose(params[k].grad!.dataSync(), g, 1e-9, 1e-11, `gradient of ${k}`);
        }
        const after = m.stateDict();
        for (const [k, v] of Object.entries(c.stateAfter as Record<string, D>)) {
          assertClose(after[k].dataSync(), v.data, 1e-9, 1e-11, `${k} after the step`);
        }
      });
    }
  });

  describe("optimiser trajectories", () => {
    for (const c of fx.optimizers) {
      it(`${c.name} matches PyTorch step for step`, () => {
        // The same objective as the generator: mean((tanh(X·W + b) − T)²) + 0.01·ΣW⁴.
        const { X: Xd, T: Td, W0, B0 } = fx.problem;
        const Xt = t64(Xd), Tt = t64(Td);
        const w = t64(W0, true), b = t64(B0, true);
        const objective = () => Xt.matmul(w).add(b).tanh().sub(Tt).square().mean().add(w.pow(4).sum().mul(0.01));
        const opt = OPTIMS[c.kind]([w, b], c.options);
        c.trajectory.forEach((want: { w: number[]; b: number[] }, step: number) => {
          if (c.kind === "LBFGS") {
            opt.step(() => { opt.zeroGrad(); const l = objective(); l.backward(); return l; });
          } else {
            opt.zeroGrad();
            objective().backward();
            opt.step();
          }
          assertClose(w.dataSync(), want.w, 1e-8, 1e-10, `w after step ${step + 1}`);
          assertClose(b.dataSync(), want.b, 1e-8, 1e-10, `b after step ${step + 1}`);
        });
      });
    }
  });

  describe("learning-rate schedules", () => {
    for (const c of fx.schedulers) {
      it(c.name, () => {
        const p = tensor([0], { requiresGrad: true });
        const opt = new optim.SGD([p], { lr: 0.5 });
        const lrs: number[] = [];
        if (c.kind === "ReduceLROnPlateau") {
          const s = new optim.lrScheduler.ReduceLROnPlateau(opt, c.args);
          for (const m of c.metrics) { s.step(m); lrs.push(opt.lr); }
        } else {
          const s = c.kind === "StepLR" ? new optim.lrScheduler.StepLR(opt, c.args.stepSize, c.args.gamma)
            : new optim.lrScheduler.ExponentialLR(opt, c.args.gamma);
          for (let e = 0; e < c.lrs.length; e++) { s.step(); lrs.push(opt.lr); }
        }
        assertClose(lrs, c.lrs, 1e-12, 0, "learning rates");
      });
    }
  });
});
