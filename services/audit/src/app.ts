import { readFileSync } from "node:fs";
import { createServiceRuntime, PermissionsClient, type ServiceRuntime } from "@support/service-kit";
import { mountMercuriusSubgraph } from "@support/service-kit/mercurius";
import { topicFor } from "@support/events";
import type { Logger } from "@support/logger";
import type { AuditConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import type { AuditContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { recordActivity } from "./events/record.js";

export const schema = readFileSync(new URL("./schema/audit.graphql", import.meta.url), "utf8");

/** Every service's topic: each state change anywhere becomes one activity entry. */
export const AUDITED_TOPICS = ["identity", "workspace", "ticketing", "billing", "audit"].map(topicFor);

/** Builds the audit service without listening; used by server.ts and the tests. */
export async function createServer(config: AuditConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const runtime = createServiceRuntime({
    service: "audit",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
  });

  runtime.consume<Tx>({
    groupId: "audit.activity-log",
    topics: AUDITED_TOPICS,
    transaction: (work) => db.$transaction(work),
    handle: recordActivity,
  });

  await mountMercuriusSubgraph<AuditContext>(runtime, {
    schema,
    // mercurius types resolvers loosely; each resolver's own signature is checked in resolvers/.
    resolvers,
    context: (request) => ({
      actor: request.actor,
      db,
      logger: request.log,
      permissions: new PermissionsClient(config.WORKSPACE_SERVICE_URL, request),
    }),
  });

  return runtime;
}
