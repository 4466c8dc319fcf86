/**
 * mongodb-noauth: `listDatabases` in an OP_MSG without authenticating. `ok: 1` with a database
 * list means access control is off; error 13 (Unauthorized) means it is on.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { portOrService } from "../bundled/rules.ts";

type Bson = number | string | boolean | null | bigint | Bson[] | { [k: string]: Bson };

/** Encode a flat document of int32 and string fields (all we send). */
export function bsonEncode(doc: Record<string, number | string>): Uint8Array {
  const enc = new TextEncoder();
  const parts: number[] = [];
  for (const [k, v] of Object.entries(doc)) {
    const key = [...enc.encode(k), 0];
    if (typeof v === "number") {
      parts.push(0x10, ...key, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
    } else {
      const s = [...enc.encode(v), 0];
      const n = s.length;
      parts.push(
        0x02,
        ...key,
        n & 0xff,
        (n >> 8) & 0xff,
        (n >> 16) & 0xff,
        (n >>> 24) & 0xff,
        ...s,
      );
    }
  }
  const len = parts.length + 5;
  return new Uint8Array([
    len & 0xff,
    (len >> 8) & 0xff,
    (len >> 16) & 0xff,
    len >>> 24,
    ...parts,
    0,
  ]);
}

/** Decode a BSON document (the types a server reply uses; others end the walk). */
export function bsonDecode(b: Uint8Array, at = 0): Record<string, Bson> {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const end = at + view.getInt32(at, true) - 1;
  const out: Record<string, Bson> = {};
  let i = at + 4;
  const dec = new TextDecoder();
  while (i < end) {
    const type = b[i++];
    const z = b.indexOf(0, i);
    const key = dec.decode(b.subarray(i, z));
    i = z + 1;
    switch (type) {
      case 0x01:
        out[key] = view.getFloat64(i, true);
        i += 8;
        break;
      case 0x02: {
        const n = view.getInt32(i, true);
        out[key] = dec.decode(b.subarray(i + 4, i + 4 + n - 1));
        i += 4 + n;
        break;
      }
      case 0x03:
      case 0x04: {
        const d = bsonDecode(b, i);
        out[key] = type === 0x04 ? Object.values(d) : d;
        i += view.getInt32(i, true);
        break;
      }
      case 0x08:
        out[key] = b[i++] === 1;
        break;
      case 0x0a:
        out[key] = null;
        break;
      case 0x10:
        out[key] = view.getInt32(i, true);
        i += 4;
        break;
      case 0x11:
      case 0x12:
      case 0x09:
        out[key] = view.getBigInt64(i, true);
        i += 8;
        break;
      case 0x07:
        i += 12;
        break;
      default:
        return out;
    }
  }
  return out;
}

/** An OP_MSG (opcode 2013) carrying one body section. */
export function opMsg(doc: Record<string, number | string>, requestId = 1): Uint8Array {
  const body = bsonEncode(doc);
  const len = 16 + 4 + 1 + body.length;
  const out = new Uint8Array(len);
  const v = new DataView(out.buffer);
  v.setInt32(0, len, true);
  v.setInt32(4, requestId, true);
  v.setInt32(8, 0, true);
  v.setInt32(12, 2013, true);
  v.setUint32(16, 0, true);
  out[20] = 0;
  out.set(body, 21);
  return out;
}

/** The `mongodb-noauth` script. */
export const mongodbNoauth: Script = {
  name: "mongodb-noauth",
  categories: ["vuln", "auth", "safe"],
  description:
    "Runs listDatabases over OP_MSG without credentials; success means MongoDB access control is off.",
  portRule: portOrService([27017, 27018], ["mongodb", "mongod"]),
  async action(ctx) {
    const sock = await ctx.tcp();
    try {
      await sock.send(opMsg({ listDatabases: 1, nameOnly: 1 as number, $db: "admin" }));
      const head = await sock.receive({ bytes: 16 });
      if (head.length < 16) return undefined;
      const hv = new DataView(head.buffer, head.byteOffset, 16);
      const len = hv.getInt32(0, true);
      if (hv.getInt32(12, true) !== 2013 || len > 16 << 20) return undefined;
      const rest = await sock.receive({ bytes: len - 16 });
      if (rest[4] !== 0) return undefined;
      const doc = bsonDecode(rest, 5);
      if (doc.ok === 1 && Array.isArray(doc.databases)) {
        const names = doc.databases.map((d) => (d as Record<string, Bson>).name).filter(Boolean);
        const evidence =
          `listDatabases without credentials returned ok:1 with ${names.length} databases (${
            names.slice(0, 8).join(", ")
          })`;
        return {
          text: `VULNERABLE: ${evidence}`,
          data: { databases: names },
          vulnerable: {
            state: "VULNERABLE",
            title: "MongoDB without authentication",
            evidence,
            risk: "critical",
          },
        };
      }
      const evidence = `listDatabases refused: code ${String(doc.code)} ${
        String(doc.codeName ?? doc.errmsg ?? "")
      }`.trim();
      return {
        text: `NOT VULNERABLE: ${evidence}`,
        vulnerable: { state: "NOT VULNERABLE", title: "MongoDB without authentication", evidence },
      };
    } finally {
      sock.close();
    }
  },
};
