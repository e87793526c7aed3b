import DataLoader from "dataloader";
import { notFound } from "@support/errors";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Kafka } from "kafkajs";
import type { Logger } from "@support/logger";
import { PermissionCache } from "./permission-cache.js";
import { invalidationFeedFor } from "./cache-invalidations.js";
import { failIfUnavailable, postToWorkspace } from "./internal-call.js";

/** The workspace service's bound on one lookup (services/workspace/src/internal/permissions.ts). */
const MAX_WORKSPACES_PER_LOOKUP = 100;

/** The answer of the workspace service's `/internal/permissions` without `include` (docs/adr/0004). */
export interface WorkspacePermissions {
  workspaceId: string;
  organisationId: string;
  /** OWNER | ADMIN | MEMBER | CUSTOM, or null for org admins who are not members and API keys. */
  role: string | null;
  customRoleId: string | null;
  permissions: string[];
  ticketAccess: "ALL" | "ASSIGNED_TO_ME_OR_MY_TEAMS" | "ASSIGNED_TO_ME";
  /** The caller's active teams in the workspace. */
  teamIds: string[];
  plan: "BASIC" | "PRO" | "UNLIMITED";
}

/**
 * Asks the workspace service for the caller's effective permissions in workspaces (docs/adr/0003),
 * forwarding the gateway-signed actor context it received. The workspaces asked about in one tick
 * (a page of entities) go in one call; answers are memoised per request and, with a cache, kept
 * across requests until an invalidation names the workspace (produced before the changing
 * mutation answers; applied here within INVALIDATION_WINDOW_MS of that answer, or the cache is
 * not used at all).
 */
export class PermissionsClient {
  private readonly loader: DataLoader<string, WorkspacePermissions | null>;

  constructor(
    private readonly workspaceServiceUrl: string,
    private readonly request: Pick<FastifyRequest, "headers" | "id" | "actorContext">,
    private readonly cache?: PermissionCache,
  ) {
    this.loader = new DataLoader((workspaceIds) => this.fetch(workspaceIds), {
      maxBatchSize: MAX_WORKSPACES_PER_LOOKUP,
    });
  }

  /**
   * NOT_FOUND when the workspace does not exist or the caller may not see it. The client is the
   * `WorkspaceAccessSource` of every service but the workspace's: checks go through `authorize`.
   */
  async forWorkspace(workspaceId: string): Promise<WorkspacePermissions> {
    const permissions = await this.loader.load(workspaceId);
    if (!permissions) throw notFound("Workspace");
    return permissions;
  }

  private async fetch(workspaceIds: readonly string[]): Promise<Array<WorkspacePermissions | null>> {
    const actor = this.request.actorContext?.actor;
    const cache = actor && this.cache?.enabled ? this.cache : undefined;
    if (!actor || !cache) return this.lookUp(workspaceIds);
    const answers = new Map(workspaceIds.map((id) => [id, cache.get(id, actor)]));
    const missing = workspaceIds.filter((id) => answers.get(id) === undefined);
    if (missing.length > 0) {
      const epoch = cache.startLookup();
      const fetched = await this.lookUp(missing);
      missing.forEach((id, index) => {
        const answer = fetched[index] ?? null;
        answers.set(id, answer);
        cache.remember(id, actor, answer, epoch);
      });
    }
    return workspaceIds.map((id) => answers.get(id) ?? null);
  }

  private async lookUp(workspaceIds: readonly string[]): Promise<Array<WorkspacePermissions | null>> {
    const response = await postToWorkspace(
      this.workspaceServiceUrl,
      this.request,
      "/internal/permissions",
      { workspaceIds },
      undefined,
      { readOnly: true },
    );
    // The workspace service's own outage (its database) is ours too; anything else is a bug.
    failIfUnavailable(response, "workspace");
    if (!response.ok) throw new Error(`permission lookup failed with HTTP ${response.status}`);
    const { workspaces } = response.json() as { workspaces: Array<WorkspacePermissions | null> };
    return workspaces;
  }
}

/**
 * The permission look-ups of a service that authorizes workspace data it does not own: one
 * process-wide cache (`cacheSeconds`, 0 turns it off) kept fresh by this instance's own reader of
 * `cache.invalidations` (started and stopped with `runtime.app`). Returns the per-request client
 * factory.
 */
export function permissionLookups(
  runtime: { app: FastifyInstance; kafka: Kafka; logger: Logger; service: string },
  options: { workspaceServiceUrl: string; cacheSeconds: number },
): (request: Pick<FastifyRequest, "headers" | "id" | "actorContext">) => PermissionsClient {
  if (options.cacheSeconds <= 0) return (request) => new PermissionsClient(options.workspaceServiceUrl, request);
  const feed = invalidationFeedFor(runtime.app, {
    kafka: runtime.kafka,
    logger: runtime.logger,
    name: runtime.service,
  });
  const cache = new PermissionCache({ ttlMs: options.cacheSeconds * 1000, fence: feed.fence });
  feed.subscribe((invalidation) => {
    if (!invalidation) cache.forgetAll();
    else if ("permissions" in invalidation) cache.forget(invalidation.permissions.workspaceIds);
  });
  return (request) => new PermissionsClient(options.workspaceServiceUrl, request, cache);
}
