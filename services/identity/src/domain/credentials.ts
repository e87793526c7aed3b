import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";

/** Session tokens are recognisable by prefix so the gateway can tell them from API keys. */
export const SESSION_TOKEN_PREFIX = "sess_";

export const emailSchema = z.string().trim().max(254).email("must be a valid email address");

/** NIST 800-63B style: length over composition rules. */
export const passwordSchema = z
  .string()
  .min(10, "must be at least 10 characters")
  .max(256, "must be at most 256 characters");

/** Emails are unique case-insensitively (SPEC section 1). */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function newSessionToken(): string {
  return `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

/** Tokens are high-entropy, so a fast hash is enough; only the hash is stored. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function sessionExpiry(now: Date, ttlHours: number): Date {
  return new Date(now.getTime() + ttlHours * 3_600_000);
}
