import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `sk_<prefix>_<secret>`: `sk_` tells the gateway it is a key, the 8-character
 * prefix is public (listed, logged), the 32-byte secret is shown once. Only a sha256 of the
 * whole key is stored: the secret is high-entropy, so a slow hash would add nothing.
 */
export const API_KEY_SCHEME = "sk_";
const KEY_PATTERN = /^sk_([a-z0-9]{8})_([A-Za-z0-9_-]{20,})$/;

export function newKeyPrefix(): string {
  return randomBytes(4).toString("hex");
}

export function newApiKey(prefix: string): { key: string; hash: string } {
  const key = `${API_KEY_SCHEME}${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function parseApiKey(key: string): { prefix: string } | null {
  const match = KEY_PATTERN.exec(key);
  return match?.[1] ? { prefix: match[1] } : null;
}

export function apiKeyMatches(key: string, storedHash: string): boolean {
  const given = Buffer.from(hashApiKey(key), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}
