/**
 * Service and version detection (`-sV`).
 *
 * @module
 */
export {
  type DetectOptions,
  detectServices,
  escapeBytes,
  type ServiceResult,
  type ServiceTarget,
  type TlsDetails,
} from "./detect.ts";
export { probesFor, SERVICE_PROBES, type ServiceProbe } from "./probes.ts";
