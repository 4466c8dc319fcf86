/** Numbers assigned by IANA and the pcap project that the codecs share. */

/** IP protocol numbers (IANA "Assigned Internet Protocol Numbers"). */
export const IpProtocol = {
  HOPOPT: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  IPV6_NONXT: 59,
  IPV6_OPTS: 60,
  SCTP: 132,
} as const;

/** EtherType values (IEEE registry) the link decoder understands. */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  /** Pre-standard double tagging still seen on some switches. */
  QINQ_OLD: 0x9100,
} as const;

/** pcap link-layer header types (tcpdump.org LINKTYPE_ and DLT_ values). */
export const LinkType = {
  NULL: 0,
  EN10MB: 1,
  /** DLT_RAW on most systems. */
  RAW: 12,
  /** DLT_RAW on OpenBSD. */
  RAW_OPENBSD: 14,
  /** LINKTYPE_RAW as written in pcap files. */
  LINKTYPE_RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;
