import ipaddr from "ipaddr.js";
import { normaliseEmail } from "./credentials.js";

export interface ThrottleKeys {
  email: string;
  address: string;
}

/**
 * The client part of an address that one attacker controls: an IPv4 address, or the /64 of
 * an IPv6 address (one host usually owns a whole /64, so per-address counting would be
 * trivial to dodge). IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as the IPv4 address.
 * Anything unparsable is kept verbatim, so it still gets its own counter.
 */
export function clientAddressKey(address: string): string {
  const trimmed = address.trim();
  if (!ipaddr.isValid(trimmed)) return trimmed || "unknown";
  const parsed = ipaddr.process(trimmed);
  if (parsed.kind() === "ipv4") return parsed.toString();
  const prefix = ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toNormalizedString()}/64`);
  return `${prefix.toNormalizedString()}/64`;
}

/** Counters are per account (case-insensitive email) and per client address. */
export function throttleKeys(email: string, address: string): ThrottleKeys {
  return { email: `email:${normaliseEmail(email)}`, address: `address:${clientAddressKey(address)}` };
}

/** Whole seconds to wait, never 0 while blocked (a client retrying at once would be refused again). */
export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}
