import type { FastifyInstance } from "fastify";
import type { Admin, Kafka } from "kafkajs";
import pg from "pg";
import type { Logger } from "@support/logger";
import { beforeScrape, metrics, serveMetrics, startProcessMetrics, type MetricsServer } from "@support/metrics";

export interface MetricsConfig {
  HOST?: string;
  /** Where `GET /metrics` listens; unset: no metrics listener (docs/adr/0020). */
  METRICS_PORT?: number | undefined;
  /** Required from scrapers as `Authorization: Bearer <token>` when set. */
  METRICS_TOKEN?: string | undefined;
}

/**
 * Serves this process's metrics on METRICS_PORT from the moment the app is ready until it closes
 * (docs/adr/0020). The same for the gateway and every service: the app's own port, the one
 * clients (or the gateway) reach, never answers `/metrics`. Returns whether metrics are on.
 */
export function exposeMetrics(app: FastifyInstance, config: MetricsConfig, logger: Logger): boolean {
  const port = config.METRICS_PORT;
  if (port === undefined) return false;
  startProcessMetrics();
  let server: MetricsServer | null = null;
  app.addHook("onReady", async () => {
    server = await serveMetrics({ port, host: config.HOST ?? "127.0.0.1", token: config.METRICS_TOKEN, logger });
  });
  app.addHook("onClose", async () => {
    await server?.close();
  });
  return true;
}

/** A consumer group this process runs, and the topics whose lag it reports. */
export interface ConsumedGroup {
  groupId: string;
  topics: string[];
}

/**
 * The gauges a service computes on each scrape, with one small pool (one connection, opened on
 * the first scrape, closed when idle) and one Kafka admin, both only while scraped:
 * - the outbox's backlog, the age of its oldest waiting row and its parked rows (one query over
 *   `outbox_event`'s index on `published_at`),
 * - each consumer group's parked events (`parked_event`) and its lag (committed offsets against the
 *   topics' high watermarks).
 * `extra` runs more queries on the same pool (ticketing's SLA timers). Whatever cannot be measured
 * this time is reset, so a gauge is absent rather than stale.
 */
export function serviceScrapeMetrics(options: {
  service: string;
  databaseUrl: string;
  kafka: Kafka;
  groups: () => readonly ConsumedGroup[];
  logger: Logger;
}): { extra(hook: (sql: pg.Pool) => Promise<void>): void; close(): Promise<void> } {
  let pool: pg.Pool | null = null;
  const sql = () => {
    if (!pool) {
      pool = new pg.Pool({
        connectionString: options.databaseUrl,
        max: 1,
        idleTimeoutMillis: 60_000,
        // A scrape never queues behind a slow statement of its own.
        statement_timeout: 2_000,
        application_name: `${options.service}-metrics`,
      });
      pool.on("error", (error) => options.logger.warn({ err: error }, "metrics database connection failed"));
    }
    return pool;
  };
  let admin: Admin | null = null;
  const connectedAdmin = async (): Promise<Admin> => {
    if (admin) return admin;
    const created = options.kafka.admin({ retry: { retries: 0 } });
    await created.connect();
    admin = created;
    return created;
  };
  const unsubscribers: Array<() => void> = [];

  unsubscribers.push(
    beforeScrape(async () => {
      const backlog = metrics.outboxBacklog();
      const oldest = metrics.outboxOldestAge();
      const parkedRows = metrics.outboxParked();
      try {
        const { rows } = await sql().query<{ pending: string; parked: string; oldest_age: number | null }>(
          `SELECT count(*) FILTER (WHERE parked_at IS NULL) AS pending,
                  count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
                  extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL))::float8 AS oldest_age
             FROM outbox_event WHERE published_at IS NULL`,
        );
        const [row] = rows;
        backlog.set(Number(row?.pending ?? 0));
        parkedRows.set(Number(row?.parked ?? 0));
        oldest.set(Math.max(0, row?.oldest_age ?? 0));
      } catch (error) {
        backlog.reset();
        parkedRows.reset();
        oldest.reset();
        throw error;
      }
    }),
  );

  unsubscribers.push(
    beforeScrape(async () => {
      const parked = metrics.parkedEvents();
      const groups = options.groups();
      try {
        const { rows } = await sql().query<{ consumer_group: string; parked: string }>(
          `SELECT consumer_group, count(*) AS parked FROM parked_event GROUP BY consumer_group`,
        );
        const counts = new Map(rows.map((row) => [row.consumer_group, Number(row.parked)]));
        parked.reset();
        for (const { groupId } of groups) parked.set({ group: groupId }, counts.get(groupId) ?? 0);
      } catch (error) {
        parked.reset();
        throw error;
      }
    }),
  );

  unsubscribers.push(
    beforeScrape(async () => {
      const lag = metrics.consumerLag();
      const groups = options.groups();
      try {
        const kafkaAdmin = await connectedAdmin();
        const topics = [...new Set(groups.flatMap((group) => group.topics))];
        const ends = new Map(
          await Promise.all(topics.map(async (topic) => [topic, await kafkaAdmin.fetchTopicOffsets(topic)] as const)),
        );
        const committed = await Promise.all(
          groups.map(async (group) => ({
            group,
            offsets: await kafkaAdmin.fetchOffsets({ groupId: group.groupId, topics: group.topics }),
          })),
        );
        lag.reset();
        for (const { group, offsets } of committed) {
          for (const { topic, partitions } of offsets) {
            let behind = 0;
            for (const end of ends.get(topic) ?? []) {
              const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
              // Nothing committed yet: the group starts from the beginning (fromBeginning), i.e. the low watermark.
              const from = offset >= 0 ? offset : Number(end.low);
              behind += Math.max(0, Number(end.high) - from);
            }
            lag.set({ group: group.groupId, topic }, behind);
          }
        }
      } catch (error) {
        lag.reset();
        const broken = admin;
        admin = null;
        await broken?.disconnect().catch(() => undefined);
        throw error;
      }
    }),
  );

  return {
    extra(hook) {
      unsubscribers.push(beforeScrape(() => hook(sql())));
    },
    async close() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
      await Promise.all([admin?.disconnect(), (pool as pg.Pool | null)?.end()]);
    },
  };
}
