// What progress.test.ts runs on a terminal or a pipe: a small fit (or evaluate), as a
// user's script would call it. The mode comes from the command line.
import { fit, evaluate, manualSeed, randn, randint, nn, F, Tensor, data } from "../../../core";

const mode = process.argv[2] ?? "fit";
const verbose = process.argv[3] === undefined || mode === "load" ? undefined : (Number(process.argv[3]) as 0 | 1 | 2);

/** A model slow enough (5 ms a batch) that a redraw is due within each epoch. */
class Slow extends nn.Module {
  inner = new nn.Linear(8, 3);
  constructor(readonly ms: number) { super(); }
  forward(x: Tensor): Tensor {
    const t = Date.now();
    while (Date.now() - t < this.ms) { /* work */ }
    return this.inner.forward(x);
  }
}

async function main(): Promise<void> {
  manualSeed(0);
  const x = randn([640, 8]);
  const y = randint(0, 3, [640]);
  if (mode === "fit") {
    const h = await fit(new Slow(5), [x, y], { epochs: 2, batchSize: 16, metrics: ["accuracy"], verbose });
    console.log(`result: ${h.history.loss.length} epochs`);
  } else if (mode === "throws") {
    let calls = 0;
    const loss = (o: Tensor, t: Tensor) => { if (++calls === 60) throw new Error("the loss broke at batch 60"); return F.crossEntropy(o, t); };
    await fit(new Slow(5), [x, y], { epochs: 2, batchSize: 16, loss, verbose });
  } else if (mode === "load") {
    const d = data.fashionMnist({ dir: process.argv[3], split: "test" });
    console.log(`result: ${d.x.shape.join("x")}`);
  } else if (mode === "evaluate") {
    const r = evaluate(new Slow(300), [x, y], { batchSize: 128, verbose });
    console.log(`result: ${Object.keys(r).join(",")}`);
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
