import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import type { Actor } from "@support/actor-context";

/**
 * What identity or workspace announces after committing a change that ends or alters credentials
 * (docs/adr/0011): a user's sessions (logged out, disabled, suspended, deleted, org role changed),
 * one session, an API key (revoked, rotated), or every key of a workspace (deleted).
 */
export const revocationSchema = z
  .object({
    userIds: z.array(z.string().uuid()).max(1000).default([]),
    sessionIds: z.array(z.string().uuid()).max(1000).default([]),
    apiKeyIds: z.array(z.string().uuid()).max(1000).default([]),
    workspaceIds: z.array(z.string().uuid()).max(1000).default([]),
  })
  .strict();
export type Revocation = z.infer<typeof revocationSchema>;

/** What the authenticating service answered for a credential. */
export interface Authenticated {
  actor: Actor;
  /** When the credential stops being valid by itself (a session's expiry); null for API keys. */
  expiresAt: Date | null;
}

/**
 * The gateway's memory of credentials it has already checked, so a request does not cost an HTTP
 * round trip and a database query before any work (issue 13). Keyed by the token's SHA-256, never
 * the token. An entry lives at most `ttlMs` and never past the credential's own expiry; a revocation
 * announced by its owner removes it before the owner's mutation answers, so the next request is
 * checked afresh. Refused credentials are never remembered.
 */
export class CredentialCache {
  private readonly entries: LRUCache<string, Actor>;
  /**
   * Bumped by every revocation. An answer fetched while a revocation arrived may predate it, so it
   * is not stored: otherwise a logout racing a request could leave the old session cached.
   */
  private generation = 0;

  constructor(private readonly options: { ttlMs: number; maxEntries: number }) {
    this.entries = new LRUCache<string, Actor>({ max: options.maxEntries, ttl: Math.max(options.ttlMs, 1) });
  }

  async resolve(token: string, authenticate: () => Promise<Authenticated>): Promise<Actor> {
    if (this.options.ttlMs <= 0) return (await authenticate()).actor;
    const key = createHash("sha256").update(token).digest("base64url");
    const cached = this.entries.get(key);
    if (cached) return cached;
    const generation = this.generation;
    const { actor, expiresAt } = await authenticate();
    const ttl = Math.min(this.options.ttlMs, expiresAt ? expiresAt.getTime() - Date.now() : Infinity);
    if (generation === this.generation && ttl >= 1) this.entries.set(key, actor, { ttl: Math.floor(ttl) });
    return actor;
  }

  /** Forgets every credential the revocation names; returns how many entries went. */
  revoke(revocation: Revocation): number {
    this.generation += 1;
    const users = new Set(revocation.userIds);
    const sessions = new Set(revocation.sessionIds);
    const keys = new Set(revocation.apiKeyIds);
    const workspaces = new Set(revocation.workspaceIds);
    const doomed: string[] = [];
    for (const [key, actor] of this.entries.entries()) {
      const revoked =
        actor.kind === "user"
          ? users.has(actor.userId) || sessions.has(actor.sessionId)
          : actor.kind === "apiKey" && (keys.has(actor.apiKeyId) || workspaces.has(actor.workspaceId));
      if (revoked) doomed.push(key);
    }
    for (const key of doomed) this.entries.delete(key);
    return doomed.length;
  }

  get size(): number {
    return this.entries.size;
  }
}
