import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import type { FastifyInstance } from "fastify";
import { GraphQLError } from "graphql";
import { ACTOR_CONTEXT_HEADER, CLIENT_ADDRESS_HEADER, signActorContext, type Actor } from "@support/actor-context";
import { createLogger, REQUEST_ID_HEADER, type Logger } from "@support/logger";
import { createServiceApp } from "@support/service-kit";
import { baseUrlOf, type GatewayConfig } from "./config.js";
import { Authenticator, serviceUnavailable } from "./authenticate.js";
import { SUBGRAPHS, SUPERGRAPH_FILE } from "./supergraph/subgraphs.js";

export interface GatewayContext {
  actor: Actor;
  /** Signed once per request and sent to every subgraph the plan touches. */
  actorContext: string;
  requestId: string;
  /** The TCP peer of the incoming request, passed on for sign-in throttling. */
  clientAddress: string;
}

/** Builds the gateway without listening; used by server.ts and the tests. */
export async function createServer(config: GatewayConfig, options: { logger?: Logger } = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger({ service: "gateway", level: config.LOG_LEVEL });
  const urls: Record<string, string> = {
    identity: config.IDENTITY_URL,
    workspace: config.WORKSPACE_URL,
    ticketing: config.TICKETING_URL,
    billing: config.BILLING_URL,
    audit: config.AUDIT_URL,
  };

  const app = createServiceApp({
    logger,
    readiness: Object.fromEntries(
      SUBGRAPHS.map((subgraph) => [
        subgraph.name,
        async () => {
          const response = await fetch(`${baseUrlOf(urls[subgraph.name] ?? subgraph.defaultUrl)}/health`);
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
        },
      ]),
    ),
  });

  const gateway = new ApolloGateway({
    // Composed at build time (gateway/supergraph.graphql); URLs come from config, not the file.
    supergraphSdl: readFileSync(SUPERGRAPH_FILE, "utf8"),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: urls[name] ?? url,
        // A hung subgraph must not hang the client: each fetch is aborted after the timeout. (The
        // cast: Node's fetch and the data source's fetcher type differ only in their Request types.)
        fetcher: ((input: string, init?: RequestInit) =>
          fetch(input, {
            ...init,
            signal: AbortSignal.timeout(config.SUBGRAPH_TIMEOUT_MS),
          })) as unknown as RemoteGraphQLDataSource["fetcher"],
        willSendRequest({ request, context }) {
          request.http?.headers.set(ACTOR_CONTEXT_HEADER, context.actorContext);
          request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
          request.http?.headers.set(CLIENT_ADDRESS_HEADER, context.clientAddress);
        },
        didEncounterError(error, _request, response, context) {
          // Errors the subgraph answered with pass through; a subgraph that could not be reached
          // (down, hung, reset) is reported without its internal address or fetch details.
          if (response || error instanceof GraphQLError) throw error;
          logger.warn({ subgraph: name, requestId: context?.requestId, cause: error.message }, "subgraph unreachable");
          throw serviceUnavailable();
        },
      }),
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // listenUntilSignalled owns SIGTERM. Apollo's own handler would stop, then re-send the signal
    // to the process, killing it before in-flight requests are answered.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  // app.close() drains HTTP first, then stops Apollo (no drain plugin: it would call app.close() again).
  app.addHook("onClose", () => apollo.stop());

  const authenticator = new Authenticator(
    baseUrlOf(config.IDENTITY_URL),
    config.ACTOR_CONTEXT_SECRET,
    baseUrlOf(config.WORKSPACE_URL),
    { logger: app.log },
  );
  app.route({
    url: "/graphql",
    method: ["GET", "POST", "OPTIONS"],
    handler: fastifyApolloHandler(apollo, {
      context: async (request) => {
        const header = request.headers.authorization;
        const actor = await authenticator.authenticate(Array.isArray(header) ? header[0] : header, request.id);
        return {
          actor,
          actorContext: await signActorContext(actor, config.ACTOR_CONTEXT_SECRET),
          requestId: request.id,
          // The socket's peer, never X-Forwarded-For: the gateway is the edge here and the header is
          // client-controlled, so trusting it would let anyone dodge per-address throttling. Behind a
          // load balancer, enable Fastify's trustProxy for that proxy's address only; request.ip then
          // becomes the forwarded client address.
          clientAddress: request.ip,
        };
      },
    }),
  });

  return app;
}
