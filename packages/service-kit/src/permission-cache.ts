import type { FastifyInstance } from "fastify";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import type { Actor } from "@support/actor-context";
import type { WorkspacePermissions } from "./permissions-client.js";

/** The path the workspace service announces changed workspaces to (docs/adr/0003). */
export const PERMISSION_CHANGES_PATH = "/internal/permissions/changed";

/** One announcement names at most this many workspaces (a user deleted from every workspace). */
export const MAX_CHANGED_WORKSPACES = 1_000;

/** A cached answer: null is "the caller may not see this workspace", remembered like any other. */
interface Entry {
  workspaceId: string;
  answer: WorkspacePermissions | null;
  expiresAt: number;
}

/**
 * The workspace service's permission answers, remembered per (workspace, actor) until the
 * workspace service announces that something about the workspace changed, and never longer than
 * `ttlMs` (docs/adr/0003). The actor is the whole verified actor (user, session and org role, or
 * API key with its permissions), so an org role change or a new session is a new entry. At most
 * `maxEntries` answers are kept in all (least recently used first out), whoever asks.
 *
 * `epoch` closes the race between a look-up and an announcement: an answer fetched while an
 * announcement arrived may predate the change, so it is used for its request but not stored.
 */
export class PermissionCache {
  private readonly entries: LRUCache<string, Entry>;
  /** The keys of each workspace's entries, so an announcement forgets them without a scan. */
  private readonly keysOf = new Map<string, Set<string>>();
  private epoch = 0;

  constructor(private readonly options: { ttlMs: number; maxEntries?: number }) {
    this.entries = new LRUCache<string, Entry>({
      max: options.maxEntries ?? 100_000,
      dispose: (entry, key) => {
        const keys = this.keysOf.get(entry.workspaceId);
        keys?.delete(key);
        if (keys?.size === 0) this.keysOf.delete(entry.workspaceId);
      },
    });
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  /** The remembered answer; undefined when there is none (or it expired). */
  get(workspaceId: string, actor: Actor): WorkspacePermissions | null | undefined {
    const entry = this.entries.get(keyOf(workspaceId, actor));
    if (!entry || entry.expiresAt <= Date.now()) return undefined;
    return entry.answer;
  }

  /** Call before asking the workspace service; pass the result to `remember`. */
  startLookup(): number {
    return this.epoch;
  }

  remember(workspaceId: string, actor: Actor, answer: WorkspacePermissions | null, lookupEpoch: number): void {
    if (!this.enabled || lookupEpoch !== this.epoch) return;
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
    this.epoch += 1;
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

  /** How many answers are remembered (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}

/** The workspace and every field of the verified actor: two actors share answers only if nothing about them differs. */
const keyOf = (workspaceId: string, actor: Actor): string => `${workspaceId}\n${JSON.stringify(actor)}`;

const changeSchema = z.object({ workspaceIds: z.array(z.string().uuid()).min(1).max(MAX_CHANGED_WORKSPACES) }).strict();

/**
 * Where the workspace service announces changed workspaces (docs/adr/0003). Like every internal
 * route of a service it requires a context signed with ACTOR_CONTEXT_KEYS (requireActorContext).
 */
export function registerPermissionChangesRoute(app: FastifyInstance, cache: PermissionCache): void {
  app.post(PERMISSION_CHANGES_PATH, async (request, reply) => {
    const change = changeSchema.safeParse(request.body ?? {});
    if (!change.success) {
      return reply
        .code(400)
        .send({ error: `expected workspaceIds: 1 to ${MAX_CHANGED_WORKSPACES} workspace ids, nothing else` });
    }
    return { forgotten: cache.forget(change.data.workspaceIds) };
  });
}
