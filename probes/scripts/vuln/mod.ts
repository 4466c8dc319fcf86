/**
 * Vulnerability checks (category "vuln"): each confirms a weakness with evidence, or says
 * NOT VULNERABLE with what it saw.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { cveLookup } from "./cve_lookup.ts";
import { elasticsearchNoauth } from "./elasticsearch_noauth.ts";
import { ftpAnonWrite } from "./ftp_anon_write.ts";
import { ftpVsftpdBackdoor } from "./ftp_vsftpd_backdoor.ts";
import { httpGit } from "./http_git.ts";
import { httpShellshock } from "./http_shellshock.ts";
import { httpTrace } from "./http_trace.ts";
import { memcachedExposed } from "./memcached_exposed.ts";
import { mongodbNoauth } from "./mongodb_noauth.ts";
import { redisNoauth } from "./redis_noauth.ts";
import { smbSmbv1, smbVulnMs17010 } from "./smb_smbv1.ts";
import { sslCertExpired, sslCertSelfSigned } from "./ssl_cert_checks.ts";
import { sslHeartbleed } from "./ssl_heartbleed.ts";
import { sslPoodle, sslWeakProtocols } from "./ssl_protocols.ts";
import { sslWeakCiphers } from "./ssl_weak_ciphers.ts";

/** Every vulnerability check, sorted by name. */
export const VULN_SCRIPTS: readonly Script[] = [
  cveLookup,
  elasticsearchNoauth,
  ftpAnonWrite,
  ftpVsftpdBackdoor,
  httpGit,
  httpShellshock,
  httpTrace,
  memcachedExposed,
  mongodbNoauth,
  redisNoauth,
  smbSmbv1,
  smbVulnMs17010,
  sslCertExpired,
  sslCertSelfSigned,
  sslHeartbleed,
  sslPoodle,
  sslWeakCiphers,
  sslWeakProtocols,
];
