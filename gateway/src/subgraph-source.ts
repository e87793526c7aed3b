import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { GraphQLError } from "graphql";
import { ACTOR_CONTEXT_HEADER } from "@support/actor-context";
import { REQUEST_ID_HEADER } from "@support/logger";
import { mergeEntityFetches, splitEntityAnswer, type EntityFetch } from "./entity-fetch-batch.js";
import { dedupeRepresentations, isEntityFetch, spreadEntities } from "./entity-representations.js";
import type { SubgraphFetcher, SubgraphResponse } from "./subgraph-fetcher.js";

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource["process"]>>;

interface PendingFetch {
  fetch: EntityFetch;
  resolve: (answer: object) => void;
  reject: (error: unknown) => void;
}

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

  /** Entity fetches of one client request waiting to go out together (entity-fetch-batch.ts). */
  private readonly pending = new WeakMap<SubgraphCallContext, PendingFetch[]>();

  async process(options: GraphQLDataSourceProcessOptions<SubgraphCallContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // Only operations reach a subgraph: the supergraph is static, so no health check or schema load.
    const context = options.context as SubgraphCallContext;
    if (!request.query) throw new Error("Missing query");
    const deduped = dedupeRepresentations(request.query, request.variables);
    const variables = deduped ? { ...request.variables, representations: deduped.unique } : request.variables;
    const answer = isEntityFetch(request.query)
      ? await this.together(context, {
          query: request.query,
          variables: variables ?? {},
          operationName: request.operationName,
        })
      : await this.post(
          JSON.stringify({
            query: request.query,
            variables,
            operationName: request.operationName,
            extensions: request.extensions,
          }),
          context,
        );
    return (deduped ? spreadEntities(answer, deduped) : answer) as GatewayGraphQLResponse;
  }

  /**
   * Sends `fetch` with the other entity fetches the same client request makes of this subgraph in
   * the same turn: the executor starts a plan's parallel fetches one after the other without
   * waiting in between, so they are all queued when the next tick runs. One fetch goes as it came.
   */
  private together(context: SubgraphCallContext, fetch: EntityFetch): Promise<object> {
    return new Promise((resolve, reject) => {
      const queued = this.pending.get(context);
      if (queued) {
        queued.push({ fetch, resolve, reject });
        return;
      }
      this.pending.set(context, [{ fetch, resolve, reject }]);
      process.nextTick(() => {
        const batch = this.pending.get(context) ?? [];
        this.pending.delete(context);
        void this.send(context, batch);
      });
    });
  }

  /** Settles every fetch of `batch`, whatever happens: nothing waits on a batch that failed to go. */
  private async send(context: SubgraphCallContext, batch: readonly PendingFetch[]): Promise<void> {
    try {
      const merged = batch.length > 1 ? mergeEntityFetches(batch.map((queued) => queued.fetch)) : null;
      if (!merged) {
        // One fetch, or fetches that cannot be merged: each on its own, as always.
        await Promise.all(
          batch.map(({ fetch, resolve, reject }) => this.post(JSON.stringify(fetch), context).then(resolve, reject)),
        );
        return;
      }
      const answers = splitEntityAnswer(await this.post(JSON.stringify(merged), context), batch.length);
      batch.forEach(({ resolve }, index) => resolve(answers[index]!));
    } catch (error) {
      // Settling twice is a no-op, so fetches already answered keep their answer.
      for (const { reject } of batch) reject(error);
    }
  }

  /** One POST of `body` to the subgraph: its parsed answer, or SERVICE_UNAVAILABLE. */
  private async post(body: string, context: SubgraphCallContext): Promise<object> {
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
    return answer;
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
