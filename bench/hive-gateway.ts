/**
 * The peer in bench/graph.ts: the same supergraph served by Hive Gateway (`@graphql-hive/gateway-runtime`,
 * the runtime behind `@graphql-hive/gateway`) on the same subgraphs, authenticating with our own
 * gateway's module (gateway/src/authenticate.ts) wired into its request pipeline and sending the same
 * signed actor context to every subgraph fetch. Run as its own process so its CPU time can be read:
 *
 *   PORT=4460 ACTOR_CONTEXT_KEYS=… KAFKA_BROKERS=… IDENTITY_URL=… WORKSPACE_URL=… TICKETING_URL=… BILLING_URL=… AUDIT_URL=… \
 *     npx tsx bench/hive-gateway.ts
 */
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { createGatewayRuntime, type GatewayPlugin } from "@graphql-hive/gateway-runtime";
import { ACTOR_CONTEXT_HEADER, ActorContextSigner, actorContextKeysSchema } from "@support/actor-context";
import { Authenticator } from "../gateway/src/authenticate.js";
import { createLogger } from "@support/logger";
import { credentialCacheWithFeed } from "../gateway/src/credential-cache.js";
import { SUPERGRAPH_FILE } from "../gateway/src/supergraph/subgraphs.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const baseUrlOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql\/?$/, "");

const [signingKey] = actorContextKeysSchema.parse(env("ACTOR_CONTEXT_KEYS"));
if (!signingKey) throw new Error("ACTOR_CONTEXT_KEYS lists no key");
const urls: Record<string, string> = {
  identity: env("IDENTITY_URL"),
  workspace: env("WORKSPACE_URL"),
  ticketing: env("TICKETING_URL"),
  billing: env("BILLING_URL"),
  audit: env("AUDIT_URL"),
};
// The checked-in supergraph names the development ports; point each graph at this stack's service.
const supergraph = readFileSync(SUPERGRAPH_FILE, "utf8").replace(
  /@join__graph\(name: "(\w+)", url: "[^"]*"\)/g,
  (whole, name: string) => (urls[name] ? `@join__graph(name: "${name}", url: "${urls[name]}")` : whole),
);

// With the same credential cache as ours, kept fresh the same way (its own reader of
// cache.invalidations on KAFKA_BROKERS: the cache is used only while that reader is live).
const contexts = new ActorContextSigner(signingKey);
const credentials = credentialCacheWithFeed({
  ttlMs: 60_000,
  maxEntries: 100_000,
  kafkaBrokers: env("KAFKA_BROKERS").split(","),
  logger: createLogger({ service: "hive-gateway", level: "warn" }),
  name: "hive-gateway",
});
credentials.feed?.start();
const authenticator = new Authenticator(baseUrlOf(urls.identity ?? ""), signingKey, baseUrlOf(urls.workspace ?? ""), {
  cache: credentials.cache,
});

interface ActorContextOf {
  actorContext?: string;
}

/** Our authentication in Hive's pipeline: the same module, the same signed context per request. */
const authentication: GatewayPlugin<ActorContextOf> = {
  async onContextBuilding({ context, extendContext }) {
    const request = context.request;
    const actor = await authenticator.authenticate(
      request.headers.get("authorization") ?? undefined,
      request.headers.get("x-request-id") ?? crypto.randomUUID(),
    );
    extendContext({ actorContext: await contexts.sign(actor, "127.0.0.1") });
  },
  onFetch({ context, options, setOptions }) {
    const actorContext = (context as ActorContextOf | undefined)?.actorContext;
    if (actorContext) setOptions({ ...options, headers: { ...options.headers, [ACTOR_CONTEXT_HEADER]: actorContext } });
  },
};

const gateway = createGatewayRuntime<ActorContextOf>({
  supergraph,
  logging: false,
  // The CLI package bundles this transport; with the runtime alone it is named here.
  transports: { http: import("@graphql-mesh/transport-http") },
  // Off: Hive merges identical in-flight subgraph queries, keyed without the headers our plugin
  // adds at fetch time, so two users' `{ me { id } }` would share one answer (wrong for them, and
  // less work than the same load costs any gateway that keeps users apart).
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: false } } },
  plugins: () => [authentication],
});

// The runtime is a (request, response) handler answering through a promise, which Node ignores.
const server = createServer((request, response) => void gateway(request, response));
server.listen(Number(env("PORT")), "127.0.0.1", () => process.stdout.write(`hive gateway ready\n`));
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
