import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ApiKeyActor } from "@support/actor-context";

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

/** A key as the actor it authenticates: exactly the key's permissions, in its workspace. */
export function apiKeyActorOf(apiKey: {
  id: string;
  prefix: string;
  workspaceId: string;
  permissions: string[];
  workspace: { organisationId: string };
}): ApiKeyActor {
  return {
    kind: "apiKey",
    apiKeyId: apiKey.id,
    prefix: `${API_KEY_SCHEME}${apiKey.prefix}`,
    workspaceId: apiKey.workspaceId,
    organisationId: apiKey.workspace.organisationId,
    permissions: apiKey.permissions,
  };
}

/** A key as an event's target: by its public prefix, never its secret. */
export const apiKeyTarget = (key: { id: string; prefix: string }) => ({
  type: "api_key" as const,
  id: key.id,
  label: `${API_KEY_SCHEME}${key.prefix}`,
});
