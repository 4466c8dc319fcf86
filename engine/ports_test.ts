import { deepStrictEqual, equal, throws } from "node:assert/strict";
import { UsageError } from "../cli/errors.ts";
import { parsePortSpec, type PortProtocol, type PortSpecOptions, subtractPorts } from "./ports.ts";

/** A small fake registry: names and globs answered from a table, per protocol. */
const table: Record<PortProtocol, Record<string, number[]>> = {
  tcp: { http: [80], https: [443], "http-alt": [8080], ssh: [22], domain: [53] },
  udp: { domain: [53], snmp: [161] },
};
function resolveName(name: string, protocol: PortProtocol): number[] {
  const pattern = new RegExp(
    "^" + name.replace(/[.+]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$",
    "i",
  );
  return Object.entries(table[protocol]).filter(([key]) => pattern.test(key)).flatMap((e) => e[1]);
}
const opts: PortSpecOptions = { resolveName };
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

function usage(spec: string, message: RegExp, options: PortSpecOptions = opts) {
  throws(() => parsePortSpec(spec, options), (error: unknown) => {
    equal(error instanceof UsageError, true, `expected UsageError for ${spec}`);
    const text = (error as Error).message;
    equal(message.test(text), true, `message "${text}" for "${spec}" does not match ${message}`);
    equal(text.includes("\n"), false);
    return true;
  });
}

Deno.test("single ports, lists and ranges are sorted and unique", () => {
  deepStrictEqual(parsePortSpec("22", opts), { tcp: [22], udp: [] });
  deepStrictEqual(parsePortSpec("443,22,80,22", opts), { tcp: [22, 80, 443], udp: [] });
  deepStrictEqual(parsePortSpec("20-25,23,1", opts), { tcp: [1, ...range(20, 25)], udp: [] });
  deepStrictEqual(parsePortSpec(" 80 , 443 ", opts), { tcp: [80, 443], udp: [] });
  deepStrictEqual(parsePortSpec("7-7", opts), { tcp: [7], udp: [] });
});

Deno.test("open-ended ranges: '-' is 1-65535, '-B' from 1, 'A-' to 65535, 0 only when written", () => {
  deepStrictEqual(parsePortSpec("-", opts).tcp, range(1, 65535));
  deepStrictEqual(parsePortSpec("-5", opts).tcp, [1, 2, 3, 4, 5]);
  deepStrictEqual(parsePortSpec("65530-", opts).tcp, range(65530, 65535));
  deepStrictEqual(parsePortSpec("0-", opts).tcp, range(0, 65535));
  deepStrictEqual(parsePortSpec("0", opts).tcp, [0]);
  deepStrictEqual(parsePortSpec("0-2", opts).tcp, [0, 1, 2]);
  deepStrictEqual(parsePortSpec("65535", opts).tcp, [65535]);
});

Deno.test("T: and U: switch the protocol for the items that follow", () => {
  deepStrictEqual(parsePortSpec("U:53,111,T:21-25,80", opts), {
    tcp: [21, 22, 23, 24, 25, 80],
    udp: [53, 111],
  });
  deepStrictEqual(parsePortSpec("22,U:53", opts), { tcp: [22], udp: [53] });
  deepStrictEqual(parsePortSpec("t:22,u:53", opts), { tcp: [22], udp: [53] });
  deepStrictEqual(parsePortSpec("U:-3", opts), { tcp: [], udp: [1, 2, 3] });
});

Deno.test("unprefixed items go to every default protocol", () => {
  const both: PortSpecOptions = { resolveName, defaultProtocols: ["tcp", "udp"] };
  deepStrictEqual(parsePortSpec("53,T:80", both), { tcp: [53, 80], udp: [53] });
  const udpOnly: PortSpecOptions = { resolveName, defaultProtocols: ["udp"] };
  deepStrictEqual(parsePortSpec("161", udpOnly), { tcp: [], udp: [161] });
});

Deno.test("service names and globs are resolved per protocol", () => {
  deepStrictEqual(parsePortSpec("ssh,http", opts), { tcp: [22, 80], udp: [] });
  deepStrictEqual(parsePortSpec("http*", opts), { tcp: [80, 443, 8080], udp: [] });
  deepStrictEqual(parsePortSpec("U:domain,T:domain", opts), { tcp: [53], udp: [53] });
  const both: PortSpecOptions = { resolveName, defaultProtocols: ["tcp", "udp"] };
  // snmp is known for UDP only: no error, TCP simply gets nothing from it.
  deepStrictEqual(parsePortSpec("snmp", both), { tcp: [], udp: [161] });
  usage("nosuchservice", /unknown service name "nosuchservice"/);
  usage("U:ssh", /unknown service name "ssh"/);
  usage("zz*", /unknown service name "zz\*"/);
});

Deno.test("bracketed ranges keep known ports only, and need isKnownPort", () => {
  const known: PortSpecOptions = {
    resolveName,
    isKnownPort: (
      port,
      protocol,
    ) => (table[protocol] && Object.values(table[protocol]).flat().includes(port)),
  };
  deepStrictEqual(parsePortSpec("[1-100]", known), { tcp: [22, 53, 80], udp: [] });
  deepStrictEqual(parsePortSpec("U:[-]", known), { tcp: [], udp: [53, 161] });
  usage("[1-100]", /not supported/);
  usage("[1-100", /unclosed/, known);
});

Deno.test("mistakes are one-line usage errors", () => {
  usage("70000", /^port 70000 is out of range \(0-65535\)$/);
  usage("65536", /port 65536 is out of range/);
  usage("1-70000", /port 70000 is out of range/);
  usage("99999999999999999999", /out of range/);
  usage("90-80", /port range 90-80 is backwards/);
  usage("80,,443", /empty item/);
  usage("80,", /empty item/);
  usage(",80", /empty item/);
  usage("", /empty port specification/);
  usage("T:", /empty item/);
  usage("S:80", /S: ports are not supported/);
  usage("X:80", /unknown protocol prefix/);
  usage("1-2-3", /invalid port/);
  usage("8o", /invalid port "8o"/);
  usage("-1-", /invalid port/);
  usage("80 443", /invalid port/);
});

Deno.test("subtractPorts removes per protocol and keeps order", () => {
  const all = parsePortSpec("U:53,161,T:20-25,80", opts);
  const without = subtractPorts(all, parsePortSpec("T:21-23,U:53,T:9999", opts));
  deepStrictEqual(without, { tcp: [20, 24, 25, 80], udp: [161] });
  deepStrictEqual(subtractPorts(all, { tcp: [], udp: [] }), all);
  deepStrictEqual(subtractPorts(all, all), { tcp: [], udp: [] });
});
