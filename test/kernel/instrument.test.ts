// What the kernel changes in a cell's transpiled code (kernel/instrument.ts): no line
// moves, every loop polls the interrupt word, declarations that ran are recorded; and
// cells of every loop form still compute what they computed.
import { strict as assert } from "node:assert";
import { instrument, keptDeclarations } from "../../kernel/instrument";
import { Session, type Sink } from "../../kernel/session";

describe("kernel: instrumenting a cell's code", function () {
  this.timeout(120_000);

  it("keeps every line where it was, drops the undefined-all statement, polls in each loop", () => {
    const out = "exports.b = exports.a = void 0;\nlet a = 1;\nexports.a = a;\nfor (let i = 0; i < 3; i++)\n    a++;\nwhile (a) { a--; }\ndo a++; while (a < 2);\n";
    const r = instrument(out);
    assert.deepEqual(r.declared, ["b", "a"]);
    assert.equal(r.code.split("\n").length, out.split("\n").length);
    assert.ok(!/void 0/.test(r.code));
    assert.equal(r.code.match(/__gradlab_irq__\[0\] !== 0/g)?.length, 3);
    assert.match(r.code, /exports\.a = a; __gradlab_ran__\.push\("a"\);/);
    assert.equal(r.awaits, false);
    assert.equal(instrument("for await (const x of xs) {}\n").awaits, true);
    assert.equal(instrument("async function f() { await 1; }\n").awaits, false);
  });

  it("keeps the declarations that ran, and the earlier ones of those that did not", () => {
    const kept = keptDeclarations(
      "declare let a: number, b: string;\ndeclare function f(): void;\ninterface I { x: number }\ndeclare const old: boolean;\n",
      "declare let b: number;\ndeclare const old: boolean;\n",
      ["a", "b", "f"], ["a"]);
    assert.match(kept, /declare let a: number;/);
    assert.match(kept, /declare let b: number;/, "b's declaration never ran: the earlier one holds");
    assert.ok(!/b: string/.test(kept));
    assert.ok(!/function f/.test(kept), "f never ran and did not exist before");
    assert.match(kept, /interface I/);
    assert.match(kept, /declare const old: boolean;/);
  });

  it("cells with every kind of loop, label and async iteration compute as before", async () => {
    const s = new Session();
    const values: string[] = [];
    const sink: Sink = { stream() {}, display() {}, result: (b) => { values.push(String(b.data["text/plain"])); } };
    try {
      await s.preload();
      const cells = [
        "let n = 0; do n++; while (n < 5); n",
        "let m = 0; outer: for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) { if (j > i) continue outer; m++; } m",
        "async function* gen() { for (let i = 0; i < 3; i++) yield i; }\nlet acc = 0; for await (const v of gen()) acc += v; acc",
        "for (var k = 0; k < 3; k++) ; k",
        "const arr = [1, 2, 3].map((x) => { let t = 0; for (const y of [x, x]) t += y; return t; }); arr.join(',')",
        "class C { static { for (let i = 0; i < 1; i++) {} } m() { for (const key in { a: 1 }) return key; } }\nnew C().m()",
        "let q = 0; for (;;) { if (++q > 3) break; } q",
        "import { join } from 'path';",
        "import { join } from 'path'; join('a', 'b')",
      ];
      for (const c of cells) assert.equal((await s.execute(c, sink)).status, "ok", c);
    } finally {
      s.close();
    }
    assert.deepEqual(values, ["5", "15", "3", "3", "'2,4,6'", "'a'", "4", "'a/b'"]);
  });
});
