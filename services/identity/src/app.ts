import { readFileSync } from "node:fs";
import { gql } from "graphql-tag";
import { createServiceRuntime, type ServiceRuntime } from "@support/service-kit";
import { mountApolloSubgraph } from "@support/service-kit/apollo";
import type { Logger } from "@support/logger";
import type { IdentityConfig } from "./config.js";
import { createDb } from "./db/client.js";
import { createLoaders, type IdentityContext } from "./context.js";
import { resolvers } from "./resolvers/index.js";
import { authenticateSession } from "./resolvers/sessions.js";

export const typeDefs = gql(readFileSync(new URL("./schema/identity.graphql", import.meta.url), "utf8"));

/** Builds the identity service without listening; used by server.ts and the tests. */
export async function createServer(config: IdentityConfig, options: { logger?: Logger } = {}): Promise<ServiceRuntime> {
  const db = createDb(config.DATABASE_URL);
  const runtime = createServiceRuntime({
    service: "identity",
    config,
    logger: options.logger,
    database: { ping: () => db.$queryRaw`SELECT 1`, close: () => db.$disconnect() },
  });

  await mountApolloSubgraph<IdentityContext>(runtime, {
    typeDefs,
    resolvers,
    context: (request) => ({ actor: request.actor, db, config, logger: request.log, ...createLoaders(db) }),
  });

  // Called by the gateway for every request bearing a session token.
  runtime.app.post<{ Body: { token?: unknown } }>("/internal/authenticate", async (request, reply) => {
    const token = request.body?.token;
    const actor = typeof token === "string" ? await authenticateSession(db, token) : null;
    if (!actor) return reply.code(401).send({ error: "invalid session" });
    return { actor };
  });

  return runtime;
}
