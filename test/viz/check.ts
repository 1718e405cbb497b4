// Independent checkers for the fallbacks: a strict XML well-formedness check for SVG
// and a PNG reader (chunks, CRCs computed bit by bit, inflated pixels).
import { strict as assert } from "node:assert";
import { inflateSync } from "zlib";
import { spawnSync } from "child_process";

/** Throws unless s is one well-formed XML element: balanced tags, quoted attributes, known entities only. */
export function assertWellFormedXML(s: string): { root: string; elements: number } {
  const stack: string[] = [];
  let root = "", elements = 0, i = 0;
  const textOk = (t: string) => {
    assert.ok(!/[<>]/.test(t), `raw < or > in text: ${JSON.stringify(t.slice(0, 60))}`);
    const bad = t.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/);
    assert.ok(!bad, `unescaped & in: ${JSON.stringify(t.slice(0, 60))}`);
  };
  while (i < s.length) {
    const lt = s.indexOf("<", i);
    if (lt < 0) { textOk(s.slice(i)); break; }
    textOk(s.slice(i, lt));
    const gt = findTagEnd(s, lt);
    const tag = s.slice(lt + 1, gt);
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim();
      assert.equal(stack.pop(), name, `closing </${name}> does not match`);
    } else {
      const selfClosing = tag.endsWith("/");
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = body.match(/^([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*$/);
      assert.ok(m, `malformed tag <${tag.slice(0, 80)}>`);
      const names = [...m![2].matchAll(/([\w:-]+)=/g)].map((x) => x[1]);
      assert.equal(new Set(names).size, names.length, `duplicate attribute in <${m![1]}>`);
      for (const v of m![2].matchAll(/="([^"]*)"/g)) textOk(v[1]);
      elements++;
      if (!root) root = m![1];
      else assert.ok(stack.length > 0, "more than one root element");
      if (!selfClosing) stack.push(m![1]);
    }
    i = gt + 1;
  }
  assert.deepEqual(stack, [], "unclosed elements");
  return { root, elements };
}

function findTagEnd(s: string, from: number): number {
  let q = false;
  for (let j = from + 1; j < s.length; j++) {
    if (s[j] === '"') q = !q;
    else if (s[j] === ">" && !q) return j;
  }
  throw new assert.AssertionError({ message: "unterminated tag" });
}

/** rsvg-convert, when installed, parses and renders the SVG: a second, real parser. */
export function rsvgRenders(svg: string): boolean | null {
  const r = spawnSync("rsvg-convert", ["-f", "png"], { input: svg, maxBuffer: 64 << 20 });
  if (r.error) return null;
  return r.status === 0 && r.stdout.length > 8;
}

function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Parses a PNG, checking signature, chunk order and every CRC; returns its size and raw pixels. */
export function readPNG(png: Buffer): { width: number; height: number; colourType: number; pixels: Buffer } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  let off = 8;
  const chunks: { type: string; data: Buffer }[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("ascii", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    assert.equal(png.readUInt32BE(off + 8 + len), crcBitwise(png.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    chunks.push({ type, data });
    off += 12 + len;
  }
  assert.equal(off, png.length, "trailing bytes");
  assert.equal(chunks[0].type, "IHDR");
  assert.equal(chunks[chunks.length - 1].type, "IEND");
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0), height = ihdr.readUInt32BE(4);
  assert.equal(ihdr[8], 8, "bit depth");
  const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data)));
  const bpp = ihdr[9] === 2 ? 3 : ihdr[9] === 6 ? 4 : 1;
  assert.equal(raw.length, height * (1 + width * bpp), "inflated size = rows × (filter byte + pixels)");
  const pixels = Buffer.alloc(width * height * bpp);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (1 + width * bpp)], 0, "filter type");
    raw.copy(pixels, y * width * bpp, y * (1 + width * bpp) + 1, (y + 1) * (1 + width * bpp));
  }
  return { width, height, colourType: ihdr[9], pixels };
}
