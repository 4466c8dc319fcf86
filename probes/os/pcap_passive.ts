/**
 * `--os-passive FILE.pcap`: passive OS hints for every host seen in a capture.
 *
 * A host is fingerprinted from what its own stack sent: SYN-ACKs (as a server), SYNs (as a
 * client) and RSTs that answer a SYN in the same capture (a closed port). Other segments
 * carry too little: their options are not the handshake's, and their window has moved.
 */

import { fingerprintOf } from "../../engine/raw/technique.ts";
import { decodeFrame } from "../../packet/link.ts";
import { readPcap } from "../../packet/pcap_file.ts";
import { TCP_ACK, TCP_RST, TCP_SYN } from "../../packet/tcp.ts";
import { type PassiveHint, passiveOsHint, type PassiveSample } from "./passive.ts";

/** Most distinct samples kept per host: more add no information and cost time. */
const MAX_SAMPLES_PER_HOST = 64;

/** What a capture showed about each host, before matching. */
export interface PcapSamples {
  /** Samples by host address, in first-seen order. */
  hosts: Map<string, PassiveSample[]>;
  /** Records that were not IP/TCP or could not be decoded. */
  skipped: number;
}

function sampleKey(s: PassiveSample): string {
  // The IP id changes per packet; whether it is zero is the part that fingerprints, and only
  // for SYN-ACKs and RSTs (a client's SYN takes its socket's counter).
  const zeroId = s.kind === "syn" ? "" : s.ipId === 0;
  return [s.kind, s.ttl, s.window, s.mss, s.windowScale, s.options, s.df, zeroId].join("|");
}

/**
 * Collect the handshake packets of a classic pcap file by sending host.
 * @throws {TypeError} when the bytes are not a classic pcap file (pcapng included).
 */
export function collectPcapSamples(bytes: Uint8Array): PcapSamples {
  const file = readPcap(bytes);
  if (!file) throw new TypeError("not a classic pcap file (pcapng is not supported)");
  const hosts = new Map<string, PassiveSample[]>();
  const seen = new Map<string, Set<string>>();
  // Connections a SYN opened, keyed as the answer's (src, sport, dst, dport) will be.
  const opened = new Set<string>();
  let skipped = 0;
  for (const record of file.records) {
    const packet = decodeFrame(file.linkType, record.data);
    const tcp = packet?.tcp;
    if (!packet || !tcp) {
      skipped++;
      continue;
    }
    const { src, dst } = packet.ip;
    const syn = (tcp.flags & TCP_SYN) !== 0;
    const ack = (tcp.flags & TCP_ACK) !== 0;
    const rst = (tcp.flags & TCP_RST) !== 0;
    let kind: PassiveSample["kind"];
    if (syn && !rst) {
      kind = ack ? "syn-ack" : "syn";
      if (!ack) opened.add(`${dst}|${tcp.dstPort}|${src}|${tcp.srcPort}`);
    } else if (rst && opened.has(`${src}|${tcp.srcPort}|${dst}|${tcp.dstPort}`)) {
      kind = "rst";
    } else {
      continue;
    }
    const sample: PassiveSample = {
      ...fingerprintOf(packet, tcp),
      kind,
      ipVersion: packet.ip.version,
    };
    let keys = seen.get(src);
    if (!keys) {
      keys = new Set();
      seen.set(src, keys);
      hosts.set(src, []);
    }
    const key = sampleKey(sample);
    if (keys.has(key) || keys.size >= MAX_SAMPLES_PER_HOST) continue;
    keys.add(key);
    hosts.get(src)!.push(sample);
  }
  return { hosts, skipped };
}

/**
 * Passive OS hints for every host that sent a SYN, SYN-ACK or answering RST in the capture.
 * Hosts no signature fits are left out.
 * @throws {TypeError} when the bytes are not a classic pcap file.
 * @example
 * const hints = passiveFromPcap(await Deno.readFile("capture.pcap"));
 * for (const [host, hint] of hints) console.log(host, formatPassiveHint(hint));
 */
export function passiveFromPcap(bytes: Uint8Array): Map<string, PassiveHint> {
  const out = new Map<string, PassiveHint>();
  for (const [host, samples] of collectPcapSamples(bytes).hosts) {
    const hint = passiveOsHint(samples);
    if (hint) out.set(host, hint);
  }
  return out;
}
