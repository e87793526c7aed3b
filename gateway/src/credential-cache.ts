import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Actor } from "@support/actor-context";
import type { Logger } from "@support/logger";
import { metrics } from "@support/metrics";
import { CacheGuard, FreshnessFence, InvalidationFeed, type CredentialRevocation } from "@support/service-kit";

const lookups = () => metrics.cacheLookups();

/** What the authenticating service answered for a credential. */
export interface Authenticated {
  actor: Actor;
  /** When the credential stops being valid by itself (a session's expiry); null for API keys. */
  expiresAt: Date | null;
}

/**
 * The gateway's memory of credentials it has already checked, so a request does not cost an HTTP
 * round trip and a database query before any work (issue 13). Keyed by the token's SHA-256, never
 * the token. An entry lives at most `ttlMs` and never past the credential's own expiry; a
 * revocation its owner produced to `cache.invalidations` before its mutation answered removes it
 * when this gateway's feed reads it, and the cache is used only while that feed is live (`fence`,
 * docs/adr/0011): a revoked credential is refused within INVALIDATION_WINDOW_MS of the answer.
 * Refused credentials are never remembered.
 */
export class CredentialCache {
  private readonly entries: LRUCache<string, Actor>;
  /**
   * An answer fetched while a revocation arrived (or while the feed lapsed) may predate it, so it
   * is not stored: otherwise a logout racing a request could leave the old session cached.
   */
  private readonly guard: CacheGuard;

  constructor(private readonly options: { ttlMs: number; maxEntries: number; fence: FreshnessFence }) {
    this.entries = new LRUCache<string, Actor>({ max: options.maxEntries, ttl: Math.max(options.ttlMs, 1) });
    this.guard = new CacheGuard(options.fence, () => this.entries.clear());
    // Both results at 0 from the start, so the hit ratio's terms exist before the first request.
    lookups().inc({ cache: "credentials", result: "hit" }, 0);
    lookups().inc({ cache: "credentials", result: "miss" }, 0);
  }

  async resolve(token: string, authenticate: () => Promise<Authenticated>): Promise<Actor> {
    // A disabled or unusable cache counts as a miss: the ratio is what the cache saved.
    const miss = () => lookups().inc({ cache: "credentials", result: "miss" });
    if (this.options.ttlMs <= 0) {
      miss();
      return (await authenticate()).actor;
    }
    // Null while the feed is not live: ask the owner, remember nothing.
    const lookup = this.guard.startLookup();
    if (lookup === null) {
      miss();
      return (await authenticate()).actor;
    }
    const key = createHash("sha256").update(token).digest("base64url");
    const cached = this.entries.get(key);
    if (cached) {
      lookups().inc({ cache: "credentials", result: "hit" });
      return cached;
    }
    miss();
    const { actor, expiresAt } = await authenticate();
    const ttl = Math.min(this.options.ttlMs, expiresAt ? expiresAt.getTime() - Date.now() : Infinity);
    if (this.guard.mayRemember(lookup) && ttl >= 1) this.entries.set(key, actor, { ttl: Math.floor(ttl) });
    return actor;
  }

  /** Forgets every credential the revocation names; returns how many entries went. */
  revoke(revocation: CredentialRevocation): number {
    this.guard.invalidated();
    const users = new Set(revocation.userIds ?? []);
    const sessions = new Set(revocation.sessionIds ?? []);
    const keys = new Set(revocation.apiKeyIds ?? []);
    const workspaces = new Set(revocation.workspaceIds ?? []);
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

  /** Forgets every credential (an invalidation nobody could read). */
  clear(): void {
    this.guard.invalidated();
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The gateway's credential cache and the reader of `cache.invalidations` that keeps it fresh (the
 * caller starts and stops the feed). With the cache off (`ttlMs` 0) there is no reader: nothing
 * to keep fresh.
 */
export function credentialCacheWithFeed(options: {
  ttlMs: number;
  maxEntries: number;
  kafkaBrokers: string[];
  logger: Logger;
  name: string;
}): { cache: CredentialCache; feed: InvalidationFeed | null } {
  const feed =
    options.ttlMs > 0
      ? new InvalidationFeed({ kafka: options.kafkaBrokers, logger: options.logger, name: options.name })
      : null;
  const cache = new CredentialCache({
    ttlMs: options.ttlMs,
    maxEntries: options.maxEntries,
    fence: feed?.fence ?? new FreshnessFence(),
  });
  feed?.subscribe((invalidation) => {
    if (!invalidation) cache.clear();
    else if ("credentials" in invalidation) cache.revoke(invalidation.credentials);
  });
  return { cache, feed };
}
