import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance } from "fastify";
import type { CacheInvalidations } from "@support/service-kit";

/** The workspaces the running request or consumer transaction changed (docs/adr/0003). */
const changedWorkspaces = new AsyncLocalStorage<Set<string>>();

/**
 * Notes that what the workspace service answers about `workspaceId`'s permissions may change
 * once the running transaction commits. `publish` calls it for every event, so every change that
 * is published (as every change must be) also invalidates cached answers; the billing copy calls
 * it itself.
 */
export function permissionsMayChange(workspaceId: string | null | undefined): void {
  if (workspaceId) changedWorkspaces.getStore()?.add(workspaceId);
}

/**
 * Tells every instance that caches permission answers (ticketing, billing, audit: whoever reads
 * `cache.invalidations`, listed nowhere) which workspaces changed, after the change committed and
 * before the request that made it answers, so no instance serves the old answer later than 1 s
 * after that answer (docs/adr/0003). Waits for Kafka at most INVALIDATION_SEND_TIMEOUT_MS.
 */
export class PermissionChanges {
  constructor(private readonly invalidations: CacheInvalidations) {}

  /** Every request of `app` collects the workspaces it changed and says so before answering. */
  announceAfterRequests(app: FastifyInstance): void {
    const changedBy = new WeakMap<object, Set<string>>();
    app.addHook("onRequest", (request, _reply, done) => {
      const changed = new Set<string>();
      changedBy.set(request, changed);
      changedWorkspaces.run(changed, done);
    });
    // onSend runs once the resolvers (and their transactions) have finished, before the answer leaves.
    app.addHook("onSend", async (request, _reply, payload) => {
      const changed = changedBy.get(request);
      if (changed && changed.size > 0) await this.announce(changed);
      return payload;
    });
  }

  /** Runs a consumer's transaction, then says which workspaces it changed. */
  async afterCommit<T>(transaction: () => Promise<T>): Promise<T> {
    const changed = new Set<string>();
    const result = await changedWorkspaces.run(changed, transaction);
    if (changed.size > 0) await this.announce(changed);
    return result;
  }

  private async announce(changed: Set<string>): Promise<void> {
    const workspaceIds = [...changed];
    changed.clear();
    await this.invalidations.permissions(workspaceIds);
  }
}
