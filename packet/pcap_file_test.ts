import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { readPcap, writePcap } from "./pcap_file.ts";
import { readFixture } from "./testdata/vectors.ts";

Deno.test("write then read round trip, with snap length", () => {
  const records = [
    { data: new Uint8Array([1, 2, 3]), seconds: 10, fraction: 20 },
    { data: new Uint8Array(100).fill(7), seconds: 11, fraction: 999999 },
  ];
  const file = readPcap(writePcap(records, { linkType: 1, snapLength: 50 }));
  ok(file);
  equal(file.linkType, 1);
  equal(file.snapLength, 50);
  equal(file.nanosecond, false);
  equal(file.records.length, 2);
  deepStrictEqual(file.records[0].data, new Uint8Array([1, 2, 3]));
  equal(file.records[1].data.length, 50);
  equal(file.records[1].originalLength, 100);
  equal(file.records[1].fraction, 999999);
});

Deno.test("big-endian and nanosecond files read the same", async () => {
  const le = readPcap(await readFixture("lo_en10mb.pcap"));
  ok(le && !le.bigEndian && le.records.length > 0);
  // Rewrite the fixture big-endian with the nanosecond magic by swapping each field.
  const src = await readFixture("lo_en10mb.pcap");
  const out = new Uint8Array(src.length);
  const from = new DataView(src.buffer, src.byteOffset);
  const to = new DataView(out.buffer);
  to.setUint32(0, 0xa1b23c4d, false);
  to.setUint16(4, from.getUint16(4, true), false);
  to.setUint16(6, from.getUint16(6, true), false);
  for (const o of [8, 12, 16, 20]) to.setUint32(o, from.getUint32(o, true), false);
  let off = 24;
  while (off < src.length) {
    for (let k = 0; k < 16; k += 4) to.setUint32(off + k, from.getUint32(off + k, true), false);
    const caplen = from.getUint32(off + 8, true);
    out.set(src.subarray(off + 16, off + 16 + caplen), off + 16);
    off += 16 + caplen;
  }
  const be = readPcap(out);
  ok(be?.bigEndian && be.nanosecond);
  equal(be.linkType, le.linkType);
  deepStrictEqual(be.records.map((r) => r.data), le.records.map((r) => r.data));
});

Deno.test("truncated and foreign files", () => {
  const file = writePcap([{ data: new Uint8Array(40) }], { linkType: 113 });
  const cut = readPcap(file.subarray(0, file.length - 5));
  ok(cut?.truncated);
  equal(cut.records.length, 0);
  equal(readPcap(new Uint8Array(10)), undefined);
  // A pcapng section header block is not classic pcap.
  const ng = new Uint8Array(28);
  new DataView(ng.buffer).setUint32(0, 0x0a0d0d0a, true);
  equal(readPcap(ng), undefined);
});
