/**
 * The audit's knowledge, as data: what an open port of each kind means and what to do about it.
 * Written by us from the seed's advice ("close ports that are not needed; use a firewall to
 * control access; encrypt with SSH, TLS and HTTPS; use port knocking to hide important
 * services") made concrete per service.
 *
 * @module
 */

/** Risk levels, lowest first. */
export const RISKS = ["info", "low", "medium", "high", "critical"] as const;

/** One risk level. */
export type Risk = typeof RISKS[number];

/** Advice for one kind of service. */
export interface AuditRule {
  /** Service names (as -sV or the port table names them) this rule covers. */
  services: string[];
  /** Ports it covers when the service is unnamed. */
  ports?: number[];
  risk: Risk;
  /** Why an open port of this kind matters. */
  finding: string;
  recommendation: string;
}

const FIREWALL = "restrict it with a firewall to the source addresses that need it";
const NOT_NEEDED = "close it if it is not needed";
const ADMIN = "reach it only over a VPN, or hide it behind port knocking";

/** The table, most specific first; the first rule whose service or port matches wins. */
export const AUDIT_RULES: readonly AuditRule[] = [
  {
    services: ["telnet"],
    ports: [23],
    risk: "high",
    finding: "Telnet sends logins and everything typed in clear text",
    recommendation: `Replace Telnet with SSH and close port 23; ${FIREWALL} until then.`,
  },
  {
    services: ["ftp"],
    ports: [21],
    risk: "medium",
    finding: "FTP sends credentials and files in clear text",
    recommendation:
      `Replace FTP with SFTP (over SSH) or FTPS; ${NOT_NEEDED}; disable anonymous access.`,
  },
  {
    services: ["tftp"],
    ports: [69],
    risk: "high",
    finding: "TFTP has no authentication at all",
    recommendation: `Do not expose TFTP; ${FIREWALL}.`,
  },
  {
    services: ["pop3"],
    ports: [110],
    risk: "medium",
    finding: "POP3 without TLS sends mailbox passwords in clear text",
    recommendation:
      "Serve POP3S on 995 (wrap it in TLS) and close 110, or require STARTTLS before login.",
  },
  {
    services: ["imap"],
    ports: [143],
    risk: "medium",
    finding: "IMAP without TLS sends mailbox passwords in clear text",
    recommendation:
      "Serve IMAPS on 993 (wrap it in TLS) and close 143, or require STARTTLS before login.",
  },
  {
    services: ["http", "http-alt", "http-proxy"],
    ports: [80, 8000, 8008, 8080],
    risk: "low",
    finding: "plain HTTP: traffic can be read and altered in transit",
    recommendation:
      "Serve HTTPS (TLS) and redirect HTTP to it, with HSTS; close the port if it only redirects nothing.",
  },
  {
    services: ["ssh"],
    ports: [22],
    risk: "low",
    finding: "SSH is an administrative entry point and attracts password guessing",
    recommendation:
      `Use key-based login only (no passwords, no root login); ${FIREWALL}, or ${ADMIN}.`,
  },
  {
    services: ["ms-wbt-server", "rdp"],
    ports: [3389],
    risk: "high",
    finding: "Remote Desktop exposed: a frequent target of password guessing and RDP exploits",
    recommendation:
      `Do not expose RDP to untrusted networks; ${ADMIN}; require Network Level Authentication.`,
  },
  {
    services: ["vnc", "vnc-http"],
    ports: [5900, 5901, 5800],
    risk: "high",
    finding: "VNC exposed: weak (8-character) passwords and often unencrypted",
    recommendation: `Do not expose VNC; tunnel it over SSH or a VPN; ${FIREWALL}.`,
  },
  {
    services: ["microsoft-ds", "netbios-ssn", "smb"],
    ports: [139, 445],
    risk: "high",
    finding: "SMB file sharing exposed (wormable bugs such as MS17-010 live here)",
    recommendation: `Never expose SMB beyond the local network; ${FIREWALL}; disable SMBv1.`,
  },
  {
    services: ["wsman", "wsmans", "winrm"],
    ports: [5985, 5986],
    risk: "high",
    finding: "WinRM (remote PowerShell) exposed",
    recommendation: `Do not expose WinRM to untrusted networks; ${ADMIN}; use HTTPS (5986) only.`,
  },
  {
    services: ["redis"],
    ports: [6379],
    risk: "high",
    finding: "Redis exposed: commonly runs without authentication and can be abused to write files",
    recommendation:
      `Bind Redis to localhost or a private interface, require authentication (requirepass or ACL users), and ${FIREWALL}.`,
  },
  {
    services: ["mongodb", "mongod"],
    ports: [27017, 27018],
    risk: "high",
    finding: "MongoDB exposed to the network",
    recommendation:
      `Enable access control (security.authorization), bind to a private interface and ${FIREWALL}.`,
  },
  {
    services: ["elasticsearch"],
    ports: [9200, 9300],
    risk: "high",
    finding: "Elasticsearch exposed to the network",
    recommendation: `Enable security (authentication and TLS) and ${FIREWALL}.`,
  },
  {
    services: ["memcached"],
    ports: [11211],
    risk: "high",
    finding: "memcached has no authentication by default and its UDP port amplifies DDoS traffic",
    recommendation:
      `Bind memcached to localhost, disable UDP (-U 0), enable SASL or an auth file, and ${FIREWALL}.`,
  },
  {
    services: [
      "mysql",
      "postgresql",
      "ms-sql-s",
      "oracle-tns",
      "couchdb",
      "cassandra",
      "db2",
      "mssql",
    ],
    ports: [3306, 5432, 1433, 1521, 5984, 9042],
    risk: "high",
    finding: "a database listens on the network",
    recommendation:
      `Do not expose databases to untrusted networks: bind to a private interface, ${FIREWALL}, require TLS and strong credentials.`,
  },
  {
    services: ["snmp"],
    ports: [161],
    risk: "medium",
    finding: "SNMP v1/v2c community strings are sent in clear text and often guessable",
    recommendation: `Use SNMPv3 with authentication and privacy; ${FIREWALL}.`,
  },
  {
    services: ["domain"],
    ports: [53],
    risk: "low",
    finding: "a DNS server answers; an open resolver can be abused for amplification",
    recommendation: `Allow recursion only for your own clients; ${NOT_NEEDED}.`,
  },
  {
    services: ["smtp", "submission"],
    ports: [25, 587],
    risk: "low",
    finding: "SMTP may accept mail without TLS",
    recommendation:
      "Offer STARTTLS, require it for authenticated submission, and make sure the server is not an open relay.",
  },
  {
    services: ["https", "ssl/http", "imaps", "pop3s", "smtps", "submissions", "ldaps", "ftps"],
    ports: [443, 993, 995, 465, 636, 990, 8443],
    risk: "info",
    finding: "encrypted service",
    recommendation:
      "Keep the TLS configuration current (TLS 1.2+, no weak ciphers, a valid certificate).",
  },
];

/** The rule for unknown services. */
export const DEFAULT_RULE: AuditRule = {
  services: [],
  risk: "low",
  finding: "an open port whose purpose was not identified",
  recommendation: `Identify the program behind it; ${NOT_NEEDED}, otherwise ${FIREWALL}.`,
};
