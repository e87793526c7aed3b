import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from "kafkajs";
import pRetry from "p-retry";
import type { Logger } from "@support/logger";
import { parseEvent, InvalidEventError } from "./envelope.js";
import { consumerGroupTopics, deadLetterTopicFor, ensureTopics, retryTopicFor } from "./kafka.js";
import type { EventType, TypedEvent } from "./registry/index.js";
import type { SqlTransaction } from "./outbox.js";

/** How often a failing handler is tried again, with exponential back-off, before its event is dead-lettered. */
export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

/** 5 attempts within about 4 s: a deadlock or a serialisation failure clears; a bug does not. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, minTimeoutMs: 250, maxTimeoutMs: 2_000 };

/** Events applied in one transaction when the consumer has `handleBatch` (default). */
const DEFAULT_MAX_EVENTS_PER_TRANSACTION = 100;

export interface IdempotentConsumerOptions<Tx extends SqlTransaction> {
  kafka: Kafka;
  groupId: string;
  /** Topics to consume; the group's retry topic (`<group>.retry`) is always consumed too. */
  topics: string[];
  logger: Logger;
  /** Runs `work` in one database transaction of the consuming service, e.g. `(fn) => prisma.$transaction(fn)`. */
  transaction: <R>(work: (tx: Tx) => Promise<R>) => Promise<R>;
  /**
   * The event types `handle` applies. Any other type is skipped from the envelope's `type` alone,
   * before any database work and without a `processed_event` row: a burst of events this consumer
   * ignores costs it no transaction (issue 21). Omitted: every type is handled.
   */
  eventTypes?: readonly EventType[];
  /** Applies one event; runs inside the transaction that also records the event id. */
  handle: (event: TypedEvent, tx: Tx) => Promise<void>;
  /**
   * Applies several events of one partition, in order, in one transaction (faster than one
   * transaction each). When it throws, the events are applied one by one with `handle`, so one
   * poison event is isolated and dead-lettered alone. Default: `handle` for each, in order, in
   * that one transaction.
   */
  handleBatch?: (events: TypedEvent[], tx: Tx) => Promise<void>;
  /** At most this many handled events per transaction. Default 100; 1 applies each alone. */
  maxEventsPerTransaction?: number;
  /**
   * Large work that cannot fit one transaction (a purge): runs before the event's transaction, in
   * bounded transactions of its own, and returns when nothing of it is left. It must be idempotent
   * and resumable: it runs again when the event is redelivered (a restart halfway, a retry), and
   * for a duplicate. The event is recorded as processed, with `handle`'s writes, only after it
   * returns; a `prepare` that keeps failing is retried and dead-lettered like `handle`.
   */
  prepare?: (event: TypedEvent) => Promise<void>;
  retry?: Partial<RetryPolicy>;
  /** Partitions applied at the same time by this instance; order holds within each. Default 3. */
  partitionsConsumedConcurrently?: number;
}

/**
 * The headers a dead letter carries besides the original message's own; its key and value are
 * the original message's, byte for byte, so `events:replay` re-delivers exactly what failed.
 */
export const DEAD_LETTER_HEADERS = {
  reason: "dead-letter-reason",
  originTopic: "dead-letter-origin-topic",
  originPartition: "dead-letter-origin-partition",
  originOffset: "dead-letter-origin-offset",
  consumerGroup: "dead-letter-consumer-group",
  attempts: "dead-letter-attempts",
  failedAt: "dead-letter-failed-at",
} as const;

/** A message's headers without those of an earlier dead-lettering (a replayed event that failed again). */
export function withoutDeadLetterHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith("dead-letter-")));
}

/** A running consumer: kafkajs' consumer (for its events) and how to stop it with its dead-letter producer. */
export interface IdempotentConsumer {
  readonly consumer: Consumer;
  disconnect(): Promise<void>;
}

/** A message in a batch; `event` is null for one of a type the consumer does not handle (skipped). */
type Received = { message: KafkaMessage; event: TypedEvent | null };
type Handled = { message: KafkaMessage; event: TypedEvent };

/** Thrown out of a batch when the consumer lost its partition or is stopping: nothing more is applied or committed. */
class BatchAbandoned extends Error {}

/** Thrown by the default `handleBatch`: which event's `handle` failed (that was its first attempt). */
class BatchEventFailed extends Error {
  constructor(
    readonly event: TypedEvent,
    override readonly cause: unknown,
  ) {
    super(`handler failed in a batch for event ${event.id}`);
  }
}

/**
 * Consumes envelopes exactly-once in effect (docs/adr/0002): the event id is recorded in
 * `processed_event` under the consumer group, in the same transaction as the handler's writes,
 * and the Kafka offset is committed only after that transaction commits; a redelivered event
 * finds its id and is skipped. A handler that keeps failing is retried with back-off, then its
 * event goes to the group's dead-letter topic and the partition moves on; so does a message that
 * is not a valid envelope. Nothing is dropped without a dead letter.
 */
export async function startIdempotentConsumer<Tx extends SqlTransaction>(
  options: IdempotentConsumerOptions<Tx>,
): Promise<IdempotentConsumer> {
  const { kafka, groupId, topics, logger, transaction, handle, prepare } = options;
  const handleBatch =
    options.handleBatch ??
    (async (events: TypedEvent[], tx: Tx) => {
      for (const event of events) {
        try {
          await handle(event, tx);
        } catch (error) {
          throw new BatchEventFailed(event, error);
        }
      }
    });
  const handledTypes = options.eventTypes ? new Set<string>(options.eventTypes) : null;
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const maxPerTransaction = options.maxEventsPerTransaction ?? DEFAULT_MAX_EVENTS_PER_TRANSACTION;
  const deadLetterTopic = deadLetterTopicFor(groupId);

  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, consumerGroupTopics(groupId));
  } finally {
    await admin.disconnect();
  }

  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  /** Connected on the first dead letter: most consumers never need it, and joining is quicker without. */
  let producerReady: Promise<void> | null = null;
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    // disconnect() waits for the fetch in progress; kafkajs' default long poll (5 s) would hold a
    // SIGTERM'd service that long. Fetches still return at once when messages arrive.
    maxWaitTimeInMs: 1_000,
    // A member that dies without leaving holds its partitions until its session times out;
    // 10 s (kafkajs' default is 30 s) bounds how long a crashed instance stalls its group.
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const disconnect = async () => {
    try {
      await consumer.disconnect();
    } finally {
      if (producerReady) await producer.disconnect();
    }
  };
  try {
    await consumer.connect();
    for (const topic of [...topics, retryTopicFor(groupId)]) await consumer.subscribe({ topic, fromBeginning: true });
  } catch (error) {
    await disconnect().catch(() => undefined);
    throw error;
  }

  /** Records the id under this group; false when the group applied this event before. */
  async function firstDelivery(tx: Tx, event: TypedEvent): Promise<boolean> {
    const inserted = await tx.$executeRawUnsafe(
      `INSERT INTO processed_event (consumer_group, event_id, event_type) VALUES ($1, $2::uuid, $3) ON CONFLICT DO NOTHING`,
      groupId,
      event.id,
      event.type,
    );
    return inserted > 0;
  }

  /** Records the ids of a run under this group in one statement; returns the events the group had not applied. */
  async function firstDeliveries(tx: Tx, events: TypedEvent[]): Promise<TypedEvent[]> {
    if (!tx.$queryRawUnsafe) {
      const fresh: TypedEvent[] = [];
      for (const event of events) if (await firstDelivery(tx, event)) fresh.push(event);
      return fresh;
    }
    const inserted = await tx.$queryRawUnsafe<Array<{ event_id: string }>>(
      `INSERT INTO processed_event (consumer_group, event_id, event_type)
       SELECT $1, id, type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
       ON CONFLICT DO NOTHING RETURNING event_id::text`,
      groupId,
      events.map((e) => e.id),
      events.map((e) => e.type),
    );
    const fresh = new Set(inserted.map((row) => row.event_id));
    // One copy of an id that appears twice in a run (a producer's resend) is applied.
    return events.filter((e) => fresh.delete(e.id));
  }

  async function deadLetter(
    source: { topic: string; partition: number; message: KafkaMessage },
    reason: string,
    attempts: number,
    event?: TypedEvent,
  ): Promise<void> {
    const { topic, partition, message } = source;
    producerReady ??= producer.connect().catch((error: unknown) => {
      producerReady = null;
      throw error;
    });
    await producerReady;
    await producer.send({
      topic: deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...withoutDeadLetterHeaders(message.headers),
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.originTopic]: topic,
            [DEAD_LETTER_HEADERS.originPartition]: String(partition),
            [DEAD_LETTER_HEADERS.originOffset]: message.offset,
            [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
            [DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
    logger.error(
      {
        groupId,
        topic,
        partition,
        offset: message.offset,
        eventId: event?.id,
        type: event?.type,
        reason,
        deadLetterTopic,
      },
      "event dead-lettered; the partition moves on (replay with npm run events:replay)",
    );
  }

  /**
   * The envelope's type when this consumer does not handle it (the message is skipped), else
   * null. Only the `type` field is read: no schema validation and no database work for an event
   * that is not this consumer's. What it does handle is validated in full by `parseEvent`.
   */
  function ignoredType(value: unknown): string | null {
    if (!handledTypes || typeof value !== "object" || value === null) return null;
    const type = (value as { type?: unknown }).type;
    return typeof type === "string" && !handledTypes.has(type) ? type : null;
  }

  async function processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const source = (message: KafkaMessage) => ({ topic, partition, message });
    const assertCurrent = () => {
      if (!isRunning() || isStale()) throw new BatchAbandoned();
    };
    /** The last message whose offset is resolved but not yet committed to Kafka. */
    let uncommitted: KafkaMessage | null = null;
    /** Everything up to `message` is applied (or skipped): its offset moves on, committed at the next `commit`. */
    const done = (message: KafkaMessage) => {
      resolveOffset(message.offset);
      uncommitted = message;
    };
    /**
     * Commits the offset after the last message done: once per transaction, per dead letter and
     * at the end of the batch, not once per event. Skipped events committed late are skipped
     * again on redelivery; applied ones find their `processed_event` row.
     */
    const commit = async () => {
      if (uncommitted) {
        const offset = (BigInt(uncommitted.offset) + 1n).toString();
        uncommitted = null;
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
      }
      await heartbeat();
    };

    /** One event in its own transaction, retried; dead-lettered when it keeps failing for a reason of its own. */
    async function applyOne({ message, event }: Handled, failedInBatch?: unknown): Promise<void> {
      // A failure in a batch transaction counts as the event's first attempt: every event gets
      // `retries + 1` attempts in all, whether it came alone or in a batch.
      let attempts = failedInBatch === undefined ? 0 : 1;
      let heartbeatError: unknown = null;
      try {
        if (attempts > retry.retries) throw failedInBatch;
        const applied = await pRetry(
          async () => {
            attempts += 1;
            if (prepare) await prepare(event);
            return transaction(async (tx) => {
              if (!(await firstDelivery(tx, event))) return false;
              await handle(event, tx);
              return true;
            });
          },
          {
            retries: retry.retries - attempts,
            minTimeout: retry.minTimeoutMs,
            maxTimeout: retry.maxTimeoutMs,
            shouldRetry: () => isRunning() && !isStale() && heartbeatError === null,
            onFailedAttempt: async ({ error, retriesLeft }) => {
              logger.warn(
                { err: error, groupId, eventId: event.id, type: event.type, attempt: attempts, retriesLeft },
                "event handler failed",
              );
              // Retries must not cost the group membership; a rebalance ends them (handled below).
              await heartbeat().catch((error: unknown) => (heartbeatError = error));
            },
          },
        );
        logger.debug(
          { groupId, eventId: event.id, type: event.type, applied },
          applied ? "event applied" : "duplicate event skipped",
        );
      } catch (error) {
        if (heartbeatError !== null) throw heartbeatError;
        assertCurrent();
        // A database that does not answer is no fault of the event's: fail the batch (kafkajs
        // restarts the consumer at the same offset) instead of dead-lettering every event.
        await transaction(async (tx) => tx.$executeRawUnsafe("SELECT 1"));
        await deadLetter(
          source(message),
          `handler failed after ${attempts} attempt(s): ${describe(error)}`,
          attempts,
          event,
        );
      }
      done(message);
      await commit();
    }

    /**
     * Consecutive messages without a dead letter between them: the handled events go in
     * transactions of up to `maxEventsPerTransaction` (their `processed_event` rows in one
     * statement, in the same transaction as their effects); skipped ones cost nothing. A chunk
     * whose transaction fails is applied again one event at a time, which isolates a poison event.
     */
    async function applyRun(run: Received[]): Promise<void> {
      let start = 0;
      while (start < run.length) {
        assertCurrent();
        let end = start;
        let handled = 0;
        while (end < run.length && handled < maxPerTransaction) {
          if (run[end]!.event) handled += 1;
          end += 1;
        }
        // Skipped messages after the chunk's last handled event belong to the next chunk (or the end).
        const chunk = run.slice(start, end);
        start = end;
        const events = chunk.filter((received): received is Handled => received.event !== null);
        if (events.length === 0) {
          done(chunk[chunk.length - 1]!.message);
          continue;
        }
        let failed: BatchEventFailed | null = null;
        if (events.length > 1) {
          try {
            if (prepare) for (const { event } of events) await prepare(event);
            const applied = await transaction(async (tx) => {
              const fresh = await firstDeliveries(
                tx,
                events.map((received) => received.event),
              );
              if (fresh.length > 0) await handleBatch(fresh, tx);
              return fresh.length;
            });
            logger.debug({ groupId, topic, partition, events: events.length, applied }, "event batch applied");
            done(chunk[chunk.length - 1]!.message);
            await commit();
            continue;
          } catch (error) {
            if (error instanceof BatchEventFailed) failed = error;
            logger.warn(
              {
                err: failed?.cause ?? error,
                groupId,
                topic,
                partition,
                events: events.length,
                eventId: failed?.event.id,
              },
              "event batch failed; applying its events one by one",
            );
          }
        }
        for (const received of chunk) {
          assertCurrent();
          if (received.event)
            await applyOne(received as Handled, failed?.event === received.event ? failed.cause : undefined);
          else done(received.message);
        }
      }
    }

    let run: Received[] = [];
    try {
      for (const message of batch.messages) {
        assertCurrent();
        let event: TypedEvent;
        try {
          const value: unknown = JSON.parse(message.value?.toString() ?? "null");
          if (ignoredType(value) !== null) {
            run.push({ message, event: null });
            continue;
          }
          event = parseEvent(value);
        } catch (error) {
          // Never valid, however often it is retried: dead-letter it at once, after what precedes it.
          await applyRun(run);
          run = [];
          const reason =
            error instanceof InvalidEventError
              ? `invalid event: ${error.issues.join("; ")}`
              : `malformed message: ${describe(error)}`;
          await deadLetter(source(message), reason, 1);
          done(message);
          await commit();
          continue;
        }
        run.push({ message, event });
      }
      await applyRun(run);
      await commit();
    } catch (error) {
      // Lost the partition or stopping: what was not committed is delivered again, to whoever owns it.
      if (error instanceof BatchAbandoned) return;
      throw error;
    }
  }

  try {
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 3,
      eachBatch: processBatch,
    });
  } catch (error) {
    await disconnect().catch(() => undefined);
    throw error;
  }
  return { consumer, disconnect };
}

/** An error's message, bounded: it travels in a Kafka header. */
function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}
