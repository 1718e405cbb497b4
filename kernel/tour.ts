// The tour `npm start` runs until the kernel opens the course notebooks: tensors,
// autograd, and the course's "11 lines" network (COURSE.md example 16) learning XOR.
import { tensor, randn, rand, manualSeed, noGrad, backend, F, Tensor } from "../core";

function show(title: string, value: unknown): void {
  console.log(`\n# ${title}\n${String(value)}`);
}

function main(): void {
  const b = backend();
  console.log(`gradlab on the ${b.name} backend (${b.blas}, ${b.threads} thread${b.threads > 1 ? "s" : ""}): ${b.reason}`);
  manualSeed(0);

  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  show("x", x);
  const y = x.matmul(x.T).relu().sum();
  show("y = relu(x · xᵀ).sum()", y);
  y.backward();
  show("dy/dx", x.grad);
  show("softmax of the cat image's scores [3.2, 5.1, -1.7]", F.softmax(tensor([3.2, 5.1, -1.7]), 0));
  show("randn([2, 3]) after manualSeed(0)", randn([2, 3]));

  // Example 16: a 2-layer sigmoid network, full-batch gradient descent on XOR.
  const X = tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]);
  const t = tensor([[0], [1], [1], [0]]);
  const w0 = rand([3, 4]).mul(2).sub(1).detach().requiresGrad_();
  const w1 = rand([4, 1]).mul(2).sub(1).detach().requiresGrad_();
  const started = Date.now();
  let loss: Tensor = tensor(0);
  for (let step = 0; step <= 10000; step++) {
    const out = X.matmul(w0).sigmoid().matmul(w1).sigmoid();
    loss = out.sub(t).square().sum();
    w0.grad = null;
    w1.grad = null;
    loss.backward();
    noGrad(() => {
      w0.sub_(w0.grad!.mul(1));
      w1.sub_(w1.grad!.mul(1));
    });
    if (step % 2500 === 0) console.log(`step ${String(step).padStart(5)}  loss ${loss.item().toFixed(6)}`);
  }
  const out = noGrad(() => X.matmul(w0).sigmoid().matmul(w1).sigmoid());
  show(`XOR after 10,000 steps (${Date.now() - started} ms)`, out);
  console.log(`rounded: [${Array.from(out.dataSync(), Math.round).join(", ")}] (expected [0, 1, 1, 0])`);
}

main();
