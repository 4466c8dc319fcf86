import assert from "node:assert/strict";
import { formatNdjson, NDJSON_SCHEMA_ID, NdjsonWriter } from "./ndjson.ts";
import { foldEvents } from "./report.ts";
import type { ScanEvent } from "../engine/events.ts";
import {
  basicEvents,
  meta,
  mixedPartialEvents,
  multiHostEvents,
  STUB_SERVICES,
  T0,
} from "../tests/golden/fixtures.ts";

const UPDATE = Deno.env.get("UPDATE_GOLDEN") === "1";

/** Compares `actual` with tests/golden/`name`; with UPDATE_GOLDEN=1 rewrites the file instead. */
async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`../tests/golden/${name}`, import.meta.url);
  if (UPDATE) {
    await Deno.writeTextFile(url, actual);
    return;
  }
  assert.equal(actual, await Deno.readTextFile(url));
}

/** A clock that ticks one millisecond per reading, from T0 + 1000. */
function fakeClock(): () => number {
  let t = T0 + 1000;
  return () => t++;
}

const goldens: Array<[string, () => ScanEvent[], string[]]> = [
  ["events_basic.ndjson", basicEvents, ["-sT", "-p", "20-30", "127.0.0.1"]],
  ["events_multi_host.ndjson", multiHostEvents, ["-p", "20-22,40022", "127.0.0.1-3"]],
  ["events_partial.ndjson", mixedPartialEvents, ["-sS", "-sU", "--max-rate", "10", "::1"]],
];

for (const [name, events, args] of goldens) {
  Deno.test(`formatNdjson matches golden ${name}`, async () => {
    await assertGolden(
      name,
      formatNdjson(events(), { args, version: "0.1.0" }, { now: fakeClock() }),
    );
  });
}

Deno.test("NdjsonWriter writes a scan line, then one line per event, each newline-terminated", () => {
  const lines: string[] = [];
  const writer = new NdjsonWriter((l) => lines.push(l), { args: ["-p", "22"], version: "0.1.0" }, {
    now: () => 42,
  });
  assert.equal(lines.length, 0, "nothing is written before the first event");
  const events = basicEvents();
  for (const event of events) writer.write(event);
  assert.equal(lines.length, events.length + 1);
  for (const l of lines) {
    assert.ok(l.endsWith("\n") && !l.slice(0, -1).includes("\n"), JSON.stringify(l));
  }
  const parsed = lines.map((l) => JSON.parse(l));
  assert.deepEqual(parsed[0], {
    schema: NDJSON_SCHEMA_ID,
    type: "scan",
    time: T0,
    version: "0.1.0",
    args: ["-p", "22"],
  });
  assert.ok(parsed.every((p) => p.schema === "portolan/events/1"));
  assert.deepEqual(parsed.slice(1).map((p) => p.type), events.map((e) => e.type));
  // Events without a clock of their own are stamped by the writer's clock.
  assert.equal(parsed.find((p) => p.type === "port").time, 42);
  assert.equal(parsed.at(-1).time, T0 + 60);
});

Deno.test("NDJSON lines carry every event field, so the stream folds into the same report", () => {
  for (const events of [basicEvents(), multiHostEvents(), mixedPartialEvents()]) {
    const text = formatNdjson(events, { args: [], version: "0.1.0" }, { now: () => 0 });
    const back = text.trimEnd().split("\n").map((l) => JSON.parse(l))
      .filter((p) => p.type !== "scan")
      .map(({ schema: _schema, time, ...rest }) =>
        rest.type === "start" || rest.type === "end" ? { ...rest, time } : rest
      ) as ScanEvent[];
    assert.deepEqual(back, events);
    const options = { serviceName: STUB_SERVICES };
    assert.deepEqual(foldEvents(back, meta([]), options), foldEvents(events, meta([]), options));
  }
});

Deno.test("NDJSON leaves out absent optional fields and fields outside the contract", () => {
  const event = {
    type: "host",
    address: "127.0.0.1",
    status: "down",
    reason: "no-response",
    hostname: undefined,
    secret: "internal",
  } as unknown as ScanEvent;
  const text = formatNdjson([event], { args: [], version: "0.1.0" }, { now: () => 7 });
  assert.equal(
    text.split("\n")[1],
    '{"schema":"portolan/events/1","type":"host","time":7,"address":"127.0.0.1","status":"down","reason":"no-response"}',
  );
});

Deno.test("NDJSON writes service events and reply fingerprints in the documented order", () => {
  const events: ScanEvent[] = [
    {
      type: "port",
      address: "127.0.0.1",
      protocol: "tcp",
      port: 22,
      state: "open",
      reason: "syn-ack",
      fingerprint: {
        options: "M,S,T,N,W",
        df: true,
        ipId: 0,
        ttl: 64,
        window: 65483,
        mss: 65495,
        windowScale: 7,
        sackPermitted: true,
        timestamps: true,
      },
    },
    {
      type: "service",
      confidence: 10,
      cpe: ["cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"],
      address: "127.0.0.1",
      protocol: "tcp",
      port: 22,
      name: "ssh",
      product: "OpenSSH",
      method: "probed",
    },
  ];
  const lines = formatNdjson(events, { args: [], version: "0.1.0" }, { now: () => 1 })
    .trimEnd().split("\n");
  assert.equal(
    lines[1],
    '{"schema":"portolan/events/1","type":"port","time":1,"address":"127.0.0.1","protocol":"tcp",' +
      '"port":22,"state":"open","reason":"syn-ack","fingerprint":{"ttl":64,"window":65483,' +
      '"mss":65495,"windowScale":7,"sackPermitted":true,"timestamps":true,"options":"M,S,T,N,W",' +
      '"df":true,"ipId":0}}',
  );
  assert.equal(
    lines[2],
    '{"schema":"portolan/events/1","type":"service","time":1,"address":"127.0.0.1",' +
      '"protocol":"tcp","port":22,"name":"ssh","product":"OpenSSH",' +
      '"cpe":["cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"],"confidence":10}',
  );
});
