// The narrow interface between a submission's process and the judge: data is copied into
// the receiving side's own objects, everything else crosses as a reference, and malformed
// messages are refused.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { encode, decode, LineSplitter, LineReader, type EncodeHooks, type DecodeHooks } from "../../kernel/assign/wire";
import { tensor, Tensor } from "../../core";

const refs: object[] = [];
const enc: EncodeHooks = {
  tensor: (x) => (x instanceof Tensor ? { dtype: x.dtype, shape: x.shape, data: x.data } : null),
  ref: (x) => String(refs.push(x) - 1),
};
const dec: DecodeHooks = {
  tensor: (dtype, shape, data) => tensor(data as any, { dtype }).reshape(shape),
  ref: (r, fn) => ({ ref: r, fn }),
};
const roundTrip = (x: unknown) => decode(JSON.parse(JSON.stringify(encode(x, enc))), dec);

describe("assign: values between a submission and the judge", () => {
  it("copies numbers (NaN, -0, infinities), strings, arrays and plain objects", () => {
    const v = roundTrip({ a: [1, NaN, -0, Infinity, "s", true, null, undefined], b: { c: 2n } }) as any;
    assert.equal(v.a.length, 8);
    assert.ok(Number.isNaN(v.a[1]) && Object.is(v.a[2], -0) && v.a[3] === Infinity);
    assert.deepEqual([v.a[4], v.a[5], v.a[6], v.a[7], v.b.c], ["s", true, null, undefined, 2n]);
  });

  it("copies tensors and typed arrays into new ones, bit for bit", () => {
    const t = tensor([[1.5, -2], [3, 4]], { dtype: "float64" });
    const u = roundTrip(t) as Tensor;
    assert.notEqual(u, t);
    assert.deepEqual([u.dtype, u.shape, Array.from(u.data)], ["float64", [2, 2], [1.5, -2, 3, 4]]);
    const f = roundTrip(new Float32Array([0.1, 2])) as Float32Array;
    assert.ok(f instanceof Float32Array);
    assert.deepEqual(Array.from(f), Array.from(new Float32Array([0.1, 2])));
  });

  it("sends functions and class instances as references, never their code", () => {
    class Net { forward() { return 1; } }
    const w = encode({ f: () => 1, net: new Net() }, enc) as any;
    assert.deepEqual(w.v.map((e: any) => [e[0], e[1].t, e[1].fn]), [["f", "R", true], ["net", "R", false]]);
    assert.ok(!JSON.stringify(w).includes("forward"));
  });

  it("refuses malformed values: an unknown dtype or typed array, a shape that does not fit, nesting past 32", () => {
    assert.throws(() => decode({ t: "T", dtype: "complex", shape: [1], b64: "" }, dec), /unknown dtype/);
    assert.throws(() => decode({ t: "T", dtype: "float32", shape: [3], b64: Buffer.alloc(8).toString("base64") }, dec), /shape \[3\] with 2 values/);
    assert.throws(() => decode({ t: "TA", type: "Function", b64: "" }, dec), /unknown typed array/);
    assert.throws(() => decode({ t: "eval", v: "1" }, dec), /malformed/);
    let deep: any = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    assert.throws(() => encode(deep, enc), /nested more than 32 deep/);
  });

  it("gives a decoded object no prototype tricks: __proto__ is an own key", () => {
    const o = decode({ t: "O", v: [["__proto__", { t: "n", v: 1 }]] }, dec) as any;
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(o, "__proto__")?.value, 1);
  });

  it("splits a stream into its lines however it is cut: a 20 MiB line in 64 KiB pieces, several lines in one, a character cut in two", () => {
    const big = "x".repeat(20 << 20);
    const stream = Buffer.from(`${big}\n{"a":1}\n\ntail`, "utf8");
    const split = new LineSplitter();
    const lines: string[] = [];
    for (let at = 0; at < stream.length; at += 65536) lines.push(...split.push(stream.subarray(at, at + 65536)));
    assert.equal(lines.length, 3);
    assert.ok(lines[0] === big, "the long line came out changed");
    assert.deepEqual(lines.slice(1), ['{"a":1}', ""]);
    // "tail" waits for its newline; é's two bytes come in two pieces.
    assert.deepEqual(split.push(Buffer.from([0xc3])), []);
    assert.deepEqual(split.push(Buffer.from([0xa9, 0x0a])), ["tailé"]);
  });

  it("refuses a line longer than its limit before the line ends, and goes on with the next", () => {
    const split = new LineSplitter(1 << 20);
    const piece = Buffer.alloc(64 << 10, 0x61);
    assert.throws(() => { for (let i = 0; i < 32; i++) split.push(piece); }, /a message larger than 1 MiB/);
    assert.deepEqual(split.push(Buffer.from("\nok\n")), ["", "ok"]);
  });

  it("reads messages of any size from a descriptor, and null at its end", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradlab-wire-"));
    try {
      const file = path.join(dir, "messages");
      const value = encode(new Float32Array(4000 * 785).fill(1.5), enc);
      fs.writeFileSync(file, JSON.stringify(value) + "\n" + JSON.stringify({ op: "done" }) + "\n");
      const fd = fs.openSync(file, "r");
      const reader = new LineReader(fd);
      const back = decode(reader.next(), dec) as Float32Array;
      assert.equal(back.length, 4000 * 785);
      assert.ok(back.every((v) => v === 1.5));
      assert.deepEqual(reader.next(), { op: "done" });
      assert.equal(reader.next(), null);
      fs.closeSync(fd);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
