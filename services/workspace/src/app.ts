import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import { createServiceRuntime, type ServiceRuntime } from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import { isAppError } from "@support/errors";
import type { Logger } from "@support/logger";
import type { WorkspaceConfig } from "./config.js";
import { createDb } from "./db/client.js";
import type { WorkspaceContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { loadAccess } from "./resolvers/access.js";

export const typeDefs = gql(readFileSync(new URL("./schema/workspace.graphql", import.meta.url), "utf8"));

/** Builds the workspace service without listening; used by server.ts and the tests. */
export async function createServer(
  config: WorkspaceConfig,
  options: { logger?: Logger } = {},
): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const runtime = createServiceRuntime({
    service: "workspace",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
  });

  await mountApolloSubgraph<WorkspaceContext>(runtime, {
    typeDefs,
    resolvers,
    context: (request) => ({ actor: request.actor, db, logger: request.log }),
  });

  /**
   * The permission lookup of the other subgraphs (docs/adr/0003): the caller forwards the
   * gateway-signed actor context it received and learns that actor's effective permissions,
   * computed from the current roles, overrides and toggles on every call.
   */
  runtime.app.post<{ Body: { workspaceId?: unknown } }>("/internal/permissions", async (request, reply) => {
    const workspaceId = request.body?.workspaceId;
    if (typeof workspaceId !== "string") return reply.code(400).send({ error: "workspaceId is required" });
    try {
      const access = await loadAccess(db, request.actor, workspaceId);
      return {
        workspaceId,
        organisationId: access.workspace.organisationId,
        role: access.role,
        permissions: access.permissions,
      };
    } catch (error) {
      if (isAppError(error) && error.code === "NOT_FOUND")
        return reply.code(404).send({ error: "workspace not found" });
      throw error;
    }
  });

  return runtime;
}
