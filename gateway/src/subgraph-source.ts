import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLError } from "graphql";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import { REQUEST_ID_HEADER } from "@support/logger";
import { dedupeRepresentations, spreadEntities } from "./entity-representations.js";
import type { SubgraphFetcher, SubgraphResponse } from "./subgraph-fetcher.js";

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource["process"]>>;

/** What a subgraph fetch needs of the gateway's per-request context (GatewayContext). */
interface SubgraphCallContext {
  actorContext: string;
  requestId: string;
}

/**
 * A subgraph fetch that failed (unreachable, hung past SUBGRAPH_TIMEOUT_MS, a non-2xx answer, an
 * unreadable body): the fields it would have served fail with this, and nothing of the subgraph's
 * address or answer reaches the client. No HTTP status here: `serviceUnavailableStatus` decides.
 */
const subgraphUnavailable = () =>
  new GraphQLError("The service is temporarily unavailable; please retry shortly", {
    extensions: { code: "SERVICE_UNAVAILABLE" },
  });

/**
 * One subgraph, as the query plan's fetches reach it: the operation posted as JSON with the
 * request's signed actor context and request id, the answer parsed. What Apollo's
 * `RemoteGraphQLDataSource` did for us, without its per-fetch node-fetch `Headers` and `Request`
 * objects (built even though our fetcher reads neither) and its parsing of the subgraph's
 * `cache-control` into a cache policy that nothing reads (the cache-control plugin is off):
 * issue 25's profile of the gateway, BENCHMARKS.md (f).
 */
export class SubgraphSource implements GraphQLDataSource<SubgraphCallContext> {
  constructor(
    private readonly name: string,
    private readonly url: string,
    private readonly fetch: SubgraphFetcher,
    private readonly logger: { warn: (details: object, message: string) => void },
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<SubgraphCallContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Only operations reach a subgraph: the supergraph is static, so no health check or schema load.
    const context = options.context as SubgraphCallContext;
    if (!request.query) throw new Error("Missing query");
    const deduped = dedupeRepresentations(request.query, request.variables);
    const body = JSON.stringify({
      query: request.query,
      variables: deduped ? { ...request.variables, representations: deduped.unique } : request.variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });
    let response: SubgraphResponse;
    try {
      response = await this.fetch(this.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [ACTOR_CONTEXT_HEADER]: context.actorContext,
          [REQUEST_ID_HEADER]: context.requestId,
        },
        body,
      });
    } catch (error) {
      throw this.unavailable(context, null, error);
    }
    if (!response.ok)
      throw this.unavailable(context, response, new Error(`${response.status}: ${response.statusText}`));
    const contentType = response.headers.get("content-type");
    let answer: unknown;
    try {
      answer =
        contentType?.startsWith("application/json") || contentType?.startsWith("application/graphql-response+json")
          ? await response.json()
          : await response.text();
    } catch (error) {
      throw this.unavailable(context, response, error);
    }
    if (typeof answer !== "object" || answer === null || Array.isArray(answer)) {
      throw this.unavailable(
        context,
        response,
        new Error(`Expected JSON response body, but received: ${String(answer)}`),
      );
    }
    return (deduped ? spreadEntities(answer, deduped) : answer) as GatewayGraphQLResponse;
  }

  /**
   * The fetch itself failed (errors a subgraph answers inside a 2xx GraphQL response do not come
   * here; they pass through formatGatewayError): the cause is logged and the client learns only
   * that the service is unavailable.
   */
  private unavailable(context: SubgraphCallContext, response: SubgraphResponse | null, cause: unknown): GraphQLError {
    this.logger.warn(
      {
        subgraph: this.name,
        requestId: context.requestId,
        status: response?.status,
        cause: cause instanceof Error ? cause.message : String(cause),
      },
      response ? "subgraph answered with an error status or an unreadable body" : "subgraph unreachable",
    );
    return subgraphUnavailable();
  }
}
