import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import {
  decodeTcp,
  decodeTcpOptions,
  TCP_ACK,
  TCP_NS,
  TCP_SYN,
  tcpFlagsToString,
  type TcpOption,
  tcpOptionsLength,
  writeTcp,
  writeTcpOptions,
} from "./tcp.ts";
import { transportChecksum } from "./checksum.ts";
import { addressBytes } from "./address.ts";

function opts(bytes: number[]) {
  return decodeTcpOptions(new Uint8Array(bytes), { start: 0, end: bytes.length });
}

Deno.test("options round trip in order, padded with EOL", () => {
  const list: TcpOption[] = [
    { kind: "mss", value: 1400 },
    { kind: "nop" },
    { kind: "wscale", shift: 14 },
    { kind: "sackPermitted" },
    { kind: "timestamp", value: 0xffffffff, echo: 1 },
    { kind: "sack", blocks: [[10, 20]] },
  ];
  equal(tcpOptionsLength(list), 32);
  const buf = new Uint8Array(32).fill(0xaa);
  equal(writeTcpOptions(buf, list), 32);
  equal(buf[31], 0);
  const decoded = opts([...buf]);
  deepStrictEqual(decoded.options, [...list, { kind: "eol" }]);
  equal(decoded.malformed, false);
  throws(
    () => writeTcpOptions(new Uint8Array(64), Array(11).fill({ kind: "mss", value: 1 })),
    RangeError,
  );
});

Deno.test("hostile options: zero length, running off the end, wrong sizes", () => {
  deepStrictEqual(opts([2, 0, 1, 1]), { options: [], malformed: true });
  deepStrictEqual(opts([1, 2, 1]), { options: [{ kind: "nop" }], malformed: true });
  deepStrictEqual(opts([1, 8, 10, 0, 0]), { options: [{ kind: "nop" }], malformed: true });
  deepStrictEqual(opts([3]), { options: [], malformed: true });
  // MSS with length 3 is kept raw rather than misread.
  deepStrictEqual(opts([2, 3, 9]).options, [{
    kind: "unknown",
    code: 2,
    data: new Uint8Array([9]),
  }]);
  deepStrictEqual(opts([5, 6, 0, 0, 0, 1]).options[0].kind, "unknown");
  // Nothing is read after EOL.
  deepStrictEqual(opts([0, 2, 4]).options, [{ kind: "eol" }]);
});

Deno.test("header decode: data offset checks and the NS bit", () => {
  const seg = new Uint8Array(24);
  const len = writeTcp(seg, {
    srcPort: 1,
    dstPort: 2,
    seq: 3,
    flags: TCP_SYN | TCP_ACK | TCP_NS,
    options: [{ kind: "mss", value: 536 }],
  });
  equal(len, 24);
  const h = decodeTcp(seg);
  equal(h?.flags, TCP_SYN | TCP_ACK | TCP_NS);
  equal(tcpFlagsToString(h!.flags), "SAN");
  deepStrictEqual(h?.options, [{ kind: "mss", value: 536 }]);
  equal(decodeTcp(seg.subarray(0, 23)), undefined, "header longer than buffer");
  equal(decodeTcp(seg, { end: 22 }), undefined, "header longer than end");
  const bad = seg.slice();
  bad[12] = 0x40; // data offset 4 < 5
  equal(decodeTcp(bad), undefined);
  equal(decodeTcp(seg, { offset: 5 }), undefined);
});

Deno.test("checksum over the pseudo-header verifies to zero", () => {
  const seg = new Uint8Array(23);
  writeTcp(seg, {
    srcPort: 9,
    dstPort: 10,
    seq: 1,
    flags: TCP_SYN,
    payload: new Uint8Array([1, 2, 3]),
  }, {
    src: "::1",
    dst: "::2",
  });
  equal(
    transportChecksum(seg, { src: addressBytes("::1"), dst: addressBytes("::2"), protocol: 6 }),
    0,
  );
  ok(
    transportChecksum(seg, { src: addressBytes("::1"), dst: addressBytes("::3"), protocol: 6 }) !==
      0,
  );
});
