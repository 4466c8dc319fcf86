/**
 * Classic pcap file format (not pcapng): a reader for test fixtures and offline
 * analysis, and a writer for saving captures. Both byte orders and both
 * timestamp resolutions (microsecond 0xa1b2c3d4, nanosecond 0xa1b23c4d) are read.
 */

/** One captured packet. */
export interface PcapRecord {
  /** Seconds since the epoch. */
  seconds: number;
  /** Fraction of the second, in the file's unit (see {@link PcapFile.nanosecond}). */
  fraction: number;
  /** Bytes on the wire; `data` may be shorter (snap length). */
  originalLength: number;
  data: Uint8Array;
}

/** A parsed pcap file. */
export interface PcapFile {
  linkType: number;
  snapLength: number;
  /** True when `fraction` is nanoseconds rather than microseconds. */
  nanosecond: boolean;
  bigEndian: boolean;
  records: PcapRecord[];
  /** True when the file ended inside a record (the partial record is dropped). */
  truncated: boolean;
}

const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;

/**
 * Parse a classic pcap file. Returns `undefined` when the global header is
 * missing or its magic is unknown (pcapng included).
 */
export function readPcap(bytes: Uint8Array): PcapFile | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let littleEndian: boolean;
  let nanosecond: boolean;
  const magicLe = view.getUint32(0, true);
  const magicBe = view.getUint32(0, false);
  if (magicLe === MAGIC_US || magicLe === MAGIC_NS) {
    littleEndian = true;
    nanosecond = magicLe === MAGIC_NS;
  } else if (magicBe === MAGIC_US || magicBe === MAGIC_NS) {
    littleEndian = false;
    nanosecond = magicBe === MAGIC_NS;
  } else {
    return undefined;
  }
  const snapLength = view.getUint32(16, littleEndian);
  // The top bits of the link-type field carry FCS information (pcap-savefile(5)).
  const linkType = view.getUint32(20, littleEndian) & 0x0fffffff;
  const records: PcapRecord[] = [];
  let off = 24;
  let truncated = false;
  while (off < bytes.length) {
    if (off + 16 > bytes.length) {
      truncated = true;
      break;
    }
    const caplen = view.getUint32(off + 8, littleEndian);
    if (off + 16 + caplen > bytes.length) {
      truncated = true;
      break;
    }
    records.push({
      seconds: view.getUint32(off, littleEndian),
      fraction: view.getUint32(off + 4, littleEndian),
      originalLength: view.getUint32(off + 12, littleEndian),
      data: bytes.subarray(off + 16, off + 16 + caplen),
    });
    off += 16 + caplen;
  }
  return { linkType, snapLength, nanosecond, bigEndian: !littleEndian, records, truncated };
}

/**
 * Serialise records as a little-endian, microsecond-resolution classic pcap file.
 * Records longer than the snap length are cut to it.
 */
export function writePcap(
  records: ReadonlyArray<{ data: Uint8Array; seconds?: number; fraction?: number }>,
  options: { linkType: number; snapLength?: number },
): Uint8Array {
  const snap = options.snapLength ?? 262144;
  let size = 24;
  for (const r of records) size += 16 + Math.min(r.data.length, snap);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC_US, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snap, true);
  view.setUint32(20, options.linkType, true);
  let off = 24;
  for (const r of records) {
    const caplen = Math.min(r.data.length, snap);
    view.setUint32(off, r.seconds ?? 0, true);
    view.setUint32(off + 4, r.fraction ?? 0, true);
    view.setUint32(off + 8, caplen, true);
    view.setUint32(off + 12, r.data.length, true);
    out.set(r.data.subarray(0, caplen), off + 16);
    off += 16 + caplen;
  }
  return out;
}
