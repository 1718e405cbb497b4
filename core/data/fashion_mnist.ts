// Fashion-MNIST (Zalando): 28×28 grey images of 10 kinds of clothing, 60,000 for training
// and 10,000 for testing — MNIST's format and sizes (COURSE.md topic 14). Debian ships
// it in the package dataset-fashion-mnist.
import * as fs from "fs";
import * as path from "path";
import { Tensor } from "../tensor";
import { readIdx } from "./idx";
import { ValueError, ShapeError } from "../errors";
import { Progress, checkVerbosity, type Verbosity } from "../train/progress";
import { writeHost } from "../storage";

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

export const FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

export interface FashionMnistOptions {
  /** Where the four IDX files are (default: Debian's /usr/share/datasets/fashion-mnist, or $FASHION_MNIST_DIR). */
  dir?: string;
  /** "train" (60,000) or "test" (10,000). */
  split?: "train" | "test";
  /** Keep only the first n samples (a small "CI size"). */
  limit?: number;
  /** "image": (N, 1, 28, 28); "flat": (N, 784). */
  shape?: "image" | "flat";
  /** Scale pixels to [0, 1] (default true); false keeps 0–255. */
  normalize?: boolean;
  /** Progress when loading takes over a second: 0 none, 1 (default) updated in place, 2 a line at the end. */
  verbose?: Verbosity;
}

export interface LabelledData {
  /** float32 images. */
  x: Tensor;
  /** int32 labels 0–9. */
  y: Tensor;
  classes: string[];
}

function find(dir: string, stem: string): string {
  for (const name of [`${stem}.gz`, stem]) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  const onDebian = dir === FASHION_MNIST_DIR;
  throw new ValueError(`fashionMnist: ${path.join(dir, stem)}(.gz) is missing` +
    (onDebian ? "; install it with: apt-get install dataset-fashion-mnist" : "; pass { dir } pointing at the folder with the four IDX files"));
}

/** Loads Fashion-MNIST's training or test split as float32 images in [0, 1] and int32 labels. */
export function fashionMnist(opts: FashionMnistOptions = {}): LabelledData {
  const dir = opts.dir ?? process.env.FASHION_MNIST_DIR ?? FASHION_MNIST_DIR;
  const prefix = (opts.split ?? "train") === "train" ? "train" : "t10k";
  if (opts.split && opts.split !== "train" && opts.split !== "test") throw new ValueError(`fashionMnist: split must be "train" or "test", got ${JSON.stringify(opts.split)}`);
  // Three steps, shown only when loading takes over a second (a slow disk, a slow CPU).
  const progress = new Progress({ verbose: checkVerbosity(opts.verbose, "fashionMnist"), delayMs: 1000, perStep: false });
  progress.begin(`fashionMnist ${prefix === "train" ? "train" : "test"}`, 3);
  let x = readIdx(find(dir, `${prefix}-images-idx3-ubyte`), { asFloat: true });
  progress.update(1, undefined, "images read; reading labels");
  let y = readIdx(find(dir, `${prefix}-labels-idx1-ubyte`));
  progress.update(2, undefined, "labels read; scaling pixels");
  if (x.ndim !== 3 || y.ndim !== 1 || x.shape[0] !== y.shape[0]) {
    throw new ShapeError(`fashionMnist: the files in ${dir} do not pair up: images [${x.shape}] and labels [${y.shape}]`);
  }
  const n = Math.min(opts.limit ?? x.shape[0], x.shape[0]);
  if (n < x.shape[0]) {
    x = new Tensor(x.dataSync().slice(0, n * 784), [n, ...x.shape.slice(1)], x.dtype);
    y = new Tensor(y.dataSync().slice(0, n), [n], "int32");
  }
  if (opts.normalize ?? true) {
    const d = x.dataSync(); // the storage itself on the CPU backends, else a copy
    for (let i = 0; i < d.length; i++) d[i] /= 255;
    writeHost(x.storage, d);
  }
  progress.end(3);
  x = (opts.shape ?? "image") === "image" ? x.reshape([n, 1, x.shape[1], x.shape[2]]) : x.reshape([n, -1]);
  return { x: x.detach(), y, classes: FASHION_MNIST_CLASSES };
}
