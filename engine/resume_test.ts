import assert from "node:assert/strict";
import type { ScanEvent } from "./events.ts";
import {
  formatPortList,
  parsePortList,
  parseResumeFile,
  resumePathFor,
  ResumeRecorder,
  resumeState,
} from "./resume.ts";
import { ReportBuilder } from "../output/report.ts";
import { UsageError } from "../cli/errors.ts";

const META = { args: ["-p", "1-100", "127.0.0.1"], version: "0.1.0", scanType: "-sS" };
const FP = {
  ttl: 64,
  window: 65495,
  mss: 65495,
  sackPermitted: true,
  timestamps: true,
  options: "M,S,T,N,W",
  df: true,
  ipId: 0,
};

/** An interrupted scan: one finished host, one half-scanned, one down. */
function interrupted(): ScanEvent[] {
  const events: ScanEvent[] = [
    { type: "start", time: 1000, scanType: "syn", ports: { tcp: 100, udp: 0 }, hosts: 4 },
    { type: "host", address: "127.0.0.1", status: "up", reason: "localhost-response" },
    { type: "host", address: "127.0.0.2", status: "up", reason: "user-set", latencyMs: 0.2 },
    { type: "host", address: "127.0.0.3", status: "down", reason: "no-response" },
    { type: "warning", message: "something to know" },
  ];
  for (let port = 1; port <= 100; port++) {
    events.push({
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port,
      state: port === 22 || port === 80 ? "open" : port > 90 ? "filtered" : "closed",
      reason: port === 22 || port === 80 ? "syn-ack" : port > 90 ? "no-response" : "reset",
      ...(port <= 90 ? { reasonTtl: 64, fingerprint: FP } : {}),
      ...(port === 22 ? { rttMs: 0.5 } : {}),
    });
  }
  events.push({ type: "host-done", address: "127.0.0.1", timedOut: false });
  for (const port of [5, 6, 7, 50]) {
    events.push({
      type: "port",
      address: "127.0.0.2",
      protocol: "tcp",
      port,
      state: port === 50 ? "open" : "closed",
      reason: port === 50 ? "syn-ack" : "reset",
    });
  }
  events.push({
    type: "service",
    address: "127.0.0.1",
    protocol: "tcp",
    port: 22,
    name: "ssh",
    product: "OpenSSH",
    cpe: [],
    method: "probed",
    confidence: 10,
  });
  events.push({ type: "end", time: 2000, partial: true });
  return events;
}

function fold(events: ScanEvent[]) {
  const builder = new ReportBuilder(META);
  for (const e of events) builder.add(e);
  return builder.build();
}

Deno.test("port lists round-trip as ranges", () => {
  assert.equal(formatPortList([5, 1, 2, 3, 7, 8, 65535]), "1-3,5,7-8,65535");
  assert.equal(formatPortList([]), "");
  assert.deepEqual(parsePortList("1-3,5,7-8"), [1, 2, 3, 5, 7, 8]);
  assert.deepEqual(parsePortList(""), []);
  assert.throws(() => parsePortList("3-1"));
  assert.throws(() => parsePortList("70000"));
  assert.throws(() => parsePortList("1,,2"));
});

Deno.test("a resume file replays to the same report and skips what is settled", () => {
  const events = interrupted();
  const recorder = new ResumeRecorder();
  for (const e of events) recorder.add(e);
  const original = fold(events);
  const file = recorder.file(original, { argv: META.args, seed: 42, version: "0.1.0" });
  // Through JSON, as on disk.
  const state = resumeState(parseResumeFile(JSON.stringify(file), "x.json"));

  const start = events[0];
  const end: ScanEvent = { type: "end", time: 3000, partial: false };
  const replayed = fold([start, ...state.events, end]);
  const strip = (r: ReturnType<typeof fold>) =>
    r.hosts.map((h) => ({
      ...h,
      ports: h.ports.map((p) => (p.state === "open" ? p : { ...p, rttMs: undefined })),
    }));
  assert.deepEqual(strip(replayed), strip(original));
  assert.deepEqual(replayed.warnings, original.warnings);
  // Open ports keep their round-trip time and version information.
  const ssh = replayed.hosts[0].ports.find((p) => p.port === 22)!;
  assert.equal(ssh.rttMs, 0.5);
  assert.equal(ssh.serviceInfo?.product, "OpenSSH");
  // Closed ports travel as ranges: the file stays small.
  assert.ok(file.hosts[0].runs.some((r) => r.ports === "1-21,23-79,81-90"));

  assert.equal(state.skip.host("127.0.0.1"), true);
  assert.equal(state.skip.host("127.0.0.2"), false, "half-scanned host is not finished");
  assert.equal(state.skip.host("127.0.0.3"), true, "down host is finished");
  assert.equal(state.skip.host("127.0.0.4"), false, "unseen host is not finished");
  assert.equal(state.skip.port("127.0.0.2", "tcp", 6), true);
  assert.equal(state.skip.port("127.0.0.2", "tcp", 8), false);
  assert.equal(state.skip.port("127.0.0.2", "udp", 6), false);
  assert.equal(state.fingerprints.get("127.0.0.1")?.length, 32);
});

Deno.test("the resume file goes beside the first output file", () => {
  assert.equal(resumePathFor([undefined, "out/scan.json"]), "out/scan.resume.json");
  assert.equal(resumePathFor(["-", "scan.nmap", "x.json"]), "scan.resume.json");
  assert.equal(resumePathFor(["dir.v1/scan"]), "dir.v1/scan.resume.json");
  assert.equal(resumePathFor([undefined, "-"]), "portolan.resume.json");
});

Deno.test("parseResumeFile refuses what is not a resume file", () => {
  assert.throws(() => parseResumeFile("{", "a"), UsageError);
  assert.throws(() => parseResumeFile('{"schema":"portolan/report/1"}', "a"), /not a resume file/);
  assert.throws(
    () => parseResumeFile('{"schema":"portolan/resume/1","argv":[1],"seed":1}', "a"),
    /damaged/,
  );
  const good = {
    schema: "portolan/resume/1",
    version: "0.1.0",
    argv: [],
    seed: 1,
    startedAt: 0,
    savedAt: 0,
    warnings: [],
    hosts: [{
      address: "127.0.0.1",
      status: "up",
      reason: "x",
      finished: false,
      timedOut: false,
      ports: [],
      runs: [{ protocol: "tcp", state: "closed", reason: "reset", ports: "9-1" }],
    }],
  };
  assert.throws(() => parseResumeFile(JSON.stringify(good), "a"), /damaged/);
});
