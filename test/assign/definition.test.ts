// The code behind a name a submission defines, as the hidden tests' code checks read it: the
// statements that declare or change it and the helpers of the student's it names, whichever
// cell they are in; not the statements that merely use it.
import { strict as assert } from "node:assert";
import { codeDefining } from "../../kernel/assign/definition";

const answer = `// the answer cell
let helper = byHand;
function byHand(W: Tensor) { return W.mul(2); }
/** no backward here */
function svmLoss(W: Tensor) { return helper(W); }
const impl = { f: byHand };
function viaObject(W: Tensor) { return impl.f(W); }
function viaGlobal(W: Tensor) { return (globalThis as any)["fast"](W); }
const unrelated = 1;`;

describe("assign: the code behind a submission's name", () => {
  it("is the statements that declare it and the student's helpers it calls, without the rest of the cell", () => {
    const code = codeDefining([{ label: "a", code: answer }], "svmLoss")!;
    assert.deepEqual(code.split("\n"), ["let helper = byHand;", "function byHand(W: Tensor) { return W.mul(2); }", "function svmLoss(W: Tensor) { return helper(W); }"]);
    assert.ok(code.includes("function svmLoss") && code.includes("let helper = byHand;") && code.includes("function byHand"));
    assert.ok(!code.includes("unrelated") && !code.includes("viaObject") && !code.includes("the answer cell"));
  });

  it("takes in an extra cell's statements that switch a helper, change an object it uses or hang one on globalThis", () => {
    const extra = `helper = (W: Tensor) => W.backward();
(impl as any).f = auto;
function auto(W: Tensor) { return W.grad; }
Object.assign(impl, { g: 1 });
(globalThis as any).fast = (W: Tensor) => W.requiresGrad;`;
    const cells = [{ label: "a", code: answer }, { label: "b", code: extra }];
    const svm = codeDefining(cells, "svmLoss")!;
    assert.ok(svm.includes("W.backward()"), svm);
    assert.ok(!svm.includes("auto") && !svm.includes("fast"), svm);
    const obj = codeDefining(cells, "viaObject")!;
    assert.ok(obj.includes("(impl as any).f = auto;") && obj.includes("return W.grad") && obj.includes("Object.assign(impl"), obj);
    assert.ok(!obj.includes("backward"), obj);
    const glob = codeDefining(cells, "viaGlobal")!;
    assert.ok(glob.includes("W.requiresGrad"), glob);
  });

  it("leaves out statements that only use the name (a scratch check), or compare it", () => {
    const scratch = `checkGradient((w: Tensor) => svmLoss(w).sum(), [W.requiresGrad_()]);
const r = svmLoss(W).backward();
if (helper != byHand) console.log("svmLoss.grad");`;
    const code = codeDefining([{ label: "a", code: answer }, { label: "b", code: scratch }], "svmLoss")!;
    assert.ok(!/checkGradient|backward|grad/.test(code), code);
  });

  it("is null for a name no cell of the student's declares", () => {
    assert.equal(codeDefining([{ label: "a", code: answer }], "softmaxLoss"), null);
    assert.equal(codeDefining([], "svmLoss"), null);
  });
  it("follows the global object through an alias a later cell makes of it", () => {
    const cells = [{ label: "a", code: answer }, { label: "b", code: "const g: any = globalThis;\ng.fast = (W: Tensor) => W.backward();" }];
    const glob = codeDefining(cells, "viaGlobal")!;
    assert.ok(glob.includes("W.backward()"), glob);
  });
});
