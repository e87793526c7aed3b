import { LRUCache } from "lru-cache";
import { metrics } from "@support/metrics";
import type { Actor } from "@support/actor-context";
import type { WorkspacePermissions } from "./permissions-client.js";
import { CacheGuard, type FreshnessFence, type LookupToken } from "./invalidation-fence.js";

const lookups = () => metrics.cacheLookups();

/** A cached answer: null is "the caller may not see this workspace", remembered like any other. */
interface Entry {
  workspaceId: string;
  answer: WorkspacePermissions | null;
  expiresAt: number;
}

/**
 * The workspace service's permission answers, remembered per (workspace, actor) until an
 * invalidation names the workspace (`cache.invalidations`), and never longer than `ttlMs`
 * (docs/adr/0003). Used only while the instance's invalidation feed is live (`fence`): otherwise
 * every look-up asks the workspace service, as with the cache off. The actor is the whole
 * verified actor (user, session and org role, or API key with its permissions), so an org role
 * change or a new session is a new entry. At most `maxEntries` answers are kept in all (least
 * recently used first out), whoever asks.
 *
 * The guard closes the race between a look-up and an invalidation: an answer fetched while one
 * arrived (or while the feed lapsed) may predate the change, so it is used for its request but
 * not stored.
 */
export class PermissionCache {
  private readonly entries: LRUCache<string, Entry>;
  /** The keys of each workspace's entries, so an invalidation forgets them without a scan. */
  private readonly keysOf = new Map<string, Set<string>>();
  private readonly guard: CacheGuard;

  constructor(private readonly options: { ttlMs: number; maxEntries?: number; fence: FreshnessFence }) {
    this.entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 100_000,
      dispose: (entry, key) => {
        const keys = this.keysOf.get(entry.workspaceId);
        keys?.delete(key);
        if (keys?.size === 0) this.keysOf.delete(entry.workspaceId);
      },
    });
    this.guard = new CacheGuard(options.fence, () => this.entries.clear());
    // Both results at 0 from the start, so the ratio's terms exist before the first look-up.
    lookups().inc({ cache: "permissions", result: "hit" }, 0);
    lookups().inc({ cache: "permissions", result: "miss" }, 0);
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  /** The remembered answer; undefined when there is none (or it expired). */
  get(workspaceId: string, actor: Actor): WorkspacePermissions | null | undefined {
    const answer = this.lookUp(workspaceId, actor);
    // Every look-up counts, a disabled or unusable cache's as a miss: the ratio is what it saved.
    lookups().inc({ cache: "permissions", result: answer === undefined ? "miss" : "hit" });
    return answer;
  }

  private lookUp(workspaceId: string, actor: Actor): WorkspacePermissions | null | undefined {
    if (!this.enabled || !this.guard.usable()) return undefined;
    const entry = this.entries.get(keyOf(workspaceId, actor));
    if (!entry || entry.expiresAt <= Date.now()) return undefined;
    return entry.answer;
  }

  /** Call before asking the workspace service; pass the result to `remember`. */
  startLookup(): LookupToken {
    return this.enabled ? this.guard.startLookup() : null;
  }

  remember(workspaceId: string, actor: Actor, answer: WorkspacePermissions | null, lookup: LookupToken): void {
    if (!this.enabled || !this.guard.mayRemember(lookup)) return;
    const key = keyOf(workspaceId, actor);
    // Shared by every later request of this actor: frozen, so no resolver can change it for them.
    if (answer) {
      Object.freeze(answer.permissions);
      Object.freeze(answer.teamIds);
      Object.freeze(answer);
    }
    this.entries.set(key, { workspaceId, answer, expiresAt: Date.now() + this.options.ttlMs });
    const keys = this.keysOf.get(workspaceId) ?? new Set<string>();
    this.keysOf.set(workspaceId, keys.add(key));
  }

  /** Forgets every answer about these workspaces; returns how many workspaces had some. */
  forget(workspaceIds: readonly string[]): number {
    this.guard.invalidated();
    let forgotten = 0;
    for (const workspaceId of workspaceIds) {
      const keys = this.keysOf.get(workspaceId);
      if (!keys) continue;
      forgotten += 1;
      // A copy: each delete's dispose takes its key out of `keys` (and the set out of keysOf).
      for (const key of [...keys]) this.entries.delete(key);
    }
    return forgotten;
  }

  /** Forgets every answer (an invalidation nobody could read). */
  forgetAll(): void {
    this.guard.invalidated();
    this.entries.clear();
  }

  /** How many answers are remembered (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}

/** The workspace and every field of the verified actor: two actors share answers only if nothing about them differs. */
const keyOf = (workspaceId: string, actor: Actor): string => `${workspaceId}\n${JSON.stringify(actor)}`;
