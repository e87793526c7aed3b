import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { FastifyInstance } from "fastify";
import { Partitioners, type Consumer, type Kafka, type Producer } from "kafkajs";
import pRetry from "p-retry";
import { z } from "zod";
import { CACHE_INVALIDATIONS_TOPIC, createKafka, ensureTopics } from "@support/events";
import type { Logger } from "@support/logger";
import { beforeScrape, metrics } from "@support/metrics";
import { FreshnessFence } from "./invalidation-fence.js";
import { withTimeout } from "./app.js";

/**
 * The topic that tells every caching instance what changed (docs/adr/0003, 0011). One partition:
 * one fetch then covers the whole topic, which the self-fence relies on (FreshnessFence), and
 * invalidations are few and small. Every instance reads it in a consumer group of its own, so
 * nobody lists the instances.
 */
export const INVALIDATIONS_TOPIC = CACHE_INVALIDATIONS_TOPIC.topic;

/** One message names at most this many ids in each list (a user deleted from every workspace). */
export const MAX_IDS_PER_LIST = 1_000;

/** Far above what MAX_IDS_PER_LIST ids take; a longer value is not parsed at all. */
const MAX_MESSAGE_BYTES = 256 * 1024;

/** How long a mutation waits for Kafka to acknowledge its invalidation (never longer). */
export const INVALIDATION_SEND_TIMEOUT_MS = 300;

const ids = z.array(z.string().uuid()).max(MAX_IDS_PER_LIST);

/**
 * What a message says changed. Permissions: the workspace service's answers about these
 * workspaces (roles, overrides, toggles, membership, plan). Credentials: a user's sessions (logged
 * out, disabled, suspended, deleted, org role changed), one session, API keys (revoked, rotated),
 * or every key of a workspace (deleted).
 */
export const invalidationSchema = z.union([
  z.object({ permissions: z.object({ workspaceIds: ids.min(1) }).strict() }).strict(),
  z
    .object({
      credentials: z
        .object({
          userIds: ids.default([]),
          sessionIds: ids.default([]),
          apiKeyIds: ids.default([]),
          workspaceIds: ids.default([]),
        })
        .strict(),
    })
    .strict(),
]);
export type Invalidation = z.infer<typeof invalidationSchema>;
/** What an owner of credentials says ended or changed (each list optional). */
export interface CredentialRevocation {
  userIds?: string[];
  sessionIds?: string[];
  apiKeyIds?: string[];
  workspaceIds?: string[];
}

/**
 * Reads one message; null when it cannot be read (too long, not JSON, not an invalidation): the
 * instance then drops every cache, since it cannot tell what changed.
 */
export function readInvalidation(value: Buffer | null): Invalidation | null {
  if (!value || value.length > MAX_MESSAGE_BYTES) return null;
  try {
    const parsed = invalidationSchema.safeParse(JSON.parse(value.toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Creates the topic if it is missing (the stack and `infra/kafka/cli.ts topics` create it with the
 * event topics; this covers a cluster set up otherwise, as consumer groups create theirs).
 */
async function ensureInvalidationsTopic(kafka: Kafka): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [CACHE_INVALIDATIONS_TOPIC]);
  } finally {
    await admin.disconnect();
  }
}

const kafkaOf = (kafka: Kafka | string[], name: string, logger: Logger): Kafka =>
  Array.isArray(kafka) ? createKafka(name, kafka, logger) : kafka;

/** One subscriber's handler; `null` is a message nobody can read: forget everything. */
export type InvalidationHandler = (invalidation: Invalidation | null) => void;

/**
 * This instance's reader of `cache.invalidations` and its self-fence: a consumer in a group of
 * its own (`<name>.invalidations.<host>.<pid>.<random>`) that starts at the end of the topic,
 * never commits offsets (an empty group without offsets is removed by Kafka) and long-polls for
 * at most 100 ms, so an idle instance still completes several fetches per fence window. The
 * fence (`fence`) says when the instance's caches may be used; every cache reads it.
 */
export class InvalidationFeed {
  readonly fence: FreshnessFence;
  private readonly kafka: Kafka;
  private readonly handlers: InvalidationHandler[] = [];
  private readonly closing = new AbortController();
  private consumer: Consumer | null = null;
  private starting: Promise<void> | null = null;
  private stopReporting: (() => void) | null = null;

  constructor(private readonly options: { kafka: Kafka | string[]; logger: Logger; name: string }) {
    this.kafka = kafkaOf(options.kafka, options.name, options.logger);
    this.fence = new FreshnessFence({
      onTrusted: ({ gapMs }) => {
        if (gapMs === null) options.logger.info("cache invalidations live: caches in use");
        // Short lapses (a slow fetch on a busy machine) are routine and cost only cache misses.
        else if (gapMs >= 2_000)
          options.logger.warn({ gapMs }, `cache invalidations live again; caches were bypassed for ${gapMs} ms`);
      },
    });
  }

  subscribe(handler: InvalidationHandler): void {
    this.handlers.push(handler);
  }

  /**
   * Joins in the background, retrying while Kafka is unreachable; until then (and whenever the
   * fence lapses) the caches are bypassed and everything works without them.
   */
  start(): void {
    if (this.starting) return;
    const { logger } = this.options;
    // Once per feed (start runs again after a crash): what operators and the tests' warm-ups read.
    const live = metrics.cacheInvalidationsLive();
    this.stopReporting ??= beforeScrape(async () => {
      live.set(this.fence.trustedGeneration() === null ? 0 : 1);
    });
    this.starting = pRetry(() => this.join(), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 500,
      maxTimeout: 5_000,
      signal: this.closing.signal,
      onFailedAttempt: ({ error, attemptNumber }) =>
        logger.warn({ err: error, attempt: attemptNumber }, "cache invalidation feed could not start; caches bypassed"),
    }).catch((error: unknown) => {
      if (!this.closing.signal.aborted) logger.error({ err: error }, "cache invalidation feed gave up");
    });
  }

  async stop(): Promise<void> {
    this.closing.abort();
    this.fence.lost();
    this.stopReporting?.();
    metrics.cacheInvalidationsLive().set(0);
    // A join in progress ends by itself; wait (bounded) so its member leaves the group too.
    if (this.starting) await Promise.race([this.starting, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    await this.consumer?.disconnect().catch(() => undefined);
  }

  private async join(): Promise<void> {
    const { logger, name } = this.options;
    await ensureInvalidationsTopic(this.kafka);
    const consumer = this.kafka.consumer({
      groupId: `${name}.invalidations.${hostname()}.${process.pid}.${randomBytes(4).toString("hex")}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    const { fence } = this;
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      const partitions = payload.memberAssignment[INVALIDATIONS_TOPIC]?.length ?? 0;
      fence.joined(partitions);
      // Someone created the topic otherwise: one fetch no longer covers it, so the fence never opens.
      if (partitions > 1)
        logger.error(
          { partitions },
          `${INVALIDATIONS_TOPIC} has more than one partition: caches stay off until it is recreated with one`,
        );
    });
    consumer.on(events.FETCH_START, () => fence.fetchStarted());
    consumer.on(events.FETCH, () => fence.fetchCompleted());
    for (const lost of [events.REBALANCING, events.STOP, events.DISCONNECT]) consumer.on(lost, () => fence.lost());
    consumer.on(events.CRASH, ({ payload }) => {
      fence.lost();
      if (payload.restart || this.closing.signal.aborted) return;
      // kafkajs gave up on this consumer: a new one (a new group) replaces it.
      logger.warn({ err: payload.error }, "cache invalidation consumer crashed; starting a new one");
      this.consumer = null;
      this.starting = null;
      void consumer.disconnect().finally(() => this.start());
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: INVALIDATIONS_TOPIC, fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) this.dispatch(readInvalidation(message.value));
          if (batch.offsetLag() !== "0") fence.behind();
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    if (this.closing.signal.aborted) {
      await consumer.disconnect();
      return;
    }
    this.consumer = consumer;
  }

  private dispatch(invalidation: Invalidation | null): void {
    if (!invalidation) this.options.logger.warn("unreadable cache invalidation: dropping every cached entry");
    for (const handler of this.handlers) handler(invalidation);
  }
}

/** Starts the feed when `app` is ready and stops it when `app` closes. */
export function invalidationFeedFor(
  app: FastifyInstance,
  options: { kafka: Kafka | string[]; logger: Logger; name: string },
): InvalidationFeed {
  const feed = new InvalidationFeed(options);
  app.addHook("onReady", async () => feed.start());
  app.addHook("onClose", () => feed.stop());
  return feed;
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/**
 * Tells every caching instance what changed, by producing to `cache.invalidations` after the
 * change committed and before the mutation answers. Waits at most INVALIDATION_SEND_TIMEOUT_MS
 * for Kafka's acknowledgement and never fails: a committed mutation answers whatever Kafka does.
 * An invalidation not acknowledged in time is logged as an error (kafkajs may still deliver it);
 * an instance that reads the topic and misses it may serve the old answer until its entry's TTL.
 * No caching instance is ever contacted, so a hung or dead one cannot delay the mutation.
 */
export class CacheInvalidations {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly closing = new AbortController();
  private connected: Promise<void> | null = null;

  constructor(private readonly options: { kafka: Kafka | string[]; logger: Logger; name: string; timeoutMs?: number }) {
    this.kafka = kafkaOf(options.kafka, options.name, options.logger);
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Short: what a mutation waits for is bounded anyway; a late retry only adds load.
      retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 },
    });
  }

  /** Connects in the background (retrying while Kafka is unreachable). */
  start(): void {
    if (this.connected) return;
    this.connected = pRetry(
      async () => {
        await ensureInvalidationsTopic(this.kafka);
        await this.producer.connect();
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: 500,
        maxTimeout: 5_000,
        signal: this.closing.signal,
        onFailedAttempt: ({ error }) =>
          this.options.logger.warn({ err: error }, "cache invalidation producer could not connect; retrying"),
      },
    );
    this.connected.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.closing.abort();
    await this.connected?.catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
  }

  /** Every cached answer about these workspaces' permissions. */
  permissions(workspaceIds: Iterable<string>): Promise<void> {
    return this.send(
      chunks([...new Set(workspaceIds)], MAX_IDS_PER_LIST).map((part) => ({ permissions: { workspaceIds: part } })),
    );
  }

  /** Every cached credential of these users, sessions, API keys, and API keys of these workspaces. */
  credentials(revocation: CredentialRevocation): Promise<void> {
    const lists = ["userIds", "sessionIds", "apiKeyIds", "workspaceIds"] as const;
    return this.send(
      lists.flatMap((list) =>
        chunks(revocation[list] ?? [], MAX_IDS_PER_LIST).map((part) => ({ credentials: { [list]: part } })),
      ),
    );
  }

  private async send(invalidations: Array<z.input<typeof invalidationSchema>>): Promise<void> {
    if (invalidations.length === 0) return;
    const messages = invalidations.map((invalidation) => {
      const parsed = invalidationSchema.parse(invalidation);
      // The subject's id: one workspace's or user's invalidations keep their order on any partition.
      const key =
        "permissions" in parsed ? parsed.permissions.workspaceIds[0] : Object.values(parsed.credentials).flat()[0];
      return { key: key ?? null, value: JSON.stringify(parsed) };
    });
    const timeoutMs = this.options.timeoutMs ?? INVALIDATION_SEND_TIMEOUT_MS;
    const sending = (async () => {
      if (!this.connected) throw new Error("the producer was not started");
      await this.connected;
      await this.producer.send({ topic: INVALIDATIONS_TOPIC, acks: -1, timeout: timeoutMs, messages });
    })();
    try {
      await withTimeout(sending, timeoutMs);
    } catch (error) {
      sending.catch(() => undefined);
      this.options.logger.error(
        { err: error, invalidations },
        "cache invalidation not acknowledged by Kafka in time; an instance that misses it may serve the old answer until its cache entry expires",
      );
    }
  }
}

/** A producer of invalidations started when `app` is ready and stopped when it closes. */
export function cacheInvalidationsFor(
  app: FastifyInstance,
  options: { kafka: Kafka | string[]; logger: Logger; name: string },
): CacheInvalidations {
  const invalidations = new CacheInvalidations(options);
  app.addHook("onReady", async () => invalidations.start());
  app.addHook("onClose", () => invalidations.stop());
  return invalidations;
}
