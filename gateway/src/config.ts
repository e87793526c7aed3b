import { actorContextKeysSchema } from "@support/actor-context";
import { brokerList, httpUrl, loadConfigOrExit, metricsEnv, port, z } from "@support/config";

/**
 * `CORS_ORIGINS`: the browser origins allowed to call the gateway, comma-separated, each an exact
 * origin (`scheme://host[:port]`, no path, no trailing slash, lower case as browsers send it).
 * Empty (the default) allows none: same-origin pages and non-browser clients only.
 */
export const corsOrigins = z
  .string()
  .default("")
  .transform((value, context): string[] => {
    const origins = value
      .split(",")
      .map((entry) => entry.trim())
      .filter(Boolean);
    for (const origin of origins) {
      let parsed: URL | null = null;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = null;
      }
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
        context.addIssue({
          code: "custom",
          message: `"${origin}" is not an exact origin such as http://localhost:5173 (scheme, host and port only; no path, no trailing slash, no "*")`,
        });
        return z.NEVER;
      }
    }
    return [...new Set(origins)];
  });

export const gatewayEnv = {
  /** `GET /metrics` on its own port, never on PORT, the public entry (docs/adr/0020). */
  ...metricsEnv,
  PORT: port,
  HOST: z.string().default("127.0.0.1"),
  /** `kid:secret[,kid:secret…]`; the gateway signs with the first (docs/adr/0005). */
  ACTOR_CONTEXT_KEYS: actorContextKeysSchema,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  IDENTITY_URL: httpUrl,
  WORKSPACE_URL: httpUrl,
  TICKETING_URL: httpUrl,
  BILLING_URL: httpUrl,
  AUDIT_URL: httpUrl,
  /** How long one subgraph fetch may take before the gateway gives up on it (a hung subgraph must not hang clients). */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * Where the gateway reads `cache.invalidations` (docs/adr/0011). While it cannot, it remembers
   * no credentials and asks identity or workspace on every request.
   */
  KAFKA_BROKERS: brokerList,
  /**
   * How long the gateway may remember an accepted session token or API key (0: check every request).
   * Identity and workspace produce revocations to `cache.invalidations`, so a revoked credential is
   * refused within 1 s of the revoking mutation's answer regardless (docs/adr/0011).
   */
  CREDENTIAL_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** Schema introspection for clients (`true` in development tools); off unless set. */
  GATEWAY_INTROSPECTION: z
    .enum(["true", "false"], { message: "must be true or false" })
    .default("false")
    .transform((value) => value === "true"),
  /** Browser origins allowed to call `/graphql` and the download links (gateway/src/cors.ts). */
  CORS_ORIGINS: corsOrigins,
};

export type GatewayConfig = z.infer<z.ZodObject<typeof gatewayEnv>>;

export const loadGatewayConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfigOrExit(gatewayEnv, env);

/** A subgraph's base URL (without /graphql), for its internal endpoints and health. */
export const baseUrlOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql\/?$/, "");
