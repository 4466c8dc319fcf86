/**
 * The scripts that ship with Portolan.
 *
 * @module
 */
import type { Script } from "../types.ts";
import { banner } from "./banner.ts";
import { httpHeaders, httpMethods, httpRobots, httpServerHeader, httpTitle } from "./http.ts";
import { sslCert } from "./ssl_cert.ts";
import { ssh2EnumAlgos, sshHostkey } from "./ssh.ts";
import { ftpAnon, ftpSyst, memcachedInfo, redisInfo, smtpCommands } from "./text_services.ts";
import { dnsRecursion, mysqlInfo, ntpInfo, snmpSysdescr } from "./binary_services.ts";
import { VULN_SCRIPTS } from "../vuln/mod.ts";

/** Every bundled script, sorted by name. */
export const BUNDLED_SCRIPTS: readonly Script[] = [
  banner,
  dnsRecursion,
  ftpAnon,
  ftpSyst,
  httpHeaders,
  httpMethods,
  httpRobots,
  httpServerHeader,
  httpTitle,
  memcachedInfo,
  mysqlInfo,
  ntpInfo,
  redisInfo,
  smtpCommands,
  snmpSysdescr,
  ssh2EnumAlgos,
  sshHostkey,
  sslCert,
  ...VULN_SCRIPTS,
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
