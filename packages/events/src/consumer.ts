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
import { metrics } from "@support/metrics";
import { withTraceContext } from "@support/tracing";
import { parseEvent, InvalidEventError } from "./envelope.js";
import { consumerGroupTopics, deadLetterTopicFor, ensureTopics, replayTopicFor } from "./kafka.js";
import type { EventType, TypedEvent } from "./registry/index.js";
import { partitionKeyOf, queryFixed, type SqlTransaction } from "./outbox.js";
import {
  DEFAULT_DELAYED_RETRY_POLICY,
  ParkedEvents,
  RetryWorker,
  describeError,
  type ClaimedEvent,
  type DelayedRetryPolicy,
  type OriginalMessage,
  type ParkableEvent,
} from "./parking.js";

/** How often a failing handler is tried again in process, with exponential back-off, before its event is parked. */
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
  /** Topics to consume; the group's replay topic (`<group>.replay`) is always consumed too. */
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
  /**
   * Where the group's applied events are known. "processed_event" (default): the consumer records
   * each event id there, in the handler's transaction, and hands over only the first deliveries.
   * "handler": the handler's own rows name the event (a unique `event_id`), and `handle` and
   * `handleBatch` skip an event found there themselves, after taking whatever lock orders their
   * writes, so a copy applied concurrently is seen (audit's activity log: its entry is the record,
   * and the second row per event cost as much database time as the entry). Copies within a run
   * are handed over once either way.
   */
  appliedEventsIn?: "processed_event" | "handler";
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
  /** The quick in-process retries (about 4 s by default). */
  retry?: Partial<RetryPolicy>;
  /**
   * The delayed retries of an event that failed its quick ones: parked with the events of its key
   * behind it, retried with back-off for up to a day by default, then dead-lettered (parking.ts).
   */
  delayedRetry?: Partial<DelayedRetryPolicy>;
  /** Partitions applied at the same time by this instance; order holds within each. Default 3. */
  partitionsConsumedConcurrently?: number;
  /**
   * The most one fetch brings of one partition (kafkajs' default 1 MiB; a fetch is capped at
   * 10 MiB in all). The next fetch waits until every batch of the last one is applied, so larger
   * batches leave the consumer idle less often on a backlog.
   */
  maxBytesPerPartition?: number;
  /**
   * For a group that skips most of what its topics carry and applies rare events (purges, mail):
   * the broker answers its fetch once 1 MiB is waiting or after the 1 s long poll, instead of at
   * every message. It fetches and commits about once a second instead of once per event of its
   * topics, and its own events wait up to a second longer. Default: off (answered at once).
   */
  unhurried?: boolean;
}

/** The least a fetch of an unhurried group waits for, unless its long poll (1 s) ends first. */
const UNHURRIED_MIN_BYTES = 1024 * 1024;

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

/** A header's text (kafkajs hands headers over as Buffers). */
function headerText(value: IHeaders[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first.toString("latin1") : first;
}

/**
 * Runs `work` in the trace carried by the messages whose headers are given, when those that carry
 * one all carry the same (one request's events, the usual case): the handler's statements and the
 * events it publishes continue the request's trace (docs/adr/0021). Messages of several traces
 * applied in one transaction stay in the kafkajs instrumentation's batch span, which links to each
 * of them. The headers are read as trace context and nothing else.
 */
function inTraceOf<T>(headers: ReadonlyArray<IHeaders | undefined>, work: () => Promise<T>): Promise<T> {
  let carrier: { traceparent: string; tracestate?: string } | null = null;
  for (const each of headers) {
    const traceparent = headerText(each?.traceparent);
    if (traceparent === undefined) continue;
    if (carrier && carrier.traceparent !== traceparent) return work();
    if (!carrier) {
      const tracestate = headerText(each?.tracestate);
      carrier = tracestate === undefined ? { traceparent } : { traceparent, tracestate };
    }
  }
  return carrier ? withTraceContext(carrier, work) : work();
}

/** A running consumer: kafkajs' consumer (for its events) and how to stop it with its retry worker and dead-letter producer. */
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
 * finds its id and is skipped. A handler that keeps failing is retried quickly with back-off,
 * then its event is parked in the service's database with every later event of its key behind
 * it, and the partition moves on; a retry worker applies the parked events of each key in order
 * once the handler succeeds, and dead-letters an event still failing after the delayed-retry
 * budget. A message that is not a valid envelope is dead-lettered at once. Nothing is dropped
 * without a dead letter.
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
  const delayedRetry = { ...DEFAULT_DELAYED_RETRY_POLICY, ...options.delayedRetry };
  const parked = new ParkedEvents(groupId, delayedRetry);
  const maxPerTransaction = options.maxEventsPerTransaction ?? DEFAULT_MAX_EVENTS_PER_TRANSACTION;
  const deadLetterTopic = deadLetterTopicFor(groupId);
  // At 0 from the start, so a scrape shows the group before its first dead letter (docs/adr/0020).
  const deadLetters = metrics.deadLetters();
  deadLetters.inc({ group: groupId }, 0);

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
    ...(options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: options.maxBytesPerPartition }),
    ...(options.unhurried ? { minBytes: UNHURRIED_MIN_BYTES } : {}),
  });
  const worker = new RetryWorker({
    groupId,
    logger,
    policy: delayedRetry,
    parked,
    transaction: (work) => transaction(work),
    apply: applyParked,
    deadLetter: (claimed, reason, attempts) =>
      deadLetter(claimed.original, reason, attempts, { id: claimed.eventId, type: claimed.eventType }),
  });
  const disconnect = async () => {
    try {
      await Promise.all([consumer.disconnect(), worker.stop()]);
    } finally {
      if (producerReady) await producer.disconnect();
    }
  };
  try {
    await consumer.connect();
    for (const topic of [...topics, replayTopicFor(groupId)]) await consumer.subscribe({ topic, fromBeginning: true });
  } catch (error) {
    await disconnect().catch(() => undefined);
    throw error;
  }

  /**
   * The events of a run the group has not applied: their ids recorded under this group in one
   * statement (`processed_event`), or, where the handler's own rows record them, every event
   * (the handler skips what it finds applied). One copy of an id that appears twice in a run (a
   * producer's resend) is handed over.
   */
  async function firstDeliveries(tx: Tx, events: TypedEvent[]): Promise<TypedEvent[]> {
    if (options.appliedEventsIn === "handler") {
      const seen = new Set<string>();
      return events.filter((e) => !seen.has(e.id) && seen.add(e.id));
    }
    const inserted = await queryFixed<{ event_id: string }>(
      tx,
      "consumer_record_processed",
      `INSERT INTO processed_event (consumer_group, event_id, event_type)
       SELECT $1, id, type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
       ON CONFLICT DO NOTHING RETURNING event_id::text`,
      [groupId, events.map((e) => e.id), events.map((e) => e.type)],
    );
    const fresh = new Set(inserted.map((row) => row.event_id));
    return events.filter((e) => fresh.delete(e.id));
  }

  async function deadLetter(
    original: OriginalMessage,
    reason: string,
    attempts: number,
    event?: { id: string; type: string },
  ): Promise<void> {
    const { topic, partition, offset } = original;
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
          key: original.key,
          value: original.value,
          headers: {
            ...withoutDeadLetterHeaders(original.headers),
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.originTopic]: topic,
            [DEAD_LETTER_HEADERS.originPartition]: String(partition),
            [DEAD_LETTER_HEADERS.originOffset]: offset,
            [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
            [DEAD_LETTER_HEADERS.attempts]: String(attempts),
            [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
    deadLetters.inc({ group: groupId });
    logger.error(
      {
        groupId,
        topic,
        partition,
        offset,
        eventId: event?.id,
        type: event?.type,
        reason,
        deadLetterTopic,
      },
      "event dead-lettered; the events after it go ahead (replay with npm run events:replay)",
    );
  }

  /**
   * Applies a parked event through the same idempotent path as a received one (`prepare`, then
   * `processed_event` and `handle` in one transaction) and removes its row in that transaction.
   * Throws when the handler fails again (the worker schedules the next retry).
   */
  async function applyParked(claimed: ClaimedEvent): Promise<void> {
    let event: TypedEvent | null = null;
    try {
      const value: unknown = JSON.parse(claimed.original.value?.toString() ?? "null");
      event = ignoredType(value) === null ? parseEvent(value) : null;
    } catch (error) {
      // Parked valid, no longer valid (the registry changed since): it never will be.
      await deadLetter(claimed.original, `invalid event: ${describeError(error)}`, claimed.attempts + 1, {
        id: claimed.eventId,
        type: claimed.eventType,
      });
      await transaction((tx) => parked.remove(tx, claimed.seq));
      return;
    }
    await inTraceOf([claimed.original.headers], async () => {
      if (event && prepare) await prepare(event);
      await transaction(async (tx) => {
        // A type this consumer no longer handles has nothing to apply; a duplicate was applied before.
        if (event && (await firstDeliveries(tx, [event])).length > 0) await handle(event, tx);
        await parked.remove(tx, claimed.seq);
      });
    });
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
    const original = (message: KafkaMessage): OriginalMessage => ({
      topic,
      partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers: message.headers ?? {},
    });
    const parkable = ({ message, event }: Handled): ParkableEvent => ({ topic, partition, message, event });
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

    /**
     * Applies events of this partition in one transaction, in their order. An event whose key has
     * events parked is parked behind them instead; the others are recorded in `processed_event`
     * and the fresh ones (not applied before by this group) handed to `apply`. `prepare` runs
     * first, for the events that are not parked: a purge must not run ahead of its key's parked events.
     */
    async function applyInTransaction(
      events: Handled[],
      apply: (fresh: TypedEvent[], tx: Tx) => Promise<void>,
    ): Promise<{ applied: number; parked: number }> {
      return inTraceOf(
        events.map(({ message }) => message.headers),
        () => applyInTransactionUntraced(events, apply),
      );
    }

    async function applyInTransactionUntraced(
      events: Handled[],
      apply: (fresh: TypedEvent[], tx: Tx) => Promise<void>,
    ): Promise<{ applied: number; parked: number }> {
      let parkedBefore: Set<string> | undefined;
      if (prepare) {
        const keys = events.map(({ event }) => partitionKeyOf(event));
        parkedBefore = await transaction((tx) => parked.parkedKeys(tx, keys));
        for (const { event } of events) if (!parkedBefore.has(partitionKeyOf(event))) await prepare(event);
      }
      return transaction(async (tx) => {
        const toApply = await parked.parkBehind(tx, events.map(parkable), parkedBefore);
        const fresh =
          toApply.length > 0
            ? await firstDeliveries(
                tx,
                toApply.map(({ event }) => event),
              )
            : [];
        if (fresh.length > 0) await apply(fresh, tx);
        return { applied: fresh.length, parked: events.length - toApply.length };
      });
    }

    /**
     * One event in its own transaction, retried quickly (`retry`). When it keeps failing, it is
     * parked for the retry worker, and the events of its key after it wait behind it; with the
     * delayed tier off (budget 0) it is dead-lettered instead. Either way the partition moves on.
     */
    async function applyOne(received: Handled, failedInBatch?: unknown): Promise<void> {
      const { message, event } = received;
      // A failure in a batch transaction counts as the event's first attempt: every event gets
      // `retries + 1` attempts in all, whether it came alone or in a batch.
      let attempts = failedInBatch === undefined ? 0 : 1;
      let heartbeatError: unknown = null;
      try {
        if (attempts > retry.retries) throw failedInBatch;
        const outcome = await pRetry(
          async () => {
            attempts += 1;
            return applyInTransaction([received], (fresh, tx) => handle(fresh[0]!, tx));
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
          { groupId, eventId: event.id, type: event.type, ...outcome },
          outcome.parked > 0
            ? "event parked behind its key's parked events"
            : outcome.applied > 0
              ? "event applied"
              : "duplicate event skipped",
        );
      } catch (error) {
        if (heartbeatError !== null) throw heartbeatError;
        assertCurrent();
        if (delayedRetry.budgetMs > 0) {
          // A database that does not answer fails the batch here (kafkajs restarts the consumer at
          // the same offset): nothing is parked or committed, nothing is lost.
          await transaction((tx) =>
            parked.parkFailed(tx, parkable(received), { attempts, error: describeError(error) }),
          );
          worker.wake();
          logger.warn(
            { err: error, groupId, eventId: event.id, type: event.type, key: partitionKeyOf(event), attempts },
            "event parked after its quick retries; later events of its key wait behind it, the others go ahead",
          );
        } else {
          // A database that does not answer is no fault of the event's: fail the batch (kafkajs
          // restarts the consumer at the same offset) instead of dead-lettering every event.
          await transaction(async (tx) => tx.$executeRawUnsafe("SELECT 1"));
          await deadLetter(
            original(message),
            `handler failed after ${attempts} attempt(s): ${describeError(error)}`,
            attempts,
            event,
          );
        }
      }
      done(message);
      await commit();
    }

    /**
     * Consecutive messages without a dead letter between them: the handled events go in
     * transactions of up to `maxEventsPerTransaction` (their `processed_event` rows in one
     * statement, in the same transaction as their effects, or parked behind their key's parked
     * events); skipped ones cost nothing. A chunk whose transaction fails is applied again one
     * event at a time, which isolates a poison event.
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
            const outcome = await applyInTransaction(events, (fresh, tx) => handleBatch(fresh, tx));
            logger.debug({ groupId, topic, partition, events: events.length, ...outcome }, "event batch applied");
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
              : `malformed message: ${describeError(error)}`;
          await deadLetter(original(message), reason, 1);
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
  // In every instance, whether or not it holds partitions: parked events are the group's, not a partition's.
  worker.start();
  return { consumer, disconnect };
}
