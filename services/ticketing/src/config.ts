import { httpUrl, loadConfigOrExit, permissionCacheSeconds, serviceEnv, z } from "@support/config";

export const ticketingEnv = {
  ...serviceEnv,
  /** Base URL of the workspace service, for permission look-ups (docs/adr/0003). */
  WORKSPACE_SERVICE_URL: httpUrl,
  /** How long a permission answer is reused unless an invalidation names its workspace first (docs/adr/0003). */
  PERMISSION_CACHE_SECONDS: permissionCacheSeconds,
  /** How often this instance claims due SLA warnings and breaches (any number of instances may run). */
  SLA_TIMER_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** `false`: this instance fires no SLA timers (others do; the test stack uses it so SLA suites choose). */
  SLA_TIMERS_ENABLED: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
};

export type TicketingConfig = z.infer<z.ZodObject<typeof ticketingEnv>>;

export const loadTicketingConfig = (env: NodeJS.ProcessEnv = process.env): TicketingConfig =>
  loadConfigOrExit(ticketingEnv, env);
