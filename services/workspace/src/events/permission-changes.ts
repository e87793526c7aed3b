import { AsyncLocalStorage } from "node:async_hooks";
import type { FastifyInstance } from "fastify";
import type { ActorContextKey } from "@support/actor-context";
import type { Logger } from "@support/logger";
import { Announcer, MAX_CHANGED_WORKSPACES, PERMISSION_CHANGES_PATH } from "@support/service-kit";

/** The workspaces the running request or consumer transaction changed (docs/adr/0003). */
const changedWorkspaces = new AsyncLocalStorage<Set<string>>();

/**
 * Notes that what the workspace service answers about `workspaceId`'s permissions may change
 * once the running transaction commits. `publish` calls it for every event, so every change that
 * is published (as every change must be) is also announced; the billing copy calls it itself.
 */
export function permissionsMayChange(workspaceId: string | null | undefined): void {
  if (workspaceId) changedWorkspaces.getStore()?.add(workspaceId);
}

/**
 * Tells every instance that caches permission answers (PERMISSION_CACHE_URLS: ticketing, billing,
 * audit) which workspaces changed, after the change committed and before the request that made it
 * answers, so the change applies to the very next request there (docs/adr/0003).
 */
export class PermissionChanges {
  private readonly announcer: Announcer;

  constructor(cacheUrls: readonly string[], signingKey: ActorContextKey, logger: Pick<Logger, "error">) {
    this.announcer = new Announcer(
      cacheUrls,
      PERMISSION_CHANGES_PATH,
      signingKey,
      logger,
      "that instance may answer with the old permissions until its entry expires (PERMISSION_CACHE_SECONDS)",
    );
  }

  /** Every request of `app` collects the workspaces it changed and announces them before answering. */
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

  /** Runs a consumer's transaction, then announces the workspaces it changed. */
  async afterCommit<T>(transaction: () => Promise<T>): Promise<T> {
    const changed = new Set<string>();
    const result = await changedWorkspaces.run(changed, transaction);
    if (changed.size > 0) await this.announce(changed);
    return result;
  }

  private async announce(changed: Set<string>): Promise<void> {
    const workspaceIds = [...changed];
    changed.clear();
    for (let start = 0; start < workspaceIds.length; start += MAX_CHANGED_WORKSPACES) {
      await this.announcer.announce({ workspaceIds: workspaceIds.slice(start, start + MAX_CHANGED_WORKSPACES) });
    }
  }
}
