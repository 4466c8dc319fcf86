/**
 * The native layer: the only code that calls `Deno.dlopen`. libc raw sockets
 * and interface addresses, libpcap capture, routes, and privilege checks.
 *
 * @module
 */
export * from "./addresses.ts";
export * from "./library.ts";
export * from "./native_error.ts";
export * from "./libc.ts";
export * from "./pcap.ts";
export * from "./privileges.ts";
export * from "./routes.ts";
