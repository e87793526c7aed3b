import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema, type GraphQLResolverMap } from "@apollo/subgraph";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import type { FastifyRequest } from "fastify";
import type { DocumentNode } from "graphql";
import type { ServiceRuntime } from "./runtime.js";
import { formatGraphQLError } from "./graphql-errors.js";
import { guardResolverArguments } from "./argument-guard.js";
import { scalarResolversFor } from "./scalars.js";

/**
 * Apollo Server's default plugins that cost work on every request and serve nothing here: cache
 * hints computed per resolved field (no response cache reads them), federated tracing (no Apollo
 * Studio), the landing page, usage and schema reporting. Measured in BENCHMARKS.md (f).
 */
export const APOLLO_FEATURES_WE_DO_NOT_USE = [
  ApolloServerPluginCacheControlDisabled(),
  ApolloServerPluginInlineTraceDisabled(),
  ApolloServerPluginLandingPageDisabled(),
  ApolloServerPluginUsageReportingDisabled(),
  ApolloServerPluginSchemaReportingDisabled(),
];

/** Mounts an Apollo subgraph at `/graphql` on a service runtime; the context is built per request. */
export async function mountApolloSubgraph<Context extends object>(
  runtime: ServiceRuntime,
  options: {
    typeDefs: DocumentNode;
    /** The service's generated `Resolvers` (src/generated/graphql.ts), which types it against the SDL. */
    resolvers: Readonly<Record<string, unknown>>;
    context: (request: FastifyRequest) => Promise<Context> | Context;
  },
): Promise<void> {
  const apollo = new ApolloServer<Context>({
    // Checked against the SDL where it is written (the generated `Resolvers`); apollo-subgraph's
    // own map type cannot express federation's `__resolveReference` beside typed fields.
    schema: buildSubgraphSchema([
      {
        typeDefs: options.typeDefs,
        resolvers: {
          ...guardResolverArguments(options.resolvers),
          ...scalarResolversFor(options.typeDefs),
        } as GraphQLResolverMap,
      },
    ]),
    includeStacktraceInErrorResponses: false,
    // listenUntilSignalled owns SIGTERM. Apollo's own handler would stop, then re-send the signal
    // to the process, killing it before in-flight requests are answered.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatGraphQLError(formatted, error, runtime.logger),
    plugins: APOLLO_FEATURES_WE_DO_NOT_USE,
  });
  await apollo.start();
  // app.close() drains HTTP first, then stops Apollo (no drain plugin: it would call app.close() again).
  runtime.app.addHook("onClose", () => apollo.stop());
  runtime.app.route({
    url: "/graphql",
    method: ["GET", "POST", "OPTIONS"],
    handler: fastifyApolloHandler(apollo, { context: async (request) => options.context(request) }),
  });
}
