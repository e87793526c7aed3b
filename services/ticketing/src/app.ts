import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import {
  createServiceRuntime,
  createTransactionPool,
  HOT_PATH_POOL,
  permissionLookups,
  type ServiceRuntime,
} from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import type { Logger } from "@support/logger";
import type { TicketingConfig } from "./config.js";
import { createDb, type Tx } from "./db/client.js";
import { topicFor } from "@support/events";
import { workspaceDeletions } from "./events/workspace-consumer.js";
import { registerWorkspaceDataRoutes } from "./internal/workspace-data.js";
import { registerTicketVisibilityRoute } from "./internal/tickets-visible.js";
import type { TicketingContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { createLoaders } from "./db/loaders.js";
import { WorkspaceClient } from "./clients/workspace.js";
import { measureDueTimers, startSlaTimers } from "./sla/timers.js";

export const typeDefs = gql(readFileSync(new URL("./schema/ticketing.graphql", import.meta.url), "utf8"));

/** Builds the ticketing service without listening; used by server.ts and the tests. */
export async function createServer(
  config: TicketingConfig,
  options: { logger?: Logger } = {},
): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  // A few connections of its own for the hot write path; bounded on the server like audit's.
  const sql = createTransactionPool(config.DATABASE_URL, {
    ...HOT_PATH_POOL,
    onError: (error) => runtime.logger.warn({ err: error }, "an idle write-path connection failed; it is replaced"),
  });
  const runtime = createServiceRuntime({
    service: "ticketing",
    config,
    logger: options.logger,
    database: {
      ping: () => db.$queryRaw`SELECT 1`,
      close: async () => {
        await Promise.all([db.$disconnect(), sql.end()]);
      },
    },
  });
  // Permission answers remembered until cache.invalidations names the workspace (docs/adr/0003).
  const workspaces = permissionLookups(runtime, {
    workspaceServiceUrl: config.WORKSPACE_SERVICE_URL,
    cacheSeconds: config.PERMISSION_CACHE_SECONDS,
  });

  await mountApolloSubgraph<TicketingContext>(runtime, {
    typeDefs,
    resolvers,
    context: (request) => ({
      actor: request.actor,
      db,
      sql,
      logger: request.log,
      workspaces: workspaces(request),
      workspaceService: new WorkspaceClient(config.WORKSPACE_SERVICE_URL, request),
      ...createLoaders(db),
    }),
  });

  registerWorkspaceDataRoutes(runtime.app, { db, workspaceServiceUrl: config.WORKSPACE_SERVICE_URL, workspaces });
  // The activity log asks which tickets a reader may see, to redact the rest (docs/adr/0013).
  registerTicketVisibilityRoute(runtime.app, { sql, workspaces });

  // A deleted workspace's tickets, fields and SLA data go when its event arrives (docs/adr/0010).
  runtime.consume<Tx>({
    groupId: "ticketing.workspace-deletions",
    topics: [topicFor("workspace")],
    transaction: (work) => db.$transaction(work),
    // Purges run in bounded chunks before the event's transaction (issue 21); other types are skipped.
    ...workspaceDeletions(db),
    unhurried: true,
  });

  // Timers due and not yet fired, measured on each scrape of /metrics (docs/adr/0020).
  runtime.measureOnScrape(measureDueTimers);

  // SLA timers run in every instance; row locks make each fire once (see sla/timers.ts).
  let timers: ReturnType<typeof startSlaTimers> | null = null;
  runtime.app.addHook("onReady", async () => {
    if (config.SLA_TIMERS_ENABLED) timers = startSlaTimers(db, runtime.logger, config.SLA_TIMER_INTERVAL_MS);
  });
  runtime.app.addHook("preClose", async () => {
    await timers?.stop();
  });

  return runtime;
}
