import { assert, assertEquals, assertExists, assertMatch } from "jsr:@std/assert@^1";
import { recognizeUdpReply, SYS_DESCR_OID, TFTP_PROBE_FILE, UDP_PAYLOADS, udpPayload } from "./udp_payloads.ts";
