// Shorthand properties that name an earlier cell's variable: `{ epochs }` must see it.
import { strict as assert } from "node:assert";
import { Session, type Sink } from "../../kernel/session";
import { expandShorthands } from "../../kernel/shorthand";

describe("cells using earlier cells' variables in shorthand properties", function () {
  this.timeout(60_000);
  it("writes { x } out as { x: x } on the same line, and leaves the rest alone", () => {
    assert.equal(expandShorthands("const o = { epochs, lr: 1, b };"), "const o = { epochs: epochs, lr: 1, b: b };");
    assert.equal(expandShorthands("const { a, b: c } = o;\n({ d = 2 } = o);"), "const { a, b: c } = o;\n({ d: d = 2 } = o);");
    assert.equal(expandShorthands("const s = '{ x }'; // { y }"), "const s = '{ x }'; // { y }");
  });

  it("a cell can build { epochs } from an earlier cell's epochs", async () => {
    const s = new Session();
    const out: string[] = [];
    const sink: Sink = { stream() {}, display() {}, result: (b) => out.push(String(b.data["text/plain"])) };
    try {
      assert.deepEqual(await s.execute("const epochs = 3;\nlet lr = 0.5;", sink), { status: "ok" });
      const r = await s.execute("const o = { epochs, lr };\nJSON.stringify(o)", sink);
      assert.deepEqual(r, { status: "ok" }, JSON.stringify(r));
      assert.equal(out.join(""), `'{"epochs":3,"lr":0.5}'`);
    } finally {
      s.close();
    }
  });
});
