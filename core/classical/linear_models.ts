// The course's linear models (topics 2 and 5), written out so students can read them:
// the perceptron (Rosenblatt's rule), Adaline (the delta rule), logistic regression,
// and linear classifiers f = Wx + b trained with the SVM (hinge) or softmax loss.
import { Tensor } from "../tensor";
import { noGrad } from "../autograd";
import { zeros, randn, fromBuffer } from "../ops/creation";
import { crossEntropy, svmLoss, binaryCrossEntropy, l2 } from "../ops/loss";
import { DataLoader, TensorDataset } from "../data/dataset";
import { SGD } from "../optim/sgd";
import { defaultGenerator, type Generator } from "../random";
import { ShapeError, ValueError, fmtShape } from "../errors";

function features(x: Tensor, op: string): Tensor {
  if (x.ndim < 1) throw new ShapeError(`${op}: expected samples (N, D), got ${fmtShape(x.shape)}`);
  return (x.ndim === 1 ? x.unsqueeze(0) : x.reshape([x.shape[0], -1])).float();
}

function binaryTargets(y: Tensor, n: number, op: string): Float32Array {
  if (y.ndim !== 1 || y.shape[0] !== n) throw new ShapeError(`${op}: expected ${n} labels, got shape ${fmtShape(y.shape)}`);
  const t = Float32Array.from(y.dataSync());
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== 0 && t[i] !== 1) throw new ValueError(`${op}: labels must be 0 or 1, but label ${i} is ${t[i]}`);
  }
  return t;
}

/**
 * Rosenblatt's perceptron: ŷ = step(w·x + b); for each mistake, w += lr·(y − ŷ)·x and
 * b += lr·(y − ŷ). It converges when the classes are linearly separable (AND, OR) and
 * never settles on XOR (COURSE.md topic 5).
 */
export class Perceptron {
  w: Tensor | null = null;
  b = 0;
  /** Mistakes made in each epoch of the last fit. */
  errors: number[] = [];
  constructor(readonly lr = 1, readonly epochs = 20) {}

  fit(x: Tensor, y: Tensor): this {
    const X = features(x, "Perceptron.fit");
    const [n, d] = X.shape;
    const t = binaryTargets(y, n, "Perceptron.fit");
    const w = new Float64Array(d);
    const xs = X.dataSync();
    this.errors = [];
    for (let e = 0; e < this.epochs; e++) {
      let mistakes = 0;
      for (let i = 0; i < n; i++) {
        let s = this.b;
        for (let j = 0; j < d; j++) s += w[j] * xs[i * d + j];
        const update = this.lr * (t[i] - (s > 0 ? 1 : 0));
        if (update !== 0) {
          mistakes++;
          for (let j = 0; j < d; j++) w[j] += update * xs[i * d + j];
          this.b += update;
        }
      }
      this.errors.push(mistakes);
      if (mistakes === 0) break;
    }
    this.w = fromBuffer(Float32Array.from(w), [d]);
    return this;
  }

  predict(x: Tensor): Tensor {
    if (!this.w) throw new ValueError("Perceptron.predict: call fit first");
    return features(x, "Perceptron.predict").matmul(this.w).add(this.b).gt(0).int();
  }
}

/**
 * Adaline (Widrow & Hoff): a linear unit trained by gradient descent on the squared error
 * of its activation w·x + b (not of the thresholded output, unlike the perceptron).
 */
export class Adaline {
  w: Tensor | null = null;
  b = 0;
  /** Mean squared error after each epoch. */
  losses: number[] = [];
  constructor(readonly lr = 0.01, readonly epochs = 50) {}

  fit(x: Tensor, y: Tensor): this {
    const X = features(x, "Adaline.fit");
    const [n, d] = X.shape;
    const t = fromBuffer(binaryTargets(y, n, "Adaline.fit"), [n]);
    let w: Tensor = zeros([d]);
    let b = 0;
    this.losses = [];
    noGrad(() => {
      for (let e = 0; e < this.epochs; e++) {
        const err = t.sub(X.matmul(w).add(b));
        w = w.add(X.T.matmul(err).mul((2 * this.lr) / n));
        b += (2 * this.lr * err.sum().item()) / n;
        this.losses.push(err.square().mean().item());
      }
    });
    this.w = w;
    this.b = b;
    return this;
  }

  predict(x: Tensor): Tensor {
    if (!this.w) throw new ValueError("Adaline.predict: call fit first");
    return features(x, "Adaline.predict").matmul(this.w).add(this.b).ge(0.5).int();
  }
}

export interface LinearClassifierOptions {
  /** "svm": the course's multiclass hinge; "softmax": cross-entropy (softmax regression). */
  loss?: "svm" | "softmax";
  lr?: number;
  /** L2 regularisation strength λ: loss + λ·ΣW². */
  reg?: number;
  epochs?: number;
  batchSize?: number;
  generator?: Generator;
}

/**
 * A linear classifier f(x) = Wx + b (COURSE.md topic 2), trained by mini-batch SGD on the
 * SVM or softmax loss plus λ·ΣW². W is (classes, features): each row is a class's
 * "template", which viz shows as an image.
 */
export class LinearClassifier {
  W: Tensor | null = null;
  b: Tensor | null = null;
  /** The loss after each epoch of the last fit. */
  losses: number[] = [];
  readonly o: Required<LinearClassifierOptions>;

  constructor(opts: LinearClassifierOptions = {}) {
    this.o = { loss: "softmax", lr: 1e-2, reg: 1e-4, epochs: 10, batchSize: 200, generator: defaultGenerator, ...opts };
    if (this.o.loss !== "svm" && this.o.loss !== "softmax") throw new ValueError(`LinearClassifier: loss must be "svm" or "softmax", got ${JSON.stringify(this.o.loss)}`);
  }

  fit(x: Tensor, y: Tensor, numClasses?: number): this {
    const X = features(x, "LinearClassifier.fit");
    if (y.dtype !== "int32" || y.shape[0] !== X.shape[0]) throw new ShapeError(`LinearClassifier.fit: expected ${X.shape[0]} int32 labels, got ${y.dtype} ${fmtShape(y.shape)}`);
    const C = numClasses ?? Math.max(...(y.dataSync() as Int32Array)) + 1;
    // Small random weights: the loss starts near ln C (softmax) or C − 1 (SVM) — example 12.
    const W = randn([C, X.shape[1]], { generator: this.o.generator }).mul(1e-4).detach().requiresGrad_();
    const b = zeros([C], { requiresGrad: true });
    const opt = new SGD([W, b], { lr: this.o.lr });
    const loader = new DataLoader(new TensorDataset(X, y), { batchSize: this.o.batchSize, shuffle: true, generator: this.o.generator });
    this.losses = [];
    for (let e = 0; e < this.o.epochs; e++) {
      let sum = 0;
      let count = 0;
      for (const [xb, yb] of loader) {
        const scores = xb.matmul(W.T).add(b);
        const data = this.o.loss === "svm" ? svmLoss(scores, yb) : crossEntropy(scores, yb);
        const loss = data.add(l2(W).mul(this.o.reg));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        sum += loss.item() * xb.shape[0];
        count += xb.shape[0];
      }
      this.losses.push(sum / count);
    }
    this.W = W.detach();
    this.b = b.detach();
    return this;
  }

  scores(x: Tensor): Tensor {
    if (!this.W || !this.b) throw new ValueError("LinearClassifier: call fit first");
    return noGrad(() => features(x, "LinearClassifier.scores").matmul(this.W!.T).add(this.b!));
  }

  predict(x: Tensor): Tensor {
    return this.scores(x).argmax(1);
  }
}

/** Softmax regression: a linear classifier with the softmax (cross-entropy) loss. */
export class SoftmaxRegression extends LinearClassifier {
  constructor(opts: Omit<LinearClassifierOptions, "loss"> = {}) {
    super({ ...opts, loss: "softmax" });
  }
  /** Class probabilities. */
  predictProba(x: Tensor): Tensor {
    return this.scores(x).softmax(1);
  }
}

/**
 * Logistic regression for two classes: p(y = 1 | x) = σ(w·x + b), trained by full-batch
 * gradient descent on the binary cross-entropy (plus λ·Σw²).
 */
export class LogisticRegression {
  w: Tensor | null = null;
  b: Tensor | null = null;
  losses: number[] = [];
  constructor(readonly opts: { lr?: number; epochs?: number; reg?: number } = {}) {}

  fit(x: Tensor, y: Tensor): this {
    const X = features(x, "LogisticRegression.fit");
    const t = fromBuffer(binaryTargets(y, X.shape[0], "LogisticRegression.fit"), [X.shape[0]]);
    const w = zeros([X.shape[1]], { requiresGrad: true });
    const b = zeros([], { requiresGrad: true });
    const opt = new SGD([w, b], { lr: this.opts.lr ?? 0.1 });
    this.losses = [];
    for (let e = 0; e < (this.opts.epochs ?? 100); e++) {
      const p = X.matmul(w).add(b).sigmoid();
      const loss = binaryCrossEntropy(p, t).add(w.square().sum().mul(this.opts.reg ?? 0));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      this.losses.push(loss.item());
    }
    this.w = w.detach();
    this.b = b.detach();
    return this;
  }

  predictProba(x: Tensor): Tensor {
    if (!this.w || !this.b) throw new ValueError("LogisticRegression: call fit first");
    return noGrad(() => features(x, "LogisticRegression.predictProba").matmul(this.w!).add(this.b!).sigmoid());
  }

  predict(x: Tensor): Tensor {
    return this.predictProba(x).ge(0.5).int();
  }
}
