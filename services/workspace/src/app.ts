import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import {
  cacheInvalidationsFor,
  createServiceRuntime,
  createTransactionPool,
  HOT_PATH_POOL,
  Signer,
  type ServiceRuntime,
} from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import { topicFor } from "@support/events";
import type { Logger } from "@support/logger";
import type { WorkspaceConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import type { WorkspaceContext } from "./context.js";
import { IdentityClient } from "./clients/identity.js";
import { resolvers } from "./resolvers/index.js";
import { requestAccess, visibleTeamsLoader } from "./authorization.js";
import { countLoader, workspaceMembershipsLoader } from "./db/memberships.js";
import { workspaceCountLoader } from "./db/users.js";
import { registerPermissionsRoute } from "./internal/permissions.js";
import { registerMembershipRoutes } from "./internal/memberships.js";
import { registerApiKeyRoutes } from "./internal/api-keys.js";
import { registerInvitationRoutes } from "./internal/invitations.js";
import { registerAssigneeRoutes } from "./internal/assignees.js";
import { registerDownloadRoutes } from "./routes/downloads.js";
import { IDENTITY_EVENT_TYPES, identityEventHandler } from "./events/identity-consumer.js";
import { PURGED_EVENT_TYPES, onPurged } from "./events/purges-consumer.js";
import { BILLING_EVENT_TYPES, billingEventHandler } from "./events/billing-consumer.js";
import { PermissionChanges } from "./events/permission-changes.js";

export const typeDefs = gql(readFileSync(new URL("./schema/workspace.graphql", import.meta.url), "utf8"));

/** Builds the workspace service without listening; used by server.ts and the tests. */
export async function createServer(
  config: WorkspaceConfig,
  options: { logger?: Logger } = {},
): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  // Download links are signed with a key derived (HKDF, its own info) from the actor-context keys.
  const signer = new Signer(config.ACTOR_CONTEXT_KEYS, "support-workspace-downloads");
  // A few connections of its own for the hot reads (every request's standings, the other
  // subgraphs' permission lookups), off Prisma's client (BENCHMARKS.md, issue 25).
  const sql = createTransactionPool(config.DATABASE_URL, {
    ...HOT_PATH_POOL,
    onError: (error) => runtime.logger.warn({ err: error }, "an idle read-path connection failed; it is replaced"),
  });
  const runtime = createServiceRuntime({
    service: "workspace",
    config,
    logger: options.logger,
    database: {
      ping: () => db.$queryRaw`SELECT 1`,
      close: async () => {
        await Promise.all([db.$disconnect(), sql.end()]);
      },
    },
  });
  // Revoked API keys and changed workspaces reach every caching instance through Kafka (docs/adr/0003, 0011).
  const invalidations = cacheInvalidationsFor(runtime.app, {
    kafka: runtime.kafka,
    logger: runtime.logger,
    name: runtime.service,
  });
  // Every request and consumer transaction that changes a workspace says so (docs/adr/0003).
  const permissionChanges = new PermissionChanges(invalidations);
  permissionChanges.announceAfterRequests(runtime.app);
  const transaction = <T>(work: (tx: Tx) => Promise<T>) => permissionChanges.afterCommit(() => db.$transaction(work));

  await mountApolloSubgraph<WorkspaceContext>(runtime, {
    typeDefs,
    resolvers,
    context: (request) => {
      const base = { actor: request.actor, db, sql };
      return {
        ...base,
        logger: request.log,
        workspaces: requestAccess(base),
        workspaceCounts: workspaceCountLoader(base),
        teams: visibleTeamsLoader(base),
        workspaceMemberships: workspaceMembershipsLoader(db),
        memberCounts: countLoader(db, "membership"),
        teamCounts: countLoader(db, "team"),
        identity: new IdentityClient(config.IDENTITY_SERVICE_URL, request),
        signer,
        downloadBaseUrl: config.DOWNLOAD_BASE_URL.replace(/\/$/, ""),
        invalidations,
      };
    },
  });

  registerPermissionsRoute(runtime.app, db, sql);
  registerMembershipRoutes(runtime.app, db);
  registerApiKeyRoutes(runtime.app, db);
  registerInvitationRoutes(runtime.app, db, (request) => new IdentityClient(config.IDENTITY_SERVICE_URL, request));
  registerAssigneeRoutes(runtime.app, db);
  registerDownloadRoutes(runtime.app, {
    db,
    signer,
    ticketingUrl: config.TICKETING_SERVICE_URL,
    auditUrl: config.AUDIT_SERVICE_URL,
  });

  const consumers = [
    {
      groupId: "workspace.people",
      topics: ["identity"],
      eventTypes: IDENTITY_EVENT_TYPES,
      handle: identityEventHandler(runtime.logger),
    },
    {
      groupId: "workspace.deletions",
      topics: ["identity", "ticketing", "billing"],
      eventTypes: PURGED_EVENT_TYPES,
      handle: onPurged,
      unhurried: true,
    },
    {
      groupId: "workspace.billing",
      topics: ["billing"],
      eventTypes: BILLING_EVENT_TYPES,
      handle: billingEventHandler(runtime.logger),
    },
  ];
  for (const { topics, ...consumer } of consumers)
    runtime.consume<Tx>({ ...consumer, topics: topics.map(topicFor), transaction });

  return runtime;
}
