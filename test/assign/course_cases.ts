// What each course assignment is worth, and the hostile submissions graded beside its
// solution: each is the solution with one thing a student might try, and the tests it must
// fail (the points it loses), with the reason the feedback must give.
import { type Notebook } from "../../kernel/assign/notebook";
import { setSource, replaced, addCellAfter } from "./course_submissions";

export interface Hostile {
  edit: (nb: Notebook, sol: Map<string, string>) => void;
  /** The tests it fails, in the notebook's order. */
  loses: string[];
  because?: Record<string, RegExp>;
}

export interface CourseAssignment { points: number; hostile: Record<string, Hostile> }

// The softmax gradient by autograd, the loss and its gradient otherwise right.
const SOFTMAX_AUTOGRAD = `
function softmaxLoss(W: Tensor, X: Tensor, y: Tensor, reg: number): { loss: number; dW: Tensor } {
  const Wg = W.detach().requiresGrad_();
  const loss = F.crossEntropy(X.matmul(Wg), y).add(Wg.square().sum().mul(reg));
  loss.backward();
  return { loss: loss.item(), dW: Wg.grad! };
}`;

// The SVM loss one example at a time: right values, a JavaScript loop over the batch.
const SVM_LOOP = `
function svmLoss(W: Tensor, X: Tensor, y: Tensor, reg: number): { loss: number; dW: Tensor } {
  const n = X.shape[0], C = W.shape[1], labels = y.dataSync();
  let loss = 0, dW = zeros(W.shape, { dtype: W.dtype });
  for (let i = 0; i < n; i++) {
    const xi = X.slice(0, i, i + 1), s = xi.matmul(W), yi = labels[i];
    const isY = arange(C).reshape([1, C]).eq(yi);
    const m = s.sub(s.slice(1, yi, yi + 1)).add(1).clamp(0).where(isY.logicalNot(), 0);
    loss += m.sum().item();
    const pos = m.gt(0).to(W.dtype);
    dW = dW.add(xi.T.matmul(pos.sub(isY.to(W.dtype).mul(pos.sum()))));
  }
  return { loss: loss / n + reg * W.square().sum().item(), dW: dW.div(n).add(W.mul(2 * reg)) };
}`;

// The loop's text hidden from anything that asks the running code for it: the function's own
// toString, and Function.prototype.toString for every function, replaced in a cell of its own.
const SVM_LOOP_DISGUISED = SVM_LOOP + `
svmLoss.toString = () => "function svmLoss(W, X, y, reg) { return X.matmul(W); }";`;
const TOSTRING_EVERYWHERE = `Function.prototype.toString = function () { return "function () { [native code] }"; };`;

// softmaxLoss by hand, calling through a helper that an extra cell switches to autograd.
const SOFTMAX_VIA_HELPER = (byHand: string) => byHand.replace("function softmaxLoss(", "function softmaxByHand(") + `
let softmaxImpl = softmaxByHand;
function softmaxLoss(W: Tensor, X: Tensor, y: Tensor, reg: number): { loss: number; dW: Tensor } {
  return softmaxImpl(W, X, y, reg);
}`;
const SOFTMAX_SWITCH = SOFTMAX_AUTOGRAD.replace("function softmaxLoss(", "function softmaxFast(")
  .replace("const Wg", "setGradEnabled(true);\n  const Wg").replace("return {", "setGradEnabled(false);\n  return {") + `
softmaxImpl = softmaxFast;`;

// linearBackward by autograd, switched on for the purpose: right gradients, found by the code check.
const LINEAR_AUTOGRAD = `
function linearBackward(dout: Tensor, cache: { x: Tensor; W: Tensor }): { dx: Tensor; dW: Tensor; db: Tensor } {
  setGradEnabled(true);
  const x = cache.x.detach().requiresGrad_(), W = cache.W.detach().requiresGrad_();
  x.matmul(W).backward(dout);
  setGradEnabled(false);
  return { dx: x.grad!, dW: W.grad!, db: dout.sum(0) };
}`;

export const COURSE: Record<string, CourseAssignment> = {
  knn: {
    points: 17,
    hostile: {
      // The L2 distances one test image at a time (each row by the same expansion, so it is
      // as fast as it can be): right values, a loop.
      loop_over_test_images: {
        edit: (nb, sol) => setSource(nb, "distances", replaced(sol, "distances", /function l2Distances[\s\S]*$/, `function l2Distances(A: Tensor, B: Tensor): Tensor {
  const rows: Tensor[] = [];
  const bb = B.square().sum(1).reshape([1, -1]);
  for (let i = 0; i < A.shape[0]; i++) {
    const a = A.slice(0, i, i + 1);
    rows.push(a.square().sum(1, true).add(bb).sub(B.matmul(a.reshape([-1, 1])).reshape([1, -1]).mul(2)).clamp(0).sqrt());
  }
  return cat(rows, 0);
}`)),
        loses: ["test_vectorised"],
        because: { test_vectorised: /l2Distances loops in JavaScript/ },
      },
      // gradlab's own k-NN distances instead of the student's.
      library_distances: {
        edit: (nb, sol) => setSource(nb, "distances", replaced(sol, "distances", /function l2Distances[\s\S]*$/,
          "function l2Distances(A: Tensor, B: Tensor): Tensor {\n  return classical.pairwiseDistances(A, B);\n}")),
        loses: ["test_vectorised"],
        because: { test_vectorised: /calls gradlab's own k-NN/ },
      },
    },
  },
  linear: {
    points: 23,
    hostile: {
      // Autograd is off in the assignment: backward() finds no graph, so every test that
      // calls softmaxLoss fails.
      autograd: {
        edit: (nb) => setSource(nb, "softmax_loss", SOFTMAX_AUTOGRAD),
        loses: ["test_softmax_loss", "test_softmax_gradient", "test_softmax_analytic", "test_numerical_gradient", "test_train", "test_search"],
        because: { test_softmax_loss: /does not require a gradient/ },
      },
      // Turning autograd back on inside the function gives right numbers; the code check
      // still finds it.
      autograd_switched_on: {
        edit: (nb) => setSource(nb, "softmax_loss", SOFTMAX_AUTOGRAD.replace("const Wg", "setGradEnabled(true);\n  const Wg").replace("return {", "setGradEnabled(false);\n  return {")),
        loses: ["test_softmax_analytic"],
        because: { test_softmax_analytic: /softmaxLoss uses autograd/ },
      },
      loop_over_examples: {
        edit: (nb) => setSource(nb, "svm_loss", SVM_LOOP),
        loses: ["test_svm_analytic"],
        because: { test_svm_analytic: /svmLoss loops in JavaScript/ },
      },
      // The code checks read the notebook's text, not what the running code says it is.
      loop_behind_tostring: {
        edit: (nb) => { setSource(nb, "svm_loss", SVM_LOOP_DISGUISED); addCellAfter(nb, "svm_loss", TOSTRING_EVERYWHERE); },
        loses: ["test_svm_analytic"],
        because: { test_svm_analytic: /svmLoss loops in JavaScript \(for\)/ },
      },
      // Autograd in a helper of the student's own, switched on from an extra cell.
      autograd_in_extra_cell: {
        edit: (nb, sol) => { setSource(nb, "softmax_loss", SOFTMAX_VIA_HELPER(sol.get("softmax_loss")!)); addCellAfter(nb, "softmax_loss", SOFTMAX_SWITCH); },
        loses: ["test_softmax_analytic"],
        because: { test_softmax_analytic: /softmaxLoss uses autograd/ },
      },
      // A scratch cell that uses the student's function beside autograd's words: that use is not
      // part of the function's code, so nothing is lost.
      scratch_use_with_autograd_words: {
        edit: (nb) => addCellAfter(nb, "svm_loss", "console.log(svmLoss(randn([D, C], { dtype: \"float64\" }), X, y, 0.1).dW.requiresGrad);"),
        loses: [],
      },
      // The tests' own helper (a locked cell defines it) behind the student's name.
      numerical_by_test_helper: {
        edit: (nb, sol) => setSource(nb, "numerical_gradient", replaced(sol, "numerical_gradient", /\{\n  const w = Float64Array[\s\S]*?\n\}\n/,
          "{\n  return tensor(referenceNumericGradient(lossFn, W, X, y, reg, h), { dtype: \"float64\" }).reshape(W.shape);\n}\n")),
        loses: ["test_numerical_gradient"],
        because: { test_numerical_gradient: /referenceNumericGradient/ },
      },
      // An honest solution whose comments and strings speak of loops and backward: the
      // checks read code, not prose.
      honest_with_comments: {
        edit: (nb, sol) => setSource(nb, "svm_loss", replaced(sol, "svm_loss", "const n = X.shape[0];",
          "// no for loop over examples, no backward(): while (we) do { the maths }\n  const note = \"for (i) .map( .grad requiresGrad\";\n  const n = X.shape[0];")),
        loses: [],
      },
    },
  },
  backprop: {
    points: 21,
    hostile: {
      // Its own test finds it, and so do the two-layer net's: their code calls linearBackward,
      // and a check reads a function and the functions of the student's it calls.
      autograd_linear_backward: {
        edit: (nb, sol) => setSource(nb, "linear", replaced(sol, "linear", /function linearBackward[\s\S]*$/, LINEAR_AUTOGRAD.trim())),
        loses: ["test_linear", "test_two_layer_gradient", "test_two_layer_train"],
        because: {
          test_linear: /linearBackward uses autograd/,
          test_two_layer_gradient: /twoLayerLoss uses autograd .*the check reads twoLayerLoss and the functions of yours it calls/,
        },
      },
      // PyTorch's meaning of p (the probability to drop) where the notes mean keep.
      dropout_p_is_drop: {
        edit: (nb, sol) => setSource(nb, "dropout", replaced(sol, "dropout", "rand(x.shape).lt(keep).to(x.dtype).div(keep)", "rand(x.shape).ge(keep).to(x.dtype).div(1 - keep)")),
        loses: ["test_dropout"],
        because: { test_dropout: /about 80 % of the units are kept/ },
      },
    },
  },
  recipe: {
    points: 15,
    hostile: {
      // He's factor for every scheme: right for ReLU, wrong for the rest.
      he_everywhere: {
        edit: (nb, sol) => setSource(nb, "init", replaced(sol, "init", "case \"xavier\": return 1 / Math.sqrt(fanIn);", "case \"xavier\": return Math.sqrt(2 / fanIn);")),
        loses: ["test_init_scale", "test_activation_stds"],
        because: { test_activation_stds: /example 17, Xavier with tanh/ },
      },
    },
  },
  cnn: {
    points: 17,
    hostile: {
      // gradlab's F.conv2d behind the student's name: right values, found by the code check.
      conv_by_library: {
        edit: (nb, sol) => setSource(nb, "conv_forward", replaced(sol, "conv_forward", /\{\n  const \[N, C, H, W\][\s\S]*$/,
          "{\n  return { out: F.conv2d(x, w, b, { stride, padding: pad }), cache: { x, w, stride, pad } };\n}")),
        loses: ["test_conv_forward"],
        because: { test_conv_forward: /conv2dForward uses F\.conv2d/ },
      },
      // Training on the held-out images too: refused before it trains.
      trains_on_test_split: {
        edit: (nb, sol) => setSource(nb, "cnn", replaced(sol, "cnn", "await fit(model, [Xtrain, ytrain],",
          "const extra = data.fashionMnist({ split: \"test\" });\n  await fit(model, [cat([Xtrain, extra.x]), cat([ytrain, extra.y])],")),
        loses: ["test_cnn_accuracy"],
        because: { test_cnn_accuracy: /trainCnn uses a data loader/ },
      },
    },
  },
};
