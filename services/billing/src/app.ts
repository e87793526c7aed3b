import { readFileSync } from "node:fs";
import { createServiceRuntime, PermissionsClient, type ServiceRuntime } from "@support/service-kit";
import { mountMercuriusSubgraph } from "@support/service-kit/mercurius";
import { topicFor } from "@support/events";
import type { Logger } from "@support/logger";
import type { BillingConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import type { BillingContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { onWorkspaceEvent } from "./events/workspace-events.js";

export const schema = readFileSync(new URL("./schema/billing.graphql", import.meta.url), "utf8");

/** Builds the billing service without listening; used by server.ts and the tests. */
export async function createServer(config: BillingConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const runtime = createServiceRuntime({
    service: "billing",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
  });

  runtime.consume<Tx>({
    groupId: "billing.workspaces",
    topics: [topicFor("workspace")],
    transaction: (work) => db.$transaction(work),
    handle: onWorkspaceEvent,
  });

  await mountMercuriusSubgraph<BillingContext>(runtime, {
    schema,
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
