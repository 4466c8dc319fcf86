import { deepEqual, equal, ok } from "node:assert/strict";
import {
  extractNmapFingerprint,
  formatFingerprint,
  isPrivateIPv4,
  parseFingerprint,
  scanLine,
  wrapFingerprint,
} from "./fingerprint.ts";

// What nmap 7.93 printed with -O -d for a lab namespace running Linux 6.18 (tool output
// about our own host, used as an outside oracle of the text format).
const NMAP_OUTPUT = `Aggressive OS guesses: Something (96%)
No exact OS matches for host (If you know what OS is running on it, see https://nmap.org/submit/ ).
TCP/IP fingerprint:
OS:SCAN(V=7.93%E=4%D=11/26%OT=22%CT=1%CU=34666%PV=N%DS=1%DC=D%G=Y%M=025054%
OS:TM=6B07AD60%P=x86_64-pc-linux-gnu)SEQ(SP=103%GCD=1%ISR=109%TI=Z%CI=Z%II=
OS:I%TS=21)OPS(O1=M5B4ST11NWA%O2=M5B4ST11NWA%O3=M5B4NNT11NWA%O4=M5B4ST11NWA
OS:%O5=M5B4ST11NWA%O6=M5B4ST11)WIN(W1=FE88%W2=FE88%W3=FE88%W4=FE88%W5=FE88%
OS:W6=FE88)ECN(R=Y%DF=Y%T=40%W=FAF0%O=M5B4NNSNWA%CC=Y%Q=)T1(R=Y%DF=Y%T=40%S
OS:=O%A=S+%F=AS%RD=0%Q=)T2(R=N)T3(R=N)T4(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%R
OS:D=0%Q=)T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)T6(R=Y%DF=Y%T=40%W=
OS:0%S=A%A=Z%F=R%O=%RD=0%Q=)T7(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)U
OS:1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)IE(R=Y%DF
OS:I=N%T=40%CD=S)

Uptime guess: 0.000 days
`;

Deno.test("nmap's wrapped block is found and parsed line by line", () => {
  const block = extractNmapFingerprint(NMAP_OUTPUT)!;
  ok(block.startsWith("OS:SCAN("));
  ok(block.endsWith("CD=S)"));
  const lines = parseFingerprint(block);
  deepEqual(Object.keys(lines), [
    "SCAN",
    "SEQ",
    "OPS",
    "WIN",
    "ECN",
    "T1",
    "T2",
    "T3",
    "T4",
    "T5",
    "T6",
    "T7",
    "U1",
    "IE",
  ]);
  equal(lines.SEQ.TS, "21");
  equal(lines.OPS.O3, "M5B4NNT11NWA");
  deepEqual(lines.T2, { R: "N" });
  equal(lines.T4.O, "", "an empty value is kept");
  equal(lines.T4.RD, "0", "a value split across wrapped lines is joined");
  equal(lines.IE.DFI, "N");
  equal(lines.SCAN.P, "x86_64-pc-linux-gnu");
});

Deno.test("our flat text wraps exactly as nmap's block does", () => {
  const block = extractNmapFingerprint(NMAP_OUTPUT)!;
  const flat = formatFingerprint(parseFingerprint(block));
  equal(wrapFingerprint(flat), block);
  equal(formatFingerprint(parseFingerprint(flat)), flat);
});

Deno.test("the XML form is read too", () => {
  const xml =
    `<os><osfingerprint fingerprint="OS:SCAN(V=7.93%E=4)T2(R=N)&#xa;OS:T3(R=N)&#xa;"/></os>`;
  deepEqual(parseFingerprint(extractNmapFingerprint(xml)!), {
    SCAN: { V: "7.93", E: "4" },
    T2: { R: "N" },
    T3: { R: "N" },
  });
  equal(extractNmapFingerprint("Nmap done"), undefined);
});

Deno.test("the SCAN line", () => {
  const date = new Date(Date.UTC(2026, 10, 26, 3, 54, 40));
  const tm = (date.getTime() / 1000).toString(16).toUpperCase();
  const line = scanLine({
    version: "0.1.0",
    date,
    openTcpPort: 22,
    closedTcpPort: 1,
    closedUdpPort: 40000,
    address: "192.168.1.9",
    distance: 1,
    distanceMethod: "D",
    macPrefix: "025054",
    platform: "x86_64-linux",
  });
  equal(
    formatFingerprint({ SCAN: line }),
    `SCAN(V=0.1.0%E=4%D=11/26%OT=22%CT=1%CU=40000%PV=Y%DS=1%DC=D%G=Y%M=025054%TM=${tm}%P=x86_64-linux)`,
  );
  equal(scanLine({ version: "x", date: new Date(0), address: "8.8.8.8", platform: "p" }).G, "N");
  ok(isPrivateIPv4("172.20.1.1"));
  ok(!isPrivateIPv4("172.32.1.1"));
  ok(!isPrivateIPv4("198.18.0.10"));
});
