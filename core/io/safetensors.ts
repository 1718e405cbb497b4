// Saving and loading tensors in the safetensors format (Hugging Face's), which PyTorch
// reads with safetensors.torch.load_file: 8 bytes of little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}, __metadata__}, then the raw little-endian data.
import * as fs from "fs";
import { Tensor } from "../tensor";
import { Module } from "../nn/module";
import { ValueError } from "../errors";
import type { DType } from "../dtype";

const WRITE: Record<DType, string> = { float32: "F32", float64: "F64", int32: "I32", bool: "BOOL" };
const BYTES: Record<string, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1, I64: 8, F16: 2, BF16: 2, U8: 1, I8: 1, I16: 2 };

/** Serialises named tensors (and string metadata) into safetensors bytes. */
export function serialize(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  const meta = { format: "pt", producer: "gradlab", ...metadata };
  for (const [k, v] of Object.entries(meta)) if (typeof v !== "string") throw new ValueError(`save: metadata values must be strings; "${k}" is ${typeof v}`);
  header.__metadata__ = meta;
  // Sorted by name, as the reference implementation writes them.
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new ValueError(`save: "${name}" is not a tensor`);
    const size = t.numel * BYTES[WRITE[t.dtype]];
    header[name] = { dtype: WRITE[t.dtype], shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const t = tensors[name];
    // Typed arrays are in the machine's order; every machine gradlab runs on is little-endian.
    const d = t.dataSync();
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Parses safetensors bytes, checking the header against the data before reading any of it. */
export function deserialize(bytes: Uint8Array, source = "the data"): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new ValueError(`load: ${source} is not a valid safetensors file: ${why}`);
  if (bytes.length < 8) throw bad(`it has only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8 || n > 100_000_000) throw bad(`its header claims ${n} bytes but the file has ${bytes.length - 8} after the length`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString("utf8"));
  } catch (e) {
    throw bad(`the header is not JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) throw bad("the header is not a JSON object");
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: off } = info ?? {};
    if (!(dtype in BYTES)) throw bad(`"${name}" has dtype ${JSON.stringify(dtype)}, which gradlab cannot read`);
    if (!Array.isArray(shape) || shape.some((d: unknown) => !Number.isInteger(d) || (d as number) < 0)) throw bad(`"${name}" has an invalid shape ${JSON.stringify(shape)}`);
    const count = shape.reduce((a: number, b: number) => a * b, 1);
    if (!Array.isArray(off) || off.length !== 2 || !Number.isInteger(off[0]) || !Number.isInteger(off[1]) || off[0] < 0 || off[1] < off[0]) {
      throw bad(`"${name}" has invalid data_offsets ${JSON.stringify(off)}`);
    }
    if (off[1] > dataLen) throw bad(`"${name}" ends at byte ${off[1]} of the data, but there are only ${dataLen} (the file is truncated)`);
    if (off[1] - off[0] !== count * BYTES[dtype]) throw bad(`"${name}" has ${off[1] - off[0]} bytes but shape [${shape}] of ${dtype} needs ${count * BYTES[dtype]}`);
    // A copy with its own ArrayBuffer (Node's Buffer.slice would be a view into a shared pool).
    const raw = Uint8Array.prototype.slice.call(bytes, dataStart + off[0], dataStart + off[1]);
    const dv = new DataView(raw.buffer);
    let t: Tensor;
    switch (dtype) {
      case "F32": t = new Tensor(new Float32Array(raw.buffer), shape, "float32"); break;
      case "F64": t = new Tensor(new Float64Array(raw.buffer), shape, "float64"); break;
      case "I32": t = new Tensor(new Int32Array(raw.buffer), shape, "int32"); break;
      case "BOOL": t = new Tensor(raw, shape, "bool"); break;
      case "U8": t = new Tensor(Int32Array.from(raw), shape, "int32"); break;
      case "I8": t = new Tensor(Int32Array.from(new Int8Array(raw.buffer)), shape, "int32"); break;
      case "I16": t = new Tensor(Int32Array.from(new Int16Array(raw.buffer)), shape, "int32"); break;
      case "I64": {
        // PyTorch's integer default (e.g. num_batches_tracked): read into int32 when it fits.
        const out = new Int32Array(count);
        for (let i = 0; i < count; i++) {
          const v = dv.getBigInt64(i * 8, true);
          if (v > 2147483647n || v < -2147483648n) throw new ValueError(`load: "${name}" holds ${v}, which does not fit in int32`);
          out[i] = Number(v);
        }
        t = new Tensor(out, shape, "int32");
        break;
      }
      case "F16": t = new Tensor(Float32Array.from({ length: count }, (_, i) => halfToFloat(dv.getUint16(i * 2, true))), shape, "float32"); break;
      default: /* BF16: the high half of a float32 */ t = new Tensor(Float32Array.from({ length: count }, (_, i) => new Float32Array(new Uint32Array([dv.getUint16(i * 2, true) << 16]).buffer)[0]), shape, "float32");
    }
    tensors[name] = t;
  }
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  return { tensors, metadata };
}

/** Saves a model's state dict (or named tensors) to path as safetensors; PyTorch can load it. */
export function save(what: Module | Record<string, Tensor>, path: string, metadata: Record<string, string> = {}): void {
  const tensors = what instanceof Module ? what.stateDict() : what;
  const extra = what instanceof Module ? { model: what.typeName(), ...metadata } : metadata;
  fs.writeFileSync(path, serialize(tensors, extra));
}

/**
 * Loads a safetensors file: into a model (its state dict must match) when one is given,
 * returning the model; otherwise returns the named tensors.
 */
export function load(path: string): Record<string, Tensor>;
export function load<M extends Module>(path: string, model: M, opts?: { strict?: boolean }): M;
export function load(path: string, model?: Module, opts: { strict?: boolean } = {}): Record<string, Tensor> | Module {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new ValueError(`load: cannot read ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const { tensors } = deserialize(bytes, path);
  if (!model) return tensors;
  const own = model.stateDict();
  // Match dtypes to the model's (PyTorch saves float32; a float64 model converts).
  const cast = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, own[k] && own[k].dtype !== t.dtype ? t.to(own[k].dtype) : t]));
  model.loadStateDict(cast, opts);
  return model;
}
