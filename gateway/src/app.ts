import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloGateway } from "@apollo/gateway";
import { fastifyApolloHandler } from "@as-integrations/fastify";
import type { FastifyInstance } from "fastify";
import { ActorContextSigner, type Actor } from "@support/actor-context";
import { createLogger, type Logger } from "@support/logger";
import { createServiceApp, exposeMetrics } from "@support/service-kit";
import { APOLLO_FEATURES_WE_DO_NOT_USE } from "@support/service-kit/apollo";
import { baseUrlOf, type GatewayConfig } from "./config.js";
import { Authenticator } from "./authenticate.js";
import { credentialCacheWithFeed } from "./credential-cache.js";
import { formatGatewayError, rateLimitHeaders, serviceUnavailableStatus } from "./errors.js";
import { gatewayProtection, noIntrospection } from "./limits.js";
import { DOWNLOAD_ROUTE, registerDownloads } from "./downloads.js";
import { registerCors } from "./cors.js";
import { registerLanding, sendPage, wantsPage } from "./landing.js";
import { answerOversizedBodies } from "./body-limit.js";
import { subgraphFetcher } from "./subgraph-fetcher.js";
import { SubgraphSource } from "./subgraph-source.js";
import { checkGraphScalars } from "./scalars.js";
import { gatewayMetricsPlugin, timedFetcher } from "./metrics.js";
import { SUBGRAPHS, SUPERGRAPH_FILE } from "./supergraph/subgraphs.js";

export { SCHEMA_QUERY } from "./landing.js";

export interface GatewayContext {
  actor: Actor;
  /**
   * Signed for this actor and client address (reused for up to 10 s, `ActorContextSigner`) and sent
   * to every subgraph the plan touches.
   */
  actorContext: string;
  requestId: string;
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

  answerOversizedBodies(app);
  // GET /metrics on METRICS_PORT only: PORT is the public entry and has no such route (docs/adr/0020).
  exposeMetrics(app, config, logger);

  const subgraphs = subgraphFetcher(config.SUBGRAPH_TIMEOUT_MS);
  app.addHook("onClose", () => subgraphs.close());
  const gateway = new ApolloGateway({
    // Composed at build time (gateway/supergraph.graphql); URLs come from config, not the file.
    supergraphSdl: readFileSync(SUPERGRAPH_FILE, "utf8"),
    // A hung subgraph must not hang the client: each fetch fails after the timeout.
    buildService: ({ name, url }) => {
      const subgraphUrl = urls[name] ?? url;
      if (!subgraphUrl) throw new Error(`the supergraph names subgraph ${name}, which has no URL`);
      return new SubgraphSource(name, subgraphUrl, timedFetcher(name, subgraphs.fetcher), logger);
    },
    // The query plan names subgraphs and their operations: never handed to a client that asks
    // with `Apollo-Query-Plan-Experimental`, whatever NODE_ENV says.
    __exposeQueryPlanExperimental: false,
  });

  // Before any request: the graph's scalars are checked here, not first in a subgraph.
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => checkGraphScalars(apiSchema));

  const protection = gatewayProtection();
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    // Off by default: anonymous callers should not get the schema's map (GATEWAY_INTROSPECTION).
    // Refused by our own rule, whose message names the variable rather than an ApolloServer option.
    introspection: true,
    allowBatchedHttpRequests: false,
    validationRules: [...protection.validationRules, ...(config.GATEWAY_INTROSPECTION ? [] : [noIntrospection])],
    parseOptions: protection.parseOptions,
    plugins: [
      ...protection.plugins,
      serviceUnavailableStatus,
      rateLimitHeaders,
      gatewayMetricsPlugin(),
      ...APOLLO_FEATURES_WE_DO_NOT_USE,
    ],
    formatError: (formatted, error) => formatGatewayError(formatted, error, logger),
    // listenUntilSignalled owns SIGTERM. Apollo's own handler would stop, then re-send the signal
    // to the process, killing it before in-flight requests are answered.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  // app.close() drains HTTP first, then stops Apollo (no drain plugin: it would call app.close() again).
  app.addHook("onClose", () => apollo.stop());

  // The first configured key signs; subgraphs accept every configured key (docs/adr/0005).
  const [signingKey] = config.ACTOR_CONTEXT_KEYS;
  if (!signingKey) throw new Error("ACTOR_CONTEXT_KEYS lists no key");
  const contexts = new ActorContextSigner(signingKey);
  // Revocations reach this gateway through its own reader of cache.invalidations; the cache is used
  // only while that reader is live (docs/adr/0011). Nobody needs to know this gateway exists.
  const { cache: credentials, feed } = credentialCacheWithFeed({
    ttlMs: config.CREDENTIAL_CACHE_SECONDS * 1000,
    maxEntries: 100_000,
    kafkaBrokers: config.KAFKA_BROKERS,
    logger,
    name: "gateway",
  });
  if (feed) {
    app.addHook("onReady", async () => feed.start());
    app.addHook("onClose", () => feed.stop());
  }
  const authenticator = new Authenticator(baseUrlOf(config.IDENTITY_URL), signingKey, baseUrlOf(config.WORKSPACE_URL), {
    logger: app.log,
    cache: credentials,
  });

  // Browser apps on CORS_ORIGINS: preflights of /graphql and of download links (gateway/src/cors.ts).
  registerCors(app, config.CORS_ORIGINS, [
    { url: "/graphql", methods: ["GET", "POST"] },
    { url: DOWNLOAD_ROUTE, methods: ["GET"] },
  ]);
  // GraphiQL (development) or a pointer to POST /graphql (production) at GET /.
  registerLanding(app, { page: config.GATEWAY_INTROSPECTION });

  const graphqlHandler = fastifyApolloHandler(apollo, {
    context: async (request) => {
      const header = request.headers.authorization;
      const actor = await authenticator.authenticate(Array.isArray(header) ? header[0] : header, request.id);
      return {
        actor,
        // The socket's peer, never X-Forwarded-For: the gateway is the edge here and the header
        // is client-controlled, so trusting it would let anyone dodge per-address throttling.
        // Behind a load balancer, enable Fastify's trustProxy for that proxy's address only;
        // request.ip then becomes the forwarded client address.
        actorContext: await contexts.sign(actor, request.ip),
        requestId: request.id,
      };
    },
  });
  app.route({
    url: "/graphql",
    method: ["GET", "POST"],
    // A browser opening /graphql gets GraphiQL in development; GraphQL GETs go to Apollo.
    preHandler: async (request, reply) => {
      if (config.GATEWAY_INTROSPECTION && wantsPage(request)) return sendPage(reply);
    },
    handler: graphqlHandler,
  });

  registerDownloads(app, {
    authenticator,
    signingKey,
    services: { audit: baseUrlOf(config.AUDIT_URL), workspace: baseUrlOf(config.WORKSPACE_URL) },
  });

  return app;
}
