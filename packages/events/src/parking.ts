import type { IHeaders, KafkaMessage } from "kafkajs";
import type { Logger } from "@support/logger";
import type { TypedEvent } from "./registry/index.js";
import { partitionKeyOf, queryFixed, type SqlTransaction } from "./outbox.js";

/**
 * The delayed-retry tier of a consumer (docs/adr/0002): an event that still fails after the quick
 * in-process retries is parked in the consuming service's database (`parked_event`), and every
 * later event of the same key is parked behind it, in order, instead of being applied. A worker in
 * every instance re-applies the first parked event of each key with back-off; the ones behind it
 * follow once it is through.
 */
export interface DelayedRetryPolicy {
  /** Wait before the first delayed retry of a parked event; it doubles after each failure. */
  initialDelayMs: number;
  /** The longest wait between two delayed retries. */
  maxDelayMs: number;
  /**
   * How long an event may keep failing, counted from its first failure, before it is
   * dead-lettered (and the events parked behind it go ahead). 0: dead-letter right after the
   * quick retries and park nothing (the behaviour before the delayed tier).
   */
  budgetMs: number;
  /** How often a worker looks for events other instances parked (it wakes at once for its own). */
  pollIntervalMs: number;
  /**
   * How long a claimed event is left to the worker that claimed it; renewed while that worker is
   * on it, so a worker that dies hands its key over after at most this long.
   */
  leaseMs: number;
}

/** 5 s doubling up to 5 min, for a day: a dependency outage of up to a day loses nothing and keeps order. */
export const DEFAULT_DELAYED_RETRY_POLICY: DelayedRetryPolicy = {
  initialDelayMs: 5_000,
  maxDelayMs: 5 * 60_000,
  budgetMs: 24 * 60 * 60_000,
  pollIntervalMs: 5_000,
  leaseMs: 30_000,
};

/** A received message with its envelope and where it came from. */
export interface ParkableEvent {
  topic: string;
  partition: number;
  message: KafkaMessage;
  event: TypedEvent;
}

/** The original message of a parked event, as the dead-letter topic must receive it. */
export interface OriginalMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** A parked event a worker claimed: it is that worker's until it is applied, re-scheduled or dead-lettered. */
export interface ClaimedEvent {
  seq: string;
  aggregateKey: string;
  eventId: string;
  eventType: string;
  original: OriginalMessage;
  /** Failed attempts so far, the quick in-process ones included. */
  attempts: number;
}

/** The `parked_event` statements of one consumer group; `tx` is any transaction of the service's database. */
export class ParkedEvents {
  constructor(
    private readonly groupId: string,
    private readonly policy: DelayedRetryPolicy,
  ) {}

  /** The keys among `keys` that have an event of this group parked. */
  async parkedKeys(tx: SqlTransaction, keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await queryFixed<{ aggregate_key: string }>(
      tx,
      "consumer_parked_keys",
      `SELECT DISTINCT aggregate_key FROM parked_event WHERE consumer_group = $1 AND aggregate_key = ANY($2::text[])`,
      [this.groupId, [...new Set(keys)]],
    );
    return new Set(rows.map((row) => row.aggregate_key));
  }

  /**
   * Parks, in their order, the events whose key has something parked (seen in this transaction) or
   * is in `parkedBefore`; returns the others, which are the caller's to apply in the same
   * transaction. An event already parked (a redelivery) is not parked twice.
   */
  async parkBehind(
    tx: SqlTransaction,
    events: readonly ParkableEvent[],
    parkedBefore: ReadonlySet<string> = new Set(),
  ): Promise<ParkableEvent[]> {
    const parked = await this.parkedKeys(
      tx,
      events.map(({ event }) => partitionKeyOf(event)),
    );
    for (const key of parkedBefore) parked.add(key);
    const toApply: ParkableEvent[] = [];
    for (const parkable of events) {
      if (parked.has(partitionKeyOf(parkable.event))) await this.insert(tx, parkable, null);
      else toApply.push(parkable);
    }
    return toApply;
  }

  /** Parks an event that failed its quick retries: the first delayed retry is due after `initialDelayMs`. */
  async parkFailed(tx: SqlTransaction, parkable: ParkableEvent, failure: { attempts: number; error: string }) {
    await this.insert(tx, parkable, failure);
  }

  private async insert(
    tx: SqlTransaction,
    { topic, partition, message, event }: ParkableEvent,
    failure: { attempts: number; error: string } | null,
  ): Promise<void> {
    // Bytes travel as base64 text: both Prisma's and node-postgres' parameters take text alike.
    await tx.$executeRawUnsafe(
      `INSERT INTO parked_event (consumer_group, aggregate_key, event_id, event_type, message_key, message_value,
         message_headers, origin_topic, origin_partition, origin_offset, attempts, next_attempt_at, failing_since, last_error)
       VALUES ($1, $2, $3::uuid, $4, decode($5, 'base64'), decode($6, 'base64'), $7::jsonb, $8, $9::int, $10::bigint,
         $11::int, now() + make_interval(secs => $12::float8), CASE WHEN $13::boolean THEN now() END, $14)
       ON CONFLICT (consumer_group, event_id) DO NOTHING`,
      this.groupId,
      partitionKeyOf(event),
      event.id,
      event.type,
      message.key?.toString("base64") ?? null,
      (message.value ?? Buffer.alloc(0)).toString("base64"),
      JSON.stringify(textHeaders(message.headers)),
      topic,
      partition,
      message.offset,
      failure?.attempts ?? 0,
      failure ? this.policy.initialDelayMs / 1_000 : 0,
      failure !== null,
      failure?.error ?? null,
    );
  }

  /**
   * Claims the due event that heads its key (nothing of that key parked before it), skipping
   * rows another worker holds: the claim pushes its next attempt a lease away, so no other worker
   * takes it (or anything behind it) meanwhile. Null when nothing is due.
   */
  async claimNext(tx: SqlTransaction): Promise<ClaimedEvent | null> {
    const rows = await tx.$queryRawUnsafe<ClaimedRow[]>(
      `UPDATE parked_event SET next_attempt_at = now() + make_interval(secs => $2::float8)
        WHERE seq = (
          SELECT p.seq FROM parked_event p
           WHERE p.consumer_group = $1 AND p.next_attempt_at <= now()
             AND NOT EXISTS (SELECT 1 FROM parked_event q
                              WHERE q.consumer_group = p.consumer_group AND q.aggregate_key = p.aggregate_key
                                AND q.seq < p.seq)
           ORDER BY p.next_attempt_at, p.seq
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
        RETURNING seq::text AS seq, aggregate_key, event_id::text AS event_id, event_type,
          encode(message_key, 'base64') AS message_key, encode(message_value, 'base64') AS message_value,
          message_headers, origin_topic, origin_partition::int AS origin_partition,
          origin_offset::text AS origin_offset, attempts::int AS attempts`,
      this.groupId,
      this.policy.leaseMs / 1_000,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      seq: row.seq,
      aggregateKey: row.aggregate_key,
      eventId: row.event_id,
      eventType: row.event_type,
      attempts: row.attempts,
      original: {
        topic: row.origin_topic,
        partition: row.origin_partition,
        offset: row.origin_offset,
        key: row.message_key === null ? null : Buffer.from(row.message_key, "base64"),
        value: Buffer.from(row.message_value, "base64"),
        headers: row.message_headers,
      },
    };
  }

  /** Keeps a claim while its worker is still on it. */
  async renewLease(tx: SqlTransaction, seq: string): Promise<void> {
    await tx.$executeRawUnsafe(
      `UPDATE parked_event SET next_attempt_at = now() + make_interval(secs => $2::float8) WHERE seq = $1::bigint`,
      seq,
      this.policy.leaseMs / 1_000,
    );
  }

  /** Removes a parked event once applied (in the applying transaction) or dead-lettered. */
  async remove(tx: SqlTransaction, seq: string): Promise<void> {
    await tx.$executeRawUnsafe(`DELETE FROM parked_event WHERE seq = $1::bigint`, seq);
  }

  /**
   * Records a failed delayed retry and schedules the next one (the wait doubles, up to
   * `maxDelayMs`). Returns whether the event has now been failing longer than the budget: then it
   * is the caller's to dead-letter. Null when the row is gone (another worker finished it).
   */
  async recordFailure(
    tx: SqlTransaction,
    seq: string,
    error: string,
  ): Promise<{ attempts: number; expired: boolean } | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ attempts: number; expired: boolean }>>(
      `UPDATE parked_event
          SET attempts = attempts + 1, retries = retries + 1, last_error = $2,
              failing_since = coalesce(failing_since, now()),
              next_attempt_at = now() + make_interval(secs => least($4::float8, $3::float8 * power(2, retries)))
        WHERE seq = $1::bigint
        RETURNING attempts::int AS attempts,
                  coalesce(failing_since, now()) <= now() - make_interval(secs => $5::float8) AS expired`,
      seq,
      error,
      this.policy.initialDelayMs / 1_000,
      this.policy.maxDelayMs / 1_000,
      this.policy.budgetMs / 1_000,
    );
    return rows[0] ?? null;
  }

  /** Milliseconds until the first parked event that heads its key is due (0 if one is); null if nothing is parked. */
  async untilNextDue(tx: SqlTransaction): Promise<number | null> {
    const rows = await tx.$queryRawUnsafe<Array<{ ms: number | null }>>(
      // min() of no rows is NULL, and greatest() skips NULLs (greatest(0, NULL) is 0): the
      // clamp to 0 is made here, so an empty table stays null and the worker sleeps its interval.
      `SELECT (extract(epoch FROM min(p.next_attempt_at) - now()) * 1000)::float8 AS ms
         FROM parked_event p
        WHERE p.consumer_group = $1
          AND NOT EXISTS (SELECT 1 FROM parked_event q
                           WHERE q.consumer_group = p.consumer_group AND q.aggregate_key = p.aggregate_key
                             AND q.seq < p.seq)`,
      this.groupId,
    );
    const ms = rows[0]?.ms ?? null;
    return ms === null ? null : Math.max(0, ms);
  }
}

interface ClaimedRow {
  seq: string;
  aggregate_key: string;
  event_id: string;
  event_type: string;
  message_key: string | null;
  message_value: string;
  message_headers: Record<string, string | string[]>;
  origin_topic: string;
  origin_partition: number;
  origin_offset: string;
  attempts: number;
}

/** Kafka headers as text (this project's headers are all text), storable as JSON. */
function textHeaders(headers: IHeaders | undefined): Record<string, string | string[]> {
  const text: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    text[name] = Array.isArray(value) ? value.map((item) => item.toString()) : value.toString();
  }
  return text;
}

export interface RetryWorkerOptions {
  groupId: string;
  logger: Logger;
  policy: DelayedRetryPolicy;
  parked: ParkedEvents;
  transaction: <R>(work: (tx: SqlTransaction) => Promise<R>) => Promise<R>;
  /** Applies a claimed event through the consumer's idempotent path and removes its row in the same transaction. */
  apply: (claimed: ClaimedEvent) => Promise<void>;
  /** Sends a claimed event to the group's dead-letter topic; the worker then removes its row. */
  deadLetter: (claimed: ClaimedEvent, reason: string, attempts: number) => Promise<void>;
}

/**
 * Re-applies the parked events of one consumer group, in every instance of the service: each
 * claim takes the due event that heads its key with `FOR UPDATE SKIP LOCKED` and a lease, so
 * instances share the keys and never work on one key at the same time. Keys are independent: a
 * key whose head keeps failing waits its back-off while the others are applied.
 */
export class RetryWorker {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wokenEarly = false;

  constructor(private readonly options: RetryWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks again now (this instance parked something). */
  wake(): void {
    this.wokenEarly = true;
    this.wakeUp?.();
  }

  /** Stops after the event in hand, if any. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { logger, groupId, policy, parked, transaction } = this.options;
    while (this.running) {
      let waitMs = policy.pollIntervalMs;
      try {
        this.wokenEarly = false;
        if (await this.retryNext()) continue;
        const due = await transaction((tx) => parked.untilNextDue(tx));
        if (due !== null) waitMs = Math.min(waitMs, due);
      } catch (error) {
        logger.warn({ err: error, groupId }, "parked events: the retry worker failed; trying again later");
      }
      if (this.running && !this.wokenEarly) await this.sleep(waitMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = null;
        done();
      };
    });
  }

  /** Claims and retries one parked event; false when none is due. */
  private async retryNext(): Promise<boolean> {
    const { logger, groupId, policy, parked, transaction } = this.options;
    const claimed = await transaction((tx) => parked.claimNext(tx));
    if (!claimed) return false;
    const context = { groupId, eventId: claimed.eventId, type: claimed.eventType, key: claimed.aggregateKey };
    // The claim is a lease: renewed while the event is in hand (a long `prepare`), so no other
    // worker takes the key meanwhile, and lapsing within `leaseMs` if this process dies.
    let renewing: Promise<unknown> = Promise.resolve();
    const renewal = setInterval(() => {
      renewing = transaction((tx) => parked.renewLease(tx, claimed.seq)).catch((error: unknown) =>
        logger.warn({ err: error, ...context }, "parked events: could not renew a claim"),
      );
    }, policy.leaseMs / 3);
    let failed: { error: unknown } | null = null;
    try {
      await this.options.apply(claimed);
    } catch (error) {
      failed = { error };
    } finally {
      clearInterval(renewal);
      // A renewal still under way must not land after the back-off below and replace it.
      await renewing;
    }
    if (!failed) {
      logger.info({ ...context, attempts: claimed.attempts + 1 }, "parked event applied");
      return true;
    }
    const reason = describeError(failed.error);
    const failure = await transaction((tx) => parked.recordFailure(tx, claimed.seq, reason));
    if (!failure) return true;
    if (!failure.expired) {
      logger.warn(
        { err: failed.error, ...context, attempts: failure.attempts },
        "parked event failed again; retrying later",
      );
      return true;
    }
    // Past the budget: the event goes to the dead-letter topic (to be replayed after a fix) and
    // the events parked behind it go ahead, in their order. The back-off just recorded keeps other
    // workers off it meanwhile; a crash before the row is removed only repeats the dead letter.
    await this.options.deadLetter(
      claimed,
      `handler failed after ${failure.attempts} attempt(s) in ${formatDuration(policy.budgetMs)} or more: ${reason}`,
      failure.attempts,
    );
    await transaction((tx) => parked.remove(tx, claimed.seq));
    return true;
  }
}

/** An error's message, bounded: it travels in a Kafka header and a database row. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}

function formatDuration(ms: number): string {
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 1_000).toFixed(1)} s`;
}
