// One epoch of the course's Fashion-MNIST models on a CI-size subset, as a notebook would
// train them (fit, shuffled batches, Adam or SGD with momentum), under the backend,
// thread count and small-work threshold given; prints a digest of the trained parameters'
// bits and the last loss as JSON. deterministic.test.ts runs it under every combination.
// Arguments: mlp|cnn, backend, threads, small-work threshold, det|normal.
import { createHash } from "node:crypto";
import { nn, optim, data, fit, manualSeed, setBackend, setNumThreads, setDeterministic } from "../../../core";
import { setSmallWorkThreshold } from "../../../core/backend";

const [model, backendName, threads, smallWork, mode] = process.argv.slice(2);
setBackend(backendName);
setNumThreads(Number(threads));
setSmallWorkThreshold(Number(smallWork));
setDeterministic(mode === "det");

/** An MLP with dropout; a CNN with batch norm, max and average pooling. */
function makeModel(): nn.Module {
  if (model === "mlp") {
    return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 128), new nn.ReLU(), new nn.Dropout(0.2),
      new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 10));
  }
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.AvgPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 7 * 7, 10),
  );
}

async function main(): Promise<void> {
  manualSeed(0);
  const train = data.fashionMnist({ split: "train", limit: model === "mlp" ? 512 : 128, verbose: 0 });
  const net = makeModel();
  const optimizer = model === "mlp" ? new optim.Adam(net.parameters(), { lr: 1e-3 })
    : new optim.SGD(net.parameters(), { lr: 0.05, momentum: 0.9 });
  const h = await fit(net, [train.x, train.y], { epochs: 1, batchSize: model === "mlp" ? 64 : 32, shuffle: true, optimizer, verbose: 0 });
  const digest = createHash("sha1");
  for (const p of net.parameters()) {
    const d = p.dataSync();
    digest.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  console.log(JSON.stringify({ params: digest.digest("hex"), loss: h.history.loss.at(-1) }));
}

main().catch((e) => {
  process.stderr.write(`error: ${(e as Error).stack}\n`);
  process.exitCode = 1;
});
