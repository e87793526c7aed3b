import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import { cacheInvalidationsFor, createServiceRuntime, Signer, type ServiceRuntime } from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import { topicFor } from "@support/events";
import type { Logger } from "@support/logger";
import type { WorkspaceConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import type { WorkspaceContext } from "./context.js";
import { IdentityPeopleClient } from "./clients/identity-people.js";
import { resolvers } from "./resolvers/index.js";
import { workspaceCountLoader } from "./resolvers/users.js";
import { teamLoader } from "./resolvers/teams.js";
import { workspaceMembershipsLoader } from "./resolvers/roles.js";
import { memberCountLoader, teamCountLoader } from "./resolvers/counts.js";
import { accessLoader } from "./resolvers/access.js";
import { registerPermissionsRoute } from "./internal/permissions.js";
import { registerMembershipRoutes } from "./internal/memberships.js";
import { registerApiKeyRoutes } from "./internal/api-keys.js";
import { registerInvitationRoutes } from "./internal/invitations.js";
import { registerAssigneeRoutes } from "./internal/assignees.js";
import { registerDownloadRoutes } from "./internal/downloads.js";
import { IDENTITY_EVENT_TYPES, identityEventHandler } from "./events/identity-events.js";
import { PURGED_EVENT_TYPES, onPurged } from "./events/deletion-events.js";
import { BILLING_EVENT_TYPES, billingEventHandler } from "./events/billing-events.js";
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
  const runtime = createServiceRuntime({
    service: "workspace",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
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
      const base = { actor: request.actor, db };
      return {
        ...base,
        logger: request.log,
        workspaceCounts: workspaceCountLoader(base),
        teams: teamLoader(base),
        workspaceMemberships: workspaceMembershipsLoader(base),
        memberCounts: memberCountLoader(base),
        teamCounts: teamCountLoader(base),
        accesses: accessLoader(base),
        identity: new IdentityPeopleClient(config.IDENTITY_SERVICE_URL, request),
        signer,
        downloadBaseUrl: config.DOWNLOAD_BASE_URL.replace(/\/$/, ""),
        invalidations,
      };
    },
  });

  registerPermissionsRoute(runtime.app, db);
  registerMembershipRoutes(runtime.app, db);
  registerApiKeyRoutes(runtime.app, db);
  registerInvitationRoutes(
    runtime.app,
    db,
    (request) => new IdentityPeopleClient(config.IDENTITY_SERVICE_URL, request),
  );
  registerAssigneeRoutes(runtime.app, db);
  registerDownloadRoutes(runtime.app, {
    db,
    signer,
    ticketingUrl: config.TICKETING_SERVICE_URL,
    auditUrl: config.AUDIT_SERVICE_URL,
  });

  runtime.consume<Tx>({
    groupId: "workspace.people",
    topics: [topicFor("identity")],
    transaction,
    eventTypes: IDENTITY_EVENT_TYPES,
    handle: identityEventHandler(runtime.logger),
  });
  runtime.consume<Tx>({
    groupId: "workspace.deletions",
    topics: [topicFor("identity"), topicFor("ticketing"), topicFor("billing")],
    transaction,
    eventTypes: PURGED_EVENT_TYPES,
    handle: onPurged,
  });
  runtime.consume<Tx>({
    groupId: "workspace.billing",
    topics: [topicFor("billing")],
    transaction,
    eventTypes: BILLING_EVENT_TYPES,
    handle: billingEventHandler(runtime.logger),
  });

  return runtime;
}
