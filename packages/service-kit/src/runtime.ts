import type { FastifyInstance } from "fastify";
import type { Admin, Kafka } from "kafkajs";
import type pg from "pg";
import {
  OutboxRelay,
  createKafka,
  replayTopicFor,
  topicFor,
  startIdempotentConsumer,
  type IdempotentConsumer,
  type IdempotentConsumerOptions,
  type SqlTransaction,
} from "@support/events";
import { createLogger, type Logger } from "@support/logger";
import pRetry from "p-retry";
import { signCursorsWith } from "@support/validation";
import type { ActorContextKey } from "@support/actor-context";
import { createServiceApp, requireActorContext, withTimeout } from "./app.js";
import { logSqlStatementsPerRequest } from "./sql-statements.js";
import { exposeMetrics, serviceScrapeMetrics, type ConsumedGroup, type MetricsConfig } from "./metrics.js";

export interface ServiceRuntimeConfig extends MetricsConfig {
  DATABASE_URL: string;
  KAFKA_BROKERS: string[];
  ACTOR_CONTEXT_KEYS: ActorContextKey[];
  LOG_LEVEL: string;
  OUTBOX_RETENTION_DAYS: number;
  PROCESSED_EVENT_RETENTION_DAYS: number;
  /** How long a consumer retries a parked event before dead-lettering it (docs/adr/0002). */
  PARKED_EVENT_RETRY_HOURS: number;
  /** How long a hung relay leader keeps the lead (docs/adr/0002). */
  RELAY_LEADER_TIMEOUT_SECONDS: number;
  KAFKA_CONSUMER_GROUP_PREFIX: string;
  /** Log each request's SQL statement count (tests bound them; see sql-statements.ts). */
  LOG_SQL_STATEMENTS?: boolean;
}

export interface ServiceDatabase {
  /** A cheap round trip, for `/ready`. */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

export interface ServiceRuntime {
  service: string;
  app: FastifyInstance;
  logger: Logger;
  kafka: Kafka;
  relay: OutboxRelay;
  /** The Kafka topic this service publishes to. */
  topic: string;
  /** Registers a consumer started when the app is ready and stopped when it closes. */
  consume<Tx extends SqlTransaction>(options: Omit<IdempotentConsumerOptions<Tx>, "kafka" | "logger">): void;
  /**
   * Sets gauges of this service's own right before each scrape of `/metrics` (docs/adr/0020), with
   * the metrics' one database connection; does nothing when METRICS_PORT is unset.
   */
  measureOnScrape(hook: (sql: pg.Pool) => Promise<void>): void;
}

const HOUR_MS = 60 * 60 * 1_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * What every service shares around its GraphQL schema: the Fastify app with health and
 * readiness, actor-context verification, its outbox relay and Kafka consumers, and one
 * `app.close()` that stops them in order (stop accepting, drain, flush, close the pool).
 */
export function createServiceRuntime(options: {
  service: string;
  config: ServiceRuntimeConfig;
  database: ServiceDatabase;
  logger?: Logger;
}): ServiceRuntime {
  const { service, config, database } = options;
  // Page cursors are signed with a key every replica has (docs/api.md, Pagination).
  signCursorsWith(config.ACTOR_CONTEXT_KEYS.map((key) => key.secret));
  const logger = options.logger ?? createLogger({ service, level: config.LOG_LEVEL });
  const kafka = createKafka(service, config.KAFKA_BROKERS, logger);
  const relay = new OutboxRelay({
    databaseUrl: config.DATABASE_URL,
    kafka,
    logger,
    leaderIdleTimeoutMs: config.RELAY_LEADER_TIMEOUT_SECONDS * 1_000,
    retention: {
      publishedMs: config.OUTBOX_RETENTION_DAYS * DAY_MS,
      processedMs: config.PROCESSED_EVENT_RETENTION_DAYS * DAY_MS,
    },
  });
  let admin: Admin | null = null;

  const app = createServiceApp({
    logger,
    readiness: {
      database: () => database.ping(),
      kafka: async () => {
        if (!admin) {
          admin = kafka.admin({ retry: { retries: 0 } });
          await admin.connect();
        }
        await admin.describeCluster();
        // Reachable is not enough: the service is ready once every consumer has joined.
        if (consumers.length < consumerStarters.length) throw new Error("consumers not started yet");
      },
    },
  });

  if (config.LOG_SQL_STATEMENTS) logSqlStatementsPerRequest(app);

  requireActorContext(app, config.ACTOR_CONTEXT_KEYS);

  // Metrics on their own port (docs/adr/0020): the outbox, the consumer groups, and the service's own.
  const consumedGroups: ConsumedGroup[] = [];
  const scrape = exposeMetrics(app, config, logger)
    ? serviceScrapeMetrics({ service, databaseUrl: config.DATABASE_URL, kafka, groups: () => consumedGroups, logger })
    : null;
  if (scrape) app.addHook("onClose", () => scrape.close());

  const consumerStarters: Array<() => Promise<IdempotentConsumer>> = [];
  const consumers: IdempotentConsumer[] = [];
  const closing = new AbortController();
  /** Consumer start attempts in progress: one that joins while the service closes must leave again. */
  const attemptsInFlight = new Set<Promise<void>>();

  app.addHook("onReady", async () => {
    // The first query opens the pool and loads Prisma's query compiler, which can take seconds
    // on a busy machine; pay it before listening, so the first /ready answers within its bound.
    // A database that is down is not fatal here: /ready says so until it answers.
    await withTimeout(database.ping(), 10_000).catch((error: unknown) =>
      logger.warn({ err: error }, "database did not answer at start; /ready reports it until it does"),
    );
    await relay.start();
    // Kafka may be down when the service starts: the service still serves (and says it is not
    // ready) while each consumer keeps trying to join, with back-off, until it does or the
    // service closes. Events wait in Kafka meanwhile; nothing is lost.
    for (const start of consumerStarters) keepConsuming(start);
  });

  /**
   * Starts a consumer and keeps it running: retried with back-off while Kafka is unreachable,
   * and started again when kafkajs gives up on it (a crash it will not restart itself, e.g.
   * "Failed to find group coordinator" while a broker comes back).
   */
  function keepConsuming(start: () => Promise<IdempotentConsumer>): void {
    const attempt = async () => {
      const consumer = await start();
      if (closing.signal.aborted) {
        await consumer.disconnect();
        return;
      }
      consumers.push(consumer);
      const { events } = consumer.consumer;
      consumer.consumer.on(events.CRASH, ({ payload }) => {
        if (payload.restart || closing.signal.aborted) return;
        logger.warn({ err: payload.error, groupId: payload.groupId }, "Kafka consumer crashed; starting it again");
        consumers.splice(consumers.indexOf(consumer), 1);
        void consumer
          .disconnect()
          .catch((error: unknown) => logger.warn({ err: error }, "crashed Kafka consumer did not disconnect cleanly"))
          .finally(() => keepConsuming(start));
      });
    };
    pRetry(
      () => {
        const running = attempt();
        attemptsInFlight.add(running);
        running.then(
          () => attemptsInFlight.delete(running),
          () => attemptsInFlight.delete(running),
        );
        return running;
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 1_000,
        maxTimeout: 15_000,
        signal: closing.signal,
        onFailedAttempt: ({ error, attemptNumber }) =>
          logger.warn({ err: error, attempt: attemptNumber }, "Kafka consumer could not start; retrying"),
      },
    ).catch((error: unknown) => {
      if (!closing.signal.aborted) logger.error({ err: error }, "Kafka consumer gave up");
    });
  }

  app.addHook("onClose", async () => {
    closing.abort();
    // A member that joined the group and exits without leaving holds its partitions until the
    // group's session times out; wait (bounded) for a join in progress to finish and leave.
    await Promise.race([
      Promise.allSettled([...attemptsInFlight]),
      new Promise((resolve) => setTimeout(resolve, 5_000)),
    ]);
    await Promise.race([relay.flush(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await relay.stop();
    await Promise.all(consumers.map((consumer) => consumer.disconnect()));
    if (admin) await (admin as Admin).disconnect();
    await database.close();
  });

  return {
    service,
    app,
    logger,
    kafka,
    relay,
    topic: topicFor(service),
    measureOnScrape(hook) {
      scrape?.extra(hook);
    },
    consume(consumerOptions) {
      const groupId = `${config.KAFKA_CONSUMER_GROUP_PREFIX}${consumerOptions.groupId}`;
      consumedGroups.push({ groupId, topics: [...consumerOptions.topics, replayTopicFor(groupId)] });
      consumerStarters.push(() =>
        startIdempotentConsumer({
          ...consumerOptions,
          groupId,
          kafka,
          logger,
          delayedRetry: { budgetMs: config.PARKED_EVENT_RETRY_HOURS * HOUR_MS, ...consumerOptions.delayedRetry },
        }),
      );
    },
  };
}
