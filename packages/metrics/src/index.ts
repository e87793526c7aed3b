import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { finished } from "node:stream";
import client from "prom-client";

/**
 * The metrics of one process (docs/adr/0020): every family of the product is declared here, once,
 * with the `support_` prefix, and created the first time the code that feeds it asks for it, so a
 * process exposes only the families it has (billing has no gateway latency). One registry per
 * process: prom-client's default one, which `collectDefaultMetrics` also fills.
 */
export const registry = client.register;

const once = <T>(make: () => T): (() => T) => {
  let made: T | undefined;
  return () => (made ??= make());
};

/** Seconds, for request-sized work: 5 ms to 10 s. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds, for exports and imports: 50 ms to 30 min (AUDIT_EXPORT_MAX_SECONDS' default). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export const metrics = {
  /** Gateway: one GraphQL operation from the request to the answer, by bounded operation name. */
  operationDuration: once(
    () =>
      new client.Histogram({
        name: "support_gateway_operation_duration_seconds",
        help: "GraphQL operations answered by the gateway, by operation name ((anonymous), (invalid) when it could not be resolved, (other) past the cap)",
        labelNames: ["operation_name"] as const,
        buckets: REQUEST_BUCKETS,
      }),
  ),
  /** Gateway: errors answered to clients, by `extensions.code` (after masking, so a bounded set). */
  gatewayErrors: once(
    () =>
      new client.Counter({
        name: "support_gateway_errors_total",
        help: "Errors the gateway answered to clients, by extensions.code",
        labelNames: ["code"] as const,
      }),
  ),
  /** Gateway: one fetch from a subgraph, body included. */
  subgraphFetchDuration: once(
    () =>
      new client.Histogram({
        name: "support_gateway_subgraph_fetch_duration_seconds",
        help: "Fetches from each subgraph, body included; outcome error: unreachable, timed out or non-2xx",
        labelNames: ["subgraph", "outcome"] as const,
        buckets: REQUEST_BUCKETS,
      }),
  ),
  /** The gateway's credential cache and the services' permission caches: hit ratio = hits / all. */
  cacheLookups: once(
    () =>
      new client.Counter({
        name: "support_cache_lookups_total",
        help: "Look-ups in a cache (credentials: the gateway's; permissions: ticketing's, billing's, audit's), by result hit or miss",
        labelNames: ["cache", "result"] as const,
      }),
  ),
  /** Whether this process's caches are in use right now (docs/adr/0003's fence), computed on scrape. */
  cacheInvalidationsLive: once(
    () =>
      new client.Gauge({
        name: "support_cache_invalidations_live",
        help: "1 while this process's cache invalidation feed is live and its caches are used; 0 while they are bypassed (Kafka unreachable, a slow fetch, a rejoin)",
      }),
  ),
  /** Outbox rows not yet published (parked ones apart), computed on scrape. */
  outboxBacklog: once(
    () =>
      new client.Gauge({
        name: "support_outbox_backlog_events",
        help: "Outbox rows waiting to be published to Kafka (parked rows not included)",
      }),
  ),
  outboxOldestAge: once(
    () =>
      new client.Gauge({
        name: "support_outbox_oldest_pending_age_seconds",
        help: "Age of the oldest outbox row waiting to be published, 0 when none waits",
      }),
  ),
  outboxParked: once(
    () =>
      new client.Gauge({
        name: "support_outbox_parked_events",
        help: "Outbox rows the relay parked (too large for Kafka); they wait for an operator",
      }),
  ),
  /** Messages of a consumer group's topics not yet committed by the group, computed on scrape. */
  consumerLag: once(
    () =>
      new client.Gauge({
        name: "support_consumer_lag_messages",
        help: "Messages of a topic the consumer group has not committed yet (summed over partitions; every replica reports the whole group)",
        labelNames: ["group", "topic"] as const,
      }),
  ),
  deadLetters: once(
    () =>
      new client.Counter({
        name: "support_consumer_dead_letters_total",
        help: "Events this process sent to <group>.dlq",
        labelNames: ["group"] as const,
      }),
  ),
  parkedEvents: once(
    () =>
      new client.Gauge({
        name: "support_consumer_parked_events",
        help: "Events a consumer group parked for delayed retries (their workspace's later events wait behind them)",
        labelNames: ["group"] as const,
      }),
  ),
  /** Ticketing: SLA warnings and breaches due and not yet fired, computed on scrape. */
  slaTimersDue: once(
    () =>
      new client.Gauge({
        name: "support_sla_timers_due",
        help: "SLA timers due and not yet fired, by kind warning or breach",
        labelNames: ["kind"] as const,
      }),
  ),
  slaTimersOldestDueAge: once(
    () =>
      new client.Gauge({
        name: "support_sla_timers_oldest_due_age_seconds",
        help: "How long the longest-waiting due SLA timer has been due, by kind, 0 when none is due",
        labelNames: ["kind"] as const,
      }),
  ),
  /** Billing: Stripe webhooks received (refused, duplicate, ignored, accepted) and processed (their final outcome). */
  stripeWebhooks: once(
    () =>
      new client.Counter({
        name: "support_stripe_webhooks_total",
        help: "Stripe webhooks: on receipt refused, duplicate, ignored or accepted; after processing, the final outcome (applied, unmatched, ...); event_type other for types billing does not apply",
        labelNames: ["outcome", "event_type"] as const,
      }),
  ),
  exportDuration: once(
    () =>
      new client.Histogram({
        name: "support_export_duration_seconds",
        help: "Downloads of exports from start to the last byte, by export (workspace_data, activity_log) and outcome (completed, failed)",
        labelNames: ["export", "outcome"] as const,
        buckets: JOB_BUCKETS,
      }),
  ),
  ticketImportDuration: once(
    () =>
      new client.Histogram({
        name: "support_ticket_import_duration_seconds",
        help: "importTickets calls, by outcome (imported, refused, failed)",
        labelNames: ["outcome"] as const,
        buckets: JOB_BUCKETS,
      }),
  ),
};

/** prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC), under their usual names. */
export const startProcessMetrics = once(() => client.collectDefaultMetrics({ register: registry }));

export type ScrapeHook = () => Promise<void>;
const scrapeHooks = new Set<ScrapeHook>();
/** How long a scrape waits for the gauges computed on scrape (a query, a Kafka admin call). */
export const SCRAPE_HOOK_TIMEOUT_MS = 3_000;

/**
 * Work that sets gauges right before each scrape (one query for several gauges). A hook that fails
 * or takes longer than SCRAPE_HOOK_TIMEOUT_MS leaves its gauges as it left them: hooks reset what
 * they could not measure, so a stale value is never reported as fresh. Returns the unsubscriber.
 */
export function beforeScrape(hook: ScrapeHook): () => void {
  scrapeHooks.add(hook);
  return () => scrapeHooks.delete(hook);
}

/** The registry in Prometheus' text format, after the scrape hooks ran. */
export async function renderMetrics(onHookError: (error: unknown) => void = () => undefined): Promise<string> {
  await Promise.all(
    [...scrapeHooks].map(async (hook) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          hook(),
          new Promise((_resolve, reject) => {
            timer = setTimeout(
              () => reject(new Error(`scrape hook took over ${SCRAPE_HOOK_TIMEOUT_MS} ms`)),
              SCRAPE_HOOK_TIMEOUT_MS,
            );
          }),
        ]);
      } catch (error) {
        onHookError(error);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return registry.metrics();
}

/**
 * Observes `histogram` when `stream` ends: `completed` when it was read to its end, `failed` when it
 * was destroyed or errored first. `finish` ends the observation early (a download refused before
 * its stream was sent); whichever comes first counts, once.
 */
export function observeStream(
  stream: NodeJS.ReadableStream,
  histogram: client.Histogram<"export" | "outcome">,
  labels: { export: string },
): { finish(outcome: "completed" | "failed"): void } {
  const end = histogram.startTimer(labels);
  let done = false;
  const finish = (outcome: "completed" | "failed") => {
    if (done) return;
    done = true;
    end({ outcome });
  };
  finished(stream, (error) => finish(error ? "failed" : "completed"));
  return { finish };
}

/**
 * A label value from a client-chosen name, with a bounded number of distinct values: names are
 * taken as they come until `max` distinct ones were seen, later new ones are `(other)`; anything
 * that is not a GraphQL-style name is `(other)` too.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}

  of(name: string): string {
    if (this.seen.has(name)) return name;
    if (!/^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name) || this.seen.size >= this.max) return "(other)";
    this.seen.add(name);
    return name;
  }
}

export interface MetricsServerOptions {
  port: number;
  host: string;
  /** When set, a scrape must send `Authorization: Bearer <token>` (METRICS_TOKEN). */
  token?: string | undefined;
  logger: { warn(details: object, message: string): void; info(details: object, message: string): void };
}

export interface MetricsServer {
  /** The port it listens on (the one asked for, or the system's pick for 0). */
  port: number;
  close(): Promise<void>;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * The metrics listener: `GET /metrics` and nothing else, on its own port (METRICS_PORT), apart
 * from the port that serves clients: the gateway's public entry has no `/metrics` in any spelling,
 * and a scraper reaches every replica on this port inside the cluster (docs/adr/0020).
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const expected = options.token === undefined ? null : digest(`Bearer ${options.token}`);
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" }).end("method not allowed\n");
      return;
    }
    // Compared as digests: equal lengths for timingSafeEqual, and nothing learnt from timing.
    if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ""), expected)) {
      response.writeHead(401, { "www-authenticate": "Bearer", "content-type": "text/plain" }).end("unauthorized\n");
      return;
    }
    renderMetrics((error) => options.logger.warn({ err: error }, "a metric could not be measured for this scrape"))
      .then((body) => {
        response.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
        response.end(request.method === "HEAD" ? undefined : body);
      })
      .catch((error: unknown) => {
        options.logger.warn({ err: error }, "metrics could not be rendered");
        response.writeHead(500, { "content-type": "text/plain" }).end("metrics unavailable\n");
      });
  });
  // A scraper's keep-alive connection must not hold the process open at shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  options.logger.info({ port }, `metrics at http://${options.host}:${port}/metrics`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
