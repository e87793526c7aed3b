import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema, type GraphQLResolverMap } from "@apollo/subgraph";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import type { FastifyRequest } from "fastify";
import type { DocumentNode } from "graphql";
import type { ServiceRuntime } from "./runtime.js";
import { formatGraphQLError } from "./graphql-errors.js";
import { guardResolverArguments } from "./argument-guard.js";

/** Mounts an Apollo subgraph at `/graphql` on a service runtime; the context is built per request. */
export async function mountApolloSubgraph<Context extends object>(
  runtime: ServiceRuntime,
  options: {
    typeDefs: DocumentNode;
    resolvers: GraphQLResolverMap<Context>;
    context: (request: FastifyRequest) => Promise<Context> | Context;
  },
): Promise<void> {
  const apollo = new ApolloServer<Context>({
    // apollo-subgraph types resolver maps with `any` context; ours is checked where it is written.
    schema: buildSubgraphSchema([
      { typeDefs: options.typeDefs, resolvers: guardResolverArguments(options.resolvers) as GraphQLResolverMap },
    ]),
    includeStacktraceInErrorResponses: false,
    // listenUntilSignalled owns SIGTERM. Apollo's own handler would stop, then re-send the signal
    // to the process, killing it before in-flight requests are answered.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, runtime.logger),
  });
  await apollo.start();
  // app.close() drains HTTP first, then stops Apollo (no drain plugin: it would call app.close() again).
  // app.close() has drained HTTP by now; no Apollo drain plugin, which would call app.close() again.
  runtime.app.addHook("onClose", () => apollo.stop());
  runtime.app.route({
    url: "/graphql",
    method: ["GET", "POST", "OPTIONS"],
    handler: fastifyApolloHandler(apollo, { context: async (request) => options.context(request) }),
  });
}
