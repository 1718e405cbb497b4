// The Jupyter wire protocol (5.3): multipart zeromq frames, HMAC-signed JSON parts.
//   [identities…, "<IDS|MSG>", signature, header, parent_header, metadata, content, buffers…]
import { createHmac, randomUUID } from "node:crypto";

export const PROTOCOL_VERSION = "5.3";
const DELIM = "<IDS|MSG>";

export interface Header {
  msg_id: string; msg_type: string; session: string; username: string; date: string; version: string;
}
export interface Message<C = any> {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

export class Signer {
  constructor(private readonly key: string, private readonly scheme = "hmac-sha256") {}
  sign(parts: (string | Buffer)[]): string {
    if (!this.key) return "";
    const h = createHmac(this.scheme.replace(/^hmac-/, ""), this.key);
    for (const p of parts) h.update(p);
    return h.digest("hex");
  }
}

/** Parses frames into a Message; returns null (and says why) for a malformed or badly signed one. */
export function decode(frames: Buffer[], signer: Signer): { msg?: Message; error?: string } {
  const i = frames.findIndex((f) => f.toString() === DELIM);
  if (i < 0 || frames.length < i + 6) return { error: "no <IDS|MSG> delimiter or too few frames" };
  const [sig, header, parent, metadata, content] = frames.slice(i + 1, i + 6);
  const expected = signer.sign([header, parent, metadata, content]);
  if (expected && expected !== sig.toString()) return { error: "bad signature" };
  try {
    return {
      msg: {
        identities: frames.slice(0, i),
        header: JSON.parse(header.toString()),
        parent_header: JSON.parse(parent.toString()),
        metadata: JSON.parse(metadata.toString()),
        content: JSON.parse(content.toString()),
        buffers: frames.slice(i + 6),
      },
    };
  } catch (e) {
    return { error: `invalid JSON: ${(e as Error).message}` };
  }
}

export function encode(msg: Message, signer: Signer): (Buffer | string)[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => JSON.stringify(p));
  return [...msg.identities, DELIM, signer.sign(parts), ...parts, ...msg.buffers];
}

export function header(msgType: string, session: string): Header {
  return { msg_id: randomUUID(), msg_type: msgType, session, username: "gradlab", date: new Date().toISOString(), version: PROTOCOL_VERSION };
}

/** A reply or broadcast for `parent`. */
export function reply<C>(parent: Message | null, msgType: string, content: C, session: string, identities?: Buffer[]): Message<C> {
  return {
    identities: identities ?? parent?.identities ?? [],
    header: header(msgType, session),
    parent_header: parent?.header ?? {},
    metadata: {},
    content,
    buffers: [],
  };
}
