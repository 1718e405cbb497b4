// The IDX format of MNIST and Fashion-MNIST (LeCun's): two zero bytes, a type byte, the
// number of dimensions, the sizes as big-endian int32, then the values, big-endian.
// Gzipped files are recognised by their magic number and inflated.
import * as fs from "fs";
import * as zlib from "zlib";
import { Tensor } from "../tensor";
import { ValueError } from "../errors";
import { recordDataset } from "../provenance";

const TYPES: Record<number, { name: string; bytes: number; read: (v: DataView, at: number) => number; dtype: "int32" | "float32" | "float64" }> = {
  0x08: { name: "unsigned byte", bytes: 1, read: (v, at) => v.getUint8(at), dtype: "int32" },
  0x09: { name: "signed byte", bytes: 1, read: (v, at) => v.getInt8(at), dtype: "int32" },
  0x0b: { name: "short", bytes: 2, read: (v, at) => v.getInt16(at, false), dtype: "int32" },
  0x0c: { name: "int", bytes: 4, read: (v, at) => v.getInt32(at, false), dtype: "int32" },
  0x0d: { name: "float", bytes: 4, read: (v, at) => v.getFloat32(at, false), dtype: "float32" },
  0x0e: { name: "double", bytes: 8, read: (v, at) => v.getFloat64(at, false), dtype: "float64" },
};

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/**
 * Parses IDX bytes (gzipped or not) into a tensor: unsigned bytes become int32 (0–255)
 * unless asFloat, which gives float32 (pixels stay 0–255: scale them yourself).
 */
export function parseIdx(bytes: Uint8Array, source = "the data", opts: { asFloat?: boolean } = {}): Tensor {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (e) {
      throw new ValueError(`readIdx: ${source} is gzipped but cannot be inflated (${(e as Error).message}); the file is probably truncated or corrupt`);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || !TYPES[buf[2]] || buf[3] === 0) {
    throw new ValueError(`readIdx: ${source} is not an IDX file: it starts with ${hex(buf.subarray(0, 4)) || "nothing"}, ` +
      "expected 00 00, a type byte (08, 09, 0b, 0c, 0d or 0e) and the number of dimensions");
  }
  const type = TYPES[buf[2]];
  const ndim = buf[3];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 4 + 4 * ndim) throw new ValueError(`readIdx: ${source} is truncated inside its header (${ndim} sizes promised, ${buf.length} bytes in all)`);
  const shape = Array.from({ length: ndim }, (_, i) => view.getInt32(4 + 4 * i, false));
  if (shape.some((d) => d < 0)) throw new ValueError(`readIdx: ${source} has a negative size in its header: [${shape}]`);
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  const need = count * type.bytes;
  if (buf.length - start < need) {
    throw new ValueError(`readIdx: ${source} is truncated: its header promises ${shape.join("×")} ${type.name}s (${need.toLocaleString("en-US")} bytes) ` +
      `but only ${(buf.length - start).toLocaleString("en-US")} bytes follow`);
  }
  const dtype = opts.asFloat && type.dtype === "int32" ? "float32" : type.dtype;
  const out = dtype === "float64" ? new Float64Array(count) : dtype === "float32" ? new Float32Array(count) : new Int32Array(count);
  if (type.bytes === 1 && buf[2] === 0x08) {
    out.set(buf.subarray(start, start + count)); // the common case, bytes, in one copy
  } else {
    for (let i = 0; i < count; i++) out[i] = type.read(view, start + i * type.bytes);
  }
  return new Tensor(out, shape, dtype);
}

/** Reads an IDX file (.gz or not). */
export function readIdx(path: string, opts: { asFloat?: boolean } = {}): Tensor {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new ValueError(`readIdx: cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const t = parseIdx(bytes, path, opts);
  recordDataset(path, bytes); // a file that parsed: its checksum goes into the run's provenance
  return t;
}
