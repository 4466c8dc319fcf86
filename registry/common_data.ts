/**
 * Portolan's own curated service entries. They take precedence over the IANA rows in
 * `ports_data.ts`. Sources (see registry/PROVENANCE.md):
 * - `SEED_SERVICES`: the "Common Ports and Their Uses" table of the project brief, one entry per
 *   port, with the transport protocols the service actually runs on (our knowledge of the
 *   protocols, not part of the table). Names are IANA's where IANA registers that service on
 *   that port, else a plain name for the service the table names.
 * - `EXTRA_SERVICES`: well-known services on ports IANA has not assigned, plus corrections
 *   where the generated data would show a later alias instead of the first registration.
 */
import type { Protocol } from "../engine/events.ts";

/** One curated service entry. */
export interface CuratedService {
  /** Port number. */
  port: number;
  /** Transport protocols the service runs on. */
  protocols: readonly Protocol[];
  /** Service name shown in the SERVICE column. */
  name: string;
  /** What the service is used for. */
  usage: string;
}

const TCP: readonly Protocol[] = ["tcp"];
const UDP: readonly Protocol[] = ["udp"];
const BOTH: readonly Protocol[] = ["tcp", "udp"];

/** The seed table's ports, their service names and the seed's usage text. */
export const SEED_SERVICES: readonly CuratedService[] = [
  { port: 20, protocols: TCP, name: "ftp-data", usage: "File transfers" },
  { port: 21, protocols: TCP, name: "ftp", usage: "File transfers" },
  { port: 22, protocols: TCP, name: "ssh", usage: "Secure remote login" },
  { port: 23, protocols: TCP, name: "telnet", usage: "Remote login (not secure)" },
  { port: 25, protocols: TCP, name: "smtp", usage: "Sending emails" },
  { port: 53, protocols: BOTH, name: "domain", usage: "Converts website names to IPs" },
  { port: 67, protocols: UDP, name: "bootps", usage: "Assigns IP addresses" },
  { port: 68, protocols: UDP, name: "bootpc", usage: "Assigns IP addresses" },
  { port: 80, protocols: TCP, name: "http", usage: "Websites (not secure)" },
  { port: 110, protocols: TCP, name: "pop3", usage: "Receiving emails" },
  { port: 123, protocols: UDP, name: "ntp", usage: "Syncing time" },
  { port: 135, protocols: BOTH, name: "epmap", usage: "Microsoft Remote Procedure Call" },
  { port: 137, protocols: UDP, name: "netbios-ns", usage: "Windows file sharing" },
  { port: 138, protocols: UDP, name: "netbios-dgm", usage: "Windows file sharing" },
  { port: 139, protocols: TCP, name: "netbios-ssn", usage: "Windows file sharing" },
  { port: 143, protocols: TCP, name: "imap", usage: "Receiving emails (better than POP3)" },
  { port: 161, protocols: UDP, name: "snmp", usage: "Network monitoring" },
  { port: 162, protocols: UDP, name: "snmptrap", usage: "Network monitoring" },
  {
    port: 389,
    protocols: BOTH,
    name: "ldap",
    usage: "Directory services (e.g., Active Directory)",
  },
  // HTTP/3 (QUIC) serves secure websites over UDP 443.
  { port: 443, protocols: BOTH, name: "https", usage: "Secure websites" },
  { port: 445, protocols: TCP, name: "microsoft-ds", usage: "Windows file sharing" },
  { port: 465, protocols: TCP, name: "submissions", usage: "Secure email sending" },
  { port: 587, protocols: TCP, name: "submission", usage: "Secure email sending" },
  { port: 993, protocols: TCP, name: "imaps", usage: "Secure email receiving" },
  { port: 995, protocols: TCP, name: "pop3s", usage: "Secure POP3 email" },
  { port: 1433, protocols: TCP, name: "ms-sql-s", usage: "Microsoft database" },
  // The SQL Server Browser answers on UDP 1434.
  { port: 1434, protocols: UDP, name: "ms-sql-m", usage: "Microsoft database" },
  // IANA has 1521 as ncube-lm; the Oracle listener is what users meet there.
  { port: 1521, protocols: TCP, name: "oracle", usage: "Oracle database" },
  { port: 3306, protocols: TCP, name: "mysql", usage: "MySQL database" },
  // IANA has 3307 as opsession-prxy; the seed documents MySQL clustering.
  { port: 3307, protocols: TCP, name: "mysql-cluster", usage: "MySQL database clustering" },
  // RDP 8+ adds a UDP transport on the same port.
  { port: 3389, protocols: BOTH, name: "ms-wbt-server", usage: "Remote Desktop" },
  { port: 5353, protocols: UDP, name: "mdns", usage: "Multicast DNS (local network discovery)" },
  // RFB is the protocol VNC speaks; IANA registers it under that name.
  { port: 5900, protocols: TCP, name: "rfb", usage: "Remote access" },
  { port: 8080, protocols: TCP, name: "http-alt", usage: "Alternative web traffic" },
  // IANA has 8443 as pcsync-https; users meet HTTPS alternates there.
  { port: 8443, protocols: TCP, name: "https-alt", usage: "Secure web traffic alternative" },
  { port: 1812, protocols: UDP, name: "radius", usage: "Authentication for networks" },
  { port: 1813, protocols: UDP, name: "radius-acct", usage: "Authentication for networks" },
  { port: 5060, protocols: BOTH, name: "sip", usage: "Voice calls over the internet (VoIP)" },
  { port: 5061, protocols: TCP, name: "sips", usage: "Voice calls over the internet (VoIP)" },
  { port: 1723, protocols: TCP, name: "pptp", usage: "VPN connection" },
  // IANA lists shilp before nfs on 2049; NFS is what runs there.
  { port: 2049, protocols: BOTH, name: "nfs", usage: "File sharing between computers" },
  {
    port: 25565,
    protocols: TCP,
    name: "minecraft",
    usage: "Multiplayer gaming server (Minecraft)",
  },
  { port: 5432, protocols: TCP, name: "postgresql", usage: "PostgreSQL database" },
  { port: 5985, protocols: TCP, name: "wsman", usage: "Remote management for Windows" },
  { port: 5986, protocols: TCP, name: "wsmans", usage: "Remote management for Windows" },
  { port: 6379, protocols: TCP, name: "redis", usage: "Fast database/cache" },
  // IANA has 9000 as cslistener; PHP-FPM's default listener is what users meet there.
  { port: 9000, protocols: TCP, name: "php-fpm", usage: "Running PHP applications" },
  // IANA has 9200 as wap-wsp; Elasticsearch's HTTP API is what users meet there.
  { port: 9200, protocols: TCP, name: "elasticsearch", usage: "Search engine service" },
  { port: 11211, protocols: BOTH, name: "memcache", usage: "High-performance caching system" },
];

/** Well-known services on ports without an IANA assignment, and first-name corrections. */
export const EXTRA_SERVICES: readonly CuratedService[] = [
  // IANA registered ipp first on 631/tcp; ipps was added later on the same port.
  { port: 631, protocols: TCP, name: "ipp", usage: "Internet Printing Protocol" },
  { port: 5938, protocols: BOTH, name: "teamviewer", usage: "TeamViewer remote control" },
  { port: 6881, protocols: BOTH, name: "bittorrent", usage: "BitTorrent peer traffic" },
  { port: 8291, protocols: TCP, name: "winbox", usage: "MikroTik RouterOS Winbox management" },
  { port: 9042, protocols: TCP, name: "cassandra", usage: "Apache Cassandra CQL native protocol" },
  { port: 10250, protocols: TCP, name: "kubelet", usage: "Kubernetes kubelet API" },
  { port: 15672, protocols: TCP, name: "rabbitmq-mgmt", usage: "RabbitMQ management web UI" },
  { port: 19132, protocols: UDP, name: "minecraft-be", usage: "Minecraft Bedrock Edition server" },
  { port: 27015, protocols: BOTH, name: "srcds", usage: "Source engine game server" },
  { port: 51820, protocols: UDP, name: "wireguard", usage: "WireGuard VPN" },
];
