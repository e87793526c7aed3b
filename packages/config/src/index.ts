import { z } from "zod";
import { actorContextKeysSchema } from "@support/actor-context";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses the environment against a zod object schema; every problem names its variable. */
export function loadConfig<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.map(String).join(".");
      const value = env[name];
      return value === undefined ? `${name} is not set (${issue.message})` : `${name} is malformed: ${issue.message}`;
    }),
  );
}

/** For entry points: a bad environment stops the process with a message naming the variables. */
export function loadConfigOrExit<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<Shape>> {
  try {
    return loadConfig(shape, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), "must be a postgresql:// URL");

/** KAFKA_BROKERS: `host:port[,host:port]`. */
export const brokerList = z
  .string()
  .min(1)
  .transform((v) =>
    v
      .split(",")
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0 && list.every((b) => /^[\w.-]+:\d+$/.test(b)), "must be host:port[,host:port]");

/**
 * A TCP port. Digits only: z.coerce.number would read an empty PORT (e.g. `PORT=$UNSET`) as 0,
 * and the service would silently listen on a random port.
 */
export const port = z
  .string()
  .regex(/^\d+$/, "must be a port number (digits only)")
  .transform(Number)
  .pipe(z.number().int().min(0).max(65535));

/**
 * The metrics listener of every service and of the gateway (docs/adr/0020): `GET /metrics` on its
 * own port, never on the port that serves clients. Unset: no metrics listener. `METRICS_TOKEN`,
 * when set, is required as `Authorization: Bearer <token>` from the scraper.
 */
export const metricsEnv = {
  METRICS_PORT: port.optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
};

/** Variables every subgraph service reads. */
export const serviceEnv = {
  ...metricsEnv,
  PORT: port,
  HOST: z.string().default("127.0.0.1"),
  DATABASE_URL: postgresUrl,
  KAFKA_BROKERS: brokerList,
  /** `kid:secret[,kid:secret…]`: the first key signs, all verify (docs/adr/0005). */
  ACTOR_CONTEXT_KEYS: actorContextKeysSchema,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Days published outbox rows are kept before the relay prunes them (docs/adr/0002). */
  OUTBOX_RETENTION_DAYS: z.coerce.number().positive().default(7),
  /** Days consumed event ids are kept for de-duplication; must exceed Kafka's retention. */
  PROCESSED_EVENT_RETENTION_DAYS: z.coerce.number().positive().default(30),
  /**
   * Hours a consumer keeps retrying a parked event (one that failed its quick retries; the later
   * events of its workspace wait behind it) before dead-lettering it (docs/adr/0002). 0: dead-letter
   * right after the quick retries.
   */
  PARKED_EVENT_RETRY_HOURS: z.coerce.number().min(0).default(24),
  /**
   * Seconds a hung relay leader (a frozen process) keeps the lead before PostgreSQL ends its silent
   * session and another instance takes over (docs/adr/0002).
   */
  RELAY_LEADER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /**
   * Prepended to every consumer group id (`staging.` → `staging.billing.workspace-events`): two
   * deployments sharing one Kafka cluster, or a scratch instance in a test, keep their own groups
   * and so their own partitions and offsets. Empty by default.
   */
  KAFKA_CONSUMER_GROUP_PREFIX: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9._-]*$/, "must be letters, digits, dots, dashes or underscores")
    .default(""),
  /** `true`: log each request's SQL statement count (the test stack sets it). */
  LOG_SQL_STATEMENTS: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
};

/**
 * PERMISSION_CACHE_SECONDS of ticketing, billing and audit: how long a permission answer of the
 * workspace service may be reused (docs/adr/0003); the workspace service's invalidations
 * (`cache.invalidations`) remove it sooner, within 1 s of the changing mutation's answer. 0 asks
 * on every request.
 */
export const permissionCacheSeconds = z.coerce.number().int().min(0).max(3600).default(60);

export const httpUrl = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//.test(v), "must be an http(s) URL");
export { z };
