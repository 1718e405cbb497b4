// IDX files, Fashion-MNIST, datasets and loaders, splits, preprocessing, safetensors.
import { strict as assert } from "node:assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { Tensor, tensor, randn, arange, nn, data, save, load, serialize, deserialize, manualSeed, noGrad, ValueError } from "../../core";
import { forEachBackend, readJSON, sourcePath, assertClose } from "../helpers";

const tmp = (name: string) => path.join(os.tmpdir(), `gradlab-test-${process.pid}-${name}`);

function idxBytes(type: number, shape: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = type;
  head[3] = shape.length;
  shape.forEach((d, i) => head.writeInt32BE(d, 4 + 4 * i));
  const body = type === 0x08 ? Buffer.from(values) : Buffer.alloc(values.length * 4);
  if (type === 0x0d) values.forEach((v, i) => body.writeFloatBE(v, i * 4));
  return Buffer.concat([head, body]);
}

describe("IDX files", () => {
  it("reads bytes and floats, gzipped or not", () => {
    const t = data.parseIdx(idxBytes(0x08, [2, 3], [0, 1, 2, 253, 254, 255]));
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, "int32");
    assert.deepEqual(t.toArray(), [[0, 1, 2], [253, 254, 255]]);
    const f = data.parseIdx(zlib.gzipSync(idxBytes(0x0d, [2], [1.5, -2])));
    assert.deepEqual(f.toArray(), [1.5, -2]);
  });

  it("explains a bad magic number, a truncated file and a corrupt gzip", () => {
    assert.throws(() => data.parseIdx(Buffer.from("PK\x03\x04 not idx"), "x.zip"), /readIdx: x\.zip is not an IDX file: it starts with 50 4b 03 04/);
    assert.throws(() => data.parseIdx(idxBytes(0x08, [10, 28, 28], [1, 2, 3]), "short.idx"),
      /readIdx: short\.idx is truncated: its header promises 10×28×28 unsigned bytes \(7,840 bytes\) but only 3 bytes follow/);
    const gz = zlib.gzipSync(idxBytes(0x08, [100], new Array(100).fill(7)));
    assert.throws(() => data.parseIdx(gz.subarray(0, gz.length - 10), "cut.gz"), /cut\.gz is gzipped but cannot be inflated/);
    assert.throws(() => data.readIdx("/nonexistent/file.idx"), /cannot read \/nonexistent\/file\.idx: no such file/);
  });
});

describe("Fashion-MNIST", () => {
  it("loads Debian's files: 60,000 and 10,000 28×28 images in [0, 1] with labels 0–9", function () {
    if (!fs.existsSync(data.FASHION_MNIST_DIR)) this.skip(); // npm test installs dataset-fashion-mnist; outside it, say so here
    const train = data.fashionMnist({ limit: 1000 });
    assert.deepEqual(train.x.shape, [1000, 1, 28, 28]);
    assert.ok(train.x.max().item() <= 1 && train.x.min().item() >= 0);
    assert.equal(train.classes[9], "Ankle boot");
    const test = data.fashionMnist({ split: "test", shape: "flat" });
    assert.deepEqual(test.x.shape, [10000, 784]);
    assert.deepEqual(Array.from(test.y.dataSync().slice(0, 5)), [9, 2, 1, 1, 6]);
    for (let c = 0; c < 10; c++) assert.equal(test.y.eq(c).sum().item(), 1000);
  });

  it("names the Debian package when the files are missing", () => {
    assert.throws(() => data.fashionMnist({ dir: "/nonexistent" }), /train-images-idx3-ubyte\(\.gz\) is missing; pass \{ dir \}/);
  });
});

forEachBackend("datasets and preprocessing", () => {
  it("DataLoader batches in order or shuffled (seeded), with dropLast", () => {
    const ds = new data.TensorDataset(arange(10).float().reshape([10, 1]), arange(10));
    const inOrder = [...new data.DataLoader(ds, { batchSize: 4 })].map(([, y]) => y.toArray());
    assert.deepEqual(inOrder, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    assert.equal(new data.DataLoader(ds, { batchSize: 4, dropLast: true }).length, 2);
    manualSeed(1);
    const a = [...new data.DataLoader(ds, { batchSize: 5, shuffle: true })].map(([, y]) => y.toArray());
    manualSeed(1);
    const b = [...new data.DataLoader(ds, { batchSize: 5, shuffle: true })].map(([, y]) => y.toArray());
    assert.deepEqual(a, b);
    assert.deepEqual(a.flat().sort((p: number, q: number) => p - q), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.throws(() => new data.TensorDataset(randn([3, 2]), randn([4])), /tensor 0 has 3 samples but tensor 1 has shape \[4\]/);
  });

  it("randomSplit and kFold partition the data", () => {
    const ds = new data.TensorDataset(arange(10));
    const [tr, va] = data.randomSplit(ds, [0.8, 0.2]);
    assert.equal(tr.length + va.length, 10);
    assert.deepEqual([...tr.tensors[0].toArray(), ...va.tensors[0].toArray()].sort((p, q) => p - q), [...Array(10).keys()]);
    const folds = data.kFold(ds, 3);
    assert.deepEqual(folds.map((f) => f.val.length), [4, 3, 3]);
    assert.deepEqual(folds.flatMap((f) => f.val.tensors[0].toArray()).sort((p: number, q: number) => p - q), [...Array(10).keys()]);
    assert.throws(() => data.kFold(ds, 11), /k must be an integer from 2 to the number of samples \(10\)/);
  });

  it("mean image, channel mean and standardisation", () => {
    const x = tensor([[[[1, 2], [3, 4]]], [[[3, 4], [5, 6]]]]);
    assert.deepEqual(data.meanImage(x).toArray(), [[[2, 3], [4, 5]]]);
    assert.deepEqual(data.channelMean(x).toArray(), [3.5]);
    manualSeed(2);
    const z = data.standardize(randn([500, 3]).mul(5).add(7));
    assertClose(Array.from(z.mean(0).dataSync()), [0, 0, 0], 0, 1e-5);
    assertClose(Array.from(z.std(0, { correction: 0 }).dataSync()), [1, 1, 1], 1e-5, 1e-5);
  });

  it("PCA finds the principal axes and whitening gives identity covariance", () => {
    manualSeed(3);
    // Data stretched along (1, 1)/√2 by 3 and along (1, −1)/√2 by 0.5.
    const z = randn([2000, 2]).mul(tensor([3, 0.5]));
    const rot = tensor([[Math.SQRT1_2, Math.SQRT1_2], [Math.SQRT1_2, -Math.SQRT1_2]]);
    const x = z.matmul(rot).add(tensor([10, -5]));
    const pca = data.PCA.fit(x);
    const c0 = pca.components.index(0).toArray() as number[];
    assert.ok(Math.abs(Math.abs(c0[0]) - Math.SQRT1_2) < 0.01 && Math.abs(c0[0] - c0[1]) < 0.02, `first component ${c0}`);
    assert.ok(Math.abs(pca.explainedVariance.index(0).item() - 9) < 0.6);
    const w = pca.whiten(x);
    const cov = noGrad(() => w.T.matmul(w).div(1999));
    assertClose(Array.from(cov.dataSync()), [1, 0, 0, 1], 0, 0.01);
    assertClose(Array.from(pca.inverseTransform(pca.transform(x)).dataSync().slice(0, 6)), Array.from(x.dataSync().slice(0, 6)), 1e-4, 1e-4);
  });
});

forEachBackend("safetensors", () => {
  const fx = readJSON<any>("test", "fixtures", "nn.json");

  it("loads a model PyTorch saved and gives PyTorch's outputs", () => {
    const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8, 3));
    load(sourcePath("test", "fixtures", "torch_model.safetensors"), model);
    model.eval();
    assert.equal(model.stateDict()["1.num_batches_tracked"].item(), 3, "PyTorch's int64 counter is read");
    const x = new Tensor(Float32Array.from(fx.safetensors.input.data), fx.safetensors.input.shape, "float32");
    assertClose(model.forward(x).dataSync(), fx.safetensors.output.data, 1e-5, 1e-6);
  });

  it("round-trips a model through a file, with metadata", () => {
    manualSeed(4);
    const a = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4));
    a.forward(randn([5, 3]));
    const file = tmp("roundtrip.safetensors");
    save(a, file, { note: "course week 3" });
    const b = load(file, new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4)));
    assert.deepEqual(Object.keys(b.stateDict()), Object.keys(a.stateDict()));
    for (const [k, t] of Object.entries(a.stateDict())) assert.deepEqual(Array.from(b.stateDict()[k].dataSync()), Array.from(t.dataSync()), k);
    assert.equal(deserialize(fs.readFileSync(file)).metadata.note, "course week 3");
    fs.rmSync(file);
  });

  it("rejects malformed files with the reason", () => {
    const good = serialize({ w: tensor([1, 2, 3]) });
    assert.throws(() => deserialize(good.subarray(0, 4), "tiny"), /tiny is not a valid safetensors file: it has only 4 bytes/);
    assert.throws(() => deserialize(good.subarray(0, good.length - 4), "cut"), /"w" ends at byte 12 of the data, but there are only 8 \(the file is truncated\)/);
    const lying = Buffer.from(good);
    lying.writeUInt32LE(1e9, 0);
    assert.throws(() => deserialize(lying, "lying"), /header claims 1000000000 bytes/);
    const garbage = Buffer.concat([Buffer.from([5, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("{oops")]);
    assert.throws(() => deserialize(garbage, "g"), /the header is not JSON/);
    assert.throws(() => load("/nonexistent.safetensors"), (e: Error) => e instanceof ValueError && /no such file/.test(e.message));
  });
});
