/**
 * Pure packet codecs for the raw scan engine: no I/O. Decoders never throw on
 * hostile bytes (they return `undefined`); encoders throw on bad arguments.
 * @module
 */

export * from "./address.ts";
export * from "./arp.ts";
export * from "./build.ts";
export * from "./checksum.ts";
export * from "./constants.ts";
export * from "./cookie.ts";
export * from "./icmp.ts";
export * from "./icmpv6.ts";
export * from "./ipv4.ts";
export * from "./ipv6.ts";
export * from "./link.ts";
export * from "./pcap_file.ts";
export * from "./quoted.ts";
export * from "./tcp.ts";
export * from "./udp.ts";
