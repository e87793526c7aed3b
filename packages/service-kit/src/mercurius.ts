import { mercuriusFederationPlugin } from "@mercuriusjs/federation";
import type { FastifyRequest } from "fastify";
import type { IResolvers } from "mercurius";
import { GraphQLError } from "graphql";
import type { ServiceRuntime } from "./runtime.js";
import { formatGraphQLError } from "./graphql-errors.js";
import { guardResolverArguments } from "./argument-guard.js";
import { scalarResolversFor } from "./scalars.js";

/**
 * Mercurius refuses variables before executing with one MER_ERR_GQL_VALIDATION error that holds
 * GraphQL's own errors (a DateTime variable that is not an instant, an Int that is not a whole
 * number): answered each as itself, as an Apollo subgraph does (BAD_USER_INPUT naming the
 * variable), not as the wrapper, which would read as an unexpected error.
 */
function graphqlErrorsOf(error: GraphQLError): GraphQLError[] {
  const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(inner)) return [error];
  return inner.map((each: unknown) =>
    each instanceof GraphQLError
      ? each
      : new GraphQLError(each instanceof Error ? each.message : String(each), {
          originalError: each instanceof Error ? each : undefined,
        }),
  );
}

/** Mounts a mercurius federation (v1 metadata) subgraph at `/graphql` on a service runtime. */
export async function mountMercuriusSubgraph<Context extends object>(
  runtime: ServiceRuntime,
  options: {
    schema: string;
    /**
     * The service's generated `Resolvers` (src/generated/graphql.ts), which types it against the
     * SDL and the service's own context; mercurius's `IResolvers` cannot express that.
     */
    resolvers: Readonly<Record<string, unknown>>;
    context: (request: FastifyRequest) => Promise<Context> | Context;
  },
): Promise<void> {
  await runtime.app.register(mercuriusFederationPlugin, {
    schema: options.schema,
    // checked by mercurius against the schema at start
    resolvers: { ...guardResolverArguments(options.resolvers), ...scalarResolversFor(options.schema) } as IResolvers,
    path: "/graphql",
    graphiql: false,
    // Queries seen three times are compiled with graphql-jit in the background while the event
    // loop is below 80 % busy (at most 100 waiting; mercurius's adaptive JIT): a subgraph hears
    // the gateway's few planned queries over and over, and graphql-js's generic execution was the
    // largest part of the audit service's time for a log page (BENCHMARKS.md, issue 25).
    jit: { minCount: 3 },
    context: (request: FastifyRequest) => options.context(request),
    errorFormatter: (execution, context) => {
      const errors = (execution.errors ?? [])
        .flatMap(graphqlErrorsOf)
        .map((error) => formatGraphQLError(error.toJSON(), error, runtime.logger));
      // Resolver errors answer 200 with `errors`, as Apollo subgraphs do, so the gateway merges them.
      const statusCode =
        execution.data === undefined || execution.data === null
          ? context.reply.statusCode >= 400
            ? context.reply.statusCode
            : 200
          : 200;
      return { statusCode, response: { data: execution.data ?? null, errors } };
    },
  });
}
