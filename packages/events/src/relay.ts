import pg from "pg";
import { Partitioners, type Kafka, type Message, type Producer } from "kafkajs";
import type { Logger } from "@support/logger";
import { withTraceContext, type TraceCarrier } from "@support/tracing";
import { isStalePreparedStatement, OUTBOX_CHANNEL } from "./outbox.js";

/**
 * The session advisory lock whose holder is the one relay of a database (two-key form, so it can
 * never collide with the single-key locks a service takes for itself; 2002 for ADR 0002).
 */
export const RELAY_LEADER_LOCK = { classId: 2002, objectId: 1 } as const;

/** `application_name` of the relay's database session, with the process id after it. */
export const RELAY_APPLICATION_NAME = "outbox-relay";

/**
 * Kafka refuses a record batch over the topic's `max.message.bytes` (1 MiB by default); a batch
 * is kept under this, and a single event over it is parked instead of blocking the outbox.
 */
export const DEFAULT_MAX_BATCH_BYTES = 900_000;

/** A generous allowance for what a record adds to its key and value (lengths, offsets, timestamp). */
const RECORD_OVERHEAD_BYTES = 100;

/** Rows deleted per statement when pruning, so no statement holds locks or bloats WAL for long. */
const PRUNE_BATCH_ROWS = 1_000;

/** Retries of one send (about 20 s with the cluster's back-off, packages/events/src/kafka.ts) before the relay starts over with a new producer. */
const SEND_RETRIES = 8;

const DAY_MS = 24 * 60 * 60 * 1_000;

export interface OutboxRetention {
  /** How long published outbox rows are kept. Default 7 days. */
  publishedMs: number;
  /** How long consumed event ids (`processed_event`) are kept for de-duplication. Default 30 days. */
  processedMs: number;
  /** Time between two prunes by the leader (one also runs when it takes the lead). Default 1 hour. */
  intervalMs: number;
}

export const DEFAULT_RETENTION: OutboxRetention = {
  publishedMs: 7 * DAY_MS,
  processedMs: 30 * DAY_MS,
  intervalMs: 60 * 60 * 1_000,
};

export interface OutboxRelayOptions {
  databaseUrl: string;
  kafka: Kafka;
  logger: Logger;
  /** Rows claimed at most per batch. */
  batchSize?: number;
  /** Bytes (keys, values and overhead) sent at most per batch; see DEFAULT_MAX_BATCH_BYTES. */
  maxBatchBytes?: number;
  /** Safety net when a NOTIFY is missed (e.g. the listening connection dropped). */
  pollIntervalMs?: number;
  /** Pause after a failed send or a lost database session before trying again. */
  failureBackoffMs?: number;
  /** How often an instance that does not lead tries to take the lead. */
  leaderRetryMs?: number;
  /**
   * How long the relay's session may stay silent before PostgreSQL ends it (idle_session_timeout),
   * releasing the lead. A running relay queries at least every `pollIntervalMs`; a hung one (a
   * frozen process, a stalled VM) would otherwise hold the lock, and stall its database's outbox,
   * for as long as its connection lives.
   */
  leaderIdleTimeoutMs?: number;
  retention?: Partial<OutboxRetention>;
}

interface OutboxRow {
  seq: string;
  id: string;
  topic: string;
  partition_key: string;
  payload: unknown;
  /** What enqueueEvents stored: the writing transaction's trace context, or null. */
  trace_context: unknown;
}

interface Outgoing {
  row: OutboxRow;
  message: Message & { key: string; value: string };
  bytes: number;
  /** The row's trace context, carried in the message's headers (docs/adr/0021). */
  trace: TraceCarrier | null;
}

/**
 * Moves committed outbox rows to Kafka with an idempotent producer (docs/adr/0002). Of all the
 * instances of a service, one relays: the one holding a PostgreSQL advisory lock on its own
 * database session; the others try to take it every few seconds, and do when the leader's
 * session ends (its process died, or its connection was lost). The leader, woken by the NOTIFY of
 * each committing transaction, claims unpublished rows in `seq` order with a plain SELECT, sends
 * them outside any transaction, then marks them published. `seq` is insert order; per partition
 * key it is also commit order, because `enqueueEvents` makes the transactions writing one key's
 * events take turns (a key lock held until commit). Across keys there is no order to keep. A crash between send and mark
 * resends a batch, which consumers absorb by event id. It also prunes old rows on a schedule.
 */
export class OutboxRelay {
  /** Connected on first use; replaced after a failed send (see resetProducer). */
  private producer: Producer | null = null;
  /** The database session: holds the leader lock, LISTENs, and runs every statement of the relay. */
  private session: pg.Client | null = null;
  private leading = false;
  private campaigning = false;
  private running = false;
  private draining: Promise<void> | null = null;
  private pruning: Promise<void> | null = null;
  private wakeAgain = false;
  /** Drains that ended in a failed send; flush() stops waiting at the first one. */
  private failedDrains = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private campaignTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private readonly batchSize: number;
  private readonly maxBatchBytes: number;
  private readonly pollIntervalMs: number;
  private readonly failureBackoffMs: number;
  private readonly leaderRetryMs: number;
  private readonly leaderIdleTimeoutMs: number;
  private readonly retention: OutboxRetention;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBatchBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.failureBackoffMs = options.failureBackoffMs ?? 1_000;
    this.leaderRetryMs = options.leaderRetryMs ?? 2_000;
    // Past the poll interval with room to spare: a live leader is never idle that long.
    this.leaderIdleTimeoutMs = Math.max(options.leaderIdleTimeoutMs ?? 30_000, this.pollIntervalMs * 2);
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
  }

  /** Whether this instance relays right now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Tries once to take the lead (and sends what is pending if it did), then keeps trying in the
   * background. A database that cannot be reached yet does not fail the start: the service
   * comes up not ready (its /ready says why) and the relay keeps trying.
   */
  async start(): Promise<void> {
    this.running = true;
    await this.campaign();
  }

  /**
   * Sends what is pending right now; resolves when the outbox was empty at some point after the
   * call, when a send failed (the rows stay in the outbox; retrying is for the running relay), or
   * at once when another instance leads.
   */
  async flush(): Promise<void> {
    if (!this.leading) return;
    const failedBefore = this.failedDrains;
    this.wake();
    while (this.draining) {
      await this.draining;
      if (this.failedDrains > failedBefore) return;
    }
  }

  /** Stops relaying and ends the session, which hands the lead to another instance at once. */
  async stop(): Promise<void> {
    this.running = false;
    for (const timer of [this.pollTimer, this.campaignTimer, this.pruneTimer]) if (timer) clearTimeout(timer);
    await Promise.allSettled([this.draining, this.pruning]);
    this.leading = false;
    await this.endSession();
    await this.resetProducer();
  }

  /** One attempt to lead: connect the session if needed and try the lock; on failure, try again later. */
  private async campaign(): Promise<void> {
    if (!this.running || this.leading || this.campaigning) return;
    this.campaigning = true;
    try {
      const session = this.session ?? (await this.connectSession());
      if (!session) return;
      const { rows } = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [
        RELAY_LEADER_LOCK.classId,
        RELAY_LEADER_LOCK.objectId,
      ]);
      if (!rows[0]?.locked) {
        this.campaignLater(this.leaderRetryMs);
        return;
      }
      await session.query(`LISTEN ${OUTBOX_CHANNEL}`);
      if (!this.running || this.session !== session) return;
      this.leading = true;
      this.options.logger.info("outbox relay: this instance leads (holds the relay lock)");
      this.wake();
      this.pruneLater(0);
    } catch (error) {
      this.options.logger.warn({ err: error }, "outbox relay cannot reach its database; retrying");
      await this.endSession();
      this.campaignLater(this.failureBackoffMs);
    } finally {
      this.campaigning = false;
    }
  }

  private campaignLater(delayMs: number): void {
    if (!this.running) return;
    if (this.campaignTimer) clearTimeout(this.campaignTimer);
    this.campaignTimer = setTimeout(() => {
      this.campaignTimer = null;
      void this.campaign();
    }, delayMs);
  }

  private async connectSession(): Promise<pg.Client | null> {
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: `${RELAY_APPLICATION_NAME} ${process.pid}`,
      // A leader whose host vanished (no FIN, no RST) is noticed by the server too.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client.on("notification", () => this.wake());
    client.on("error", (error) => {
      if (this.session !== client) return; // a failed connect is handled by connectSession's caller
      this.options.logger.warn(
        { err: error },
        this.leading
          ? "outbox relay lost its database session, and with it the lead; reconnecting"
          : "outbox relay lost its database session; reconnecting",
      );
      this.leading = false;
      void this.endSession();
      this.campaignLater(this.failureBackoffMs);
    });
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return null;
    }
    try {
      await client.query(`SELECT set_config('idle_session_timeout', $1, false)`, [String(this.leaderIdleTimeoutMs)]);
    } catch (error) {
      // PostgreSQL before 14 has no such setting: a hung leader then holds the lead until its connection dies.
      this.options.logger.warn({ err: error }, "outbox relay: idle_session_timeout not set");
    }
    this.session = client;
    return client;
  }

  /** Ends the session (releasing the lock if held); the relay no longer leads. */
  private async endSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.leading = false;
    await session?.end().catch(() => undefined);
  }

  private wake(): void {
    if (!this.running || !this.leading) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (!this.running || !this.leading) return;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      } else {
        this.pollTimer = setTimeout(() => this.wake(), this.pollIntervalMs);
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.running && this.leading && (await this.relayBatch())) {
        // more may be waiting
      }
    } catch (error) {
      this.failedDrains += 1;
      this.options.logger.warn({ err: error }, "outbox relay could not publish; will retry with a new producer");
      await this.resetProducer();
      if (isStalePreparedStatement(error)) {
        // Its statements are prepared on the session: a new session (and lead) prepares them again.
        await this.endSession();
        this.campaignLater(0);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.failureBackoffMs));
      this.wakeAgain = true;
    }
  }

  /** The session, while this instance leads; throws otherwise (the drain stops). */
  private leaderSession(): pg.Client {
    if (!this.leading || !this.session) throw new Error("outbox relay no longer leads");
    return this.session;
  }

  /**
   * Claims the next rows in seq order, sends those that fit in one batch, marks them published.
   * Three short statements, no transaction held across the send. Returns whether more may wait.
   */
  private async relayBatch(): Promise<boolean> {
    // The drain's two statements run on the leader's one session, prepared there once.
    const { rows } = await this.leaderSession().query<OutboxRow>({
      name: "relay_unpublished",
      text: `SELECT seq, id, topic, partition_key, payload, trace_context FROM outbox_event
        WHERE published_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT $1`,
      values: [this.batchSize],
    });
    if (rows.length === 0) return false;

    const batch: Outgoing[] = [];
    let batchBytes = 0;
    let cut = false;
    for (const row of rows) {
      const trace = traceCarrierOf(row.trace_context);
      const message = {
        key: row.partition_key,
        value: JSON.stringify(row.payload),
        ...(trace ? { headers: { ...trace } } : {}),
      };
      const bytes = Buffer.byteLength(message.key) + Buffer.byteLength(message.value) + RECORD_OVERHEAD_BYTES;
      if (bytes > this.maxBatchBytes) {
        // Alone over the limit: it can never be sent. Park it once what precedes it is out.
        if (batch.length > 0) {
          cut = true;
          break;
        }
        await this.park(row, `the event is ${bytes} bytes, over the relay's limit of ${this.maxBatchBytes} per batch`);
        continue;
      }
      if (batchBytes + bytes > this.maxBatchBytes) {
        cut = true;
        break;
      }
      batch.push({ row, message, bytes, trace });
      batchBytes += bytes;
    }
    if (batch.length > 0) await this.send(batch, batchBytes);
    return cut || rows.length === this.batchSize;
  }

  private async send(batch: Outgoing[], batchBytes: number): Promise<void> {
    try {
      await this.sendMessages(batch);
    } catch (error) {
      if (!isTooLarge(error)) throw error;
      // The broker's limit is lower than ours (a topic's max.message.bytes): one by one, parking
      // what the broker refuses alone.
      this.options.logger.warn(
        { err: error, count: batch.length, bytes: batchBytes },
        "batch refused as too large; sending one by one",
      );
      for (const outgoing of batch) {
        try {
          await this.sendMessages([outgoing]);
        } catch (single) {
          if (!isTooLarge(single)) throw single;
          await this.park(
            outgoing.row,
            `Kafka refused the event (${outgoing.bytes} bytes) as too large: ${String(single)}`,
          );
          continue;
        }
        await this.markPublished([outgoing]);
      }
      return;
    }
    await this.markPublished(batch);
    this.options.logger.debug({ count: batch.length, bytes: batchBytes }, "outbox batch published");
  }

  /**
   * Sends a batch in one request per run of consecutive rows written under the same trace context
   * (one request's events), each in that context: the kafkajs instrumentation makes its send spans
   * children of the request that wrote the rows, and carries them in the headers (docs/adr/0021).
   * With tracing off no row has a context, so a batch is one request, as before.
   */
  private async sendMessages(batch: Outgoing[]): Promise<void> {
    const producer = await this.connectedProducer();
    for (let start = 0; start < batch.length;) {
      const traceKey = JSON.stringify(batch[start]!.trace);
      let end = start + 1;
      while (end < batch.length && JSON.stringify(batch[end]!.trace) === traceKey) end += 1;
      const run = batch.slice(start, end);
      start = end;
      const byTopic = new Map<string, Message[]>();
      for (const { row, message } of run) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), message]);
      await withTraceContext(run[0]!.trace, () =>
        producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
      );
    }
  }

  /**
   * Idempotent (one producer id, per-partition sequence numbers, one request in flight) but with
   * bounded retries: kafkajs retries an idempotent send forever by default, and a producer whose
   * sequence numbers fell out of step with a restarted broker stays wedged, holding the drain, and
   * with it the lead, for good. A failed send is answered with a new producer instead: unmarked
   * rows are resent from the first one, in order, and consumers skip what arrives twice by id.
   */
  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: SEND_RETRIES },
    });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }

  private async markPublished(batch: Outgoing[]): Promise<void> {
    await this.leaderSession().query({
      name: "relay_mark_published",
      text: `UPDATE outbox_event SET published_at = now() WHERE seq = ANY($1::bigint[])`,
      values: [batch.map(({ row }) => row.seq)],
    });
  }

  /** Sets a row aside so the rest of the outbox flows; an operator decides what to do with it. */
  private async park(row: OutboxRow, reason: string): Promise<void> {
    await this.leaderSession().query(
      `UPDATE outbox_event SET parked_at = now(), park_reason = $2 WHERE seq = $1::bigint`,
      [row.seq, reason],
    );
    this.options.logger.error(
      { eventId: row.id, topic: row.topic, seq: row.seq, reason },
      "outbox event parked: it cannot be sent to Kafka; the events after it are sent (see docs/adr/0002)",
    );
  }

  private pruneLater(delayMs: number): void {
    if (!this.running || !this.leading) return;
    if (this.pruneTimer) clearTimeout(this.pruneTimer);
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = null;
      this.pruning = this.prune().finally(() => {
        this.pruning = null;
        this.pruneLater(this.retention.intervalMs);
      });
    }, delayMs);
  }

  /** Deletes published outbox rows and consumed event ids past their retention, in small batches. */
  private async prune(): Promise<void> {
    try {
      const outbox = await this.deleteInBatches(
        `DELETE FROM outbox_event WHERE seq IN (
           SELECT seq FROM outbox_event WHERE published_at < now() - make_interval(secs => $1) ORDER BY seq LIMIT $2)`,
        this.retention.publishedMs,
      );
      const { rows } = await this.leaderSession().query<{ present: boolean }>(
        `SELECT to_regclass('processed_event') IS NOT NULL AS present`,
      );
      const processed = rows[0]?.present
        ? await this.deleteInBatches(
            `DELETE FROM processed_event WHERE (consumer_group, event_id) IN (
               SELECT consumer_group, event_id FROM processed_event
                WHERE processed_at < now() - make_interval(secs => $1) LIMIT $2)`,
            this.retention.processedMs,
          )
        : 0;
      if (outbox + processed > 0) {
        this.options.logger.info({ outboxRows: outbox, processedEventIds: processed }, "outbox relay pruned old rows");
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, "outbox relay could not prune; will try at the next interval");
    }
  }

  private async deleteInBatches(statement: string, retentionMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      if (!this.running) return total;
      const { rowCount } = await this.leaderSession().query(statement, [retentionMs / 1_000, PRUNE_BATCH_ROWS]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < PRUNE_BATCH_ROWS) return total;
    }
  }
}

/** The W3C fields of a stored trace context (a JSON object of strings), or null. */
function traceCarrierOf(stored: unknown): TraceCarrier | null {
  if (typeof stored !== "object" || stored === null) return null;
  const { traceparent, tracestate } = stored as Record<string, unknown>;
  if (typeof traceparent !== "string") return null;
  return typeof tracestate === "string" ? { traceparent, tracestate } : { traceparent };
}

/** Whether Kafka refused a send because a record or batch is over its size limit. */
function isTooLarge(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (value: unknown): boolean => {
    if (typeof value !== "object" || value === null || seen.has(value)) return false;
    seen.add(value);
    const { type, cause, errors } = value as { type?: unknown; cause?: unknown; errors?: unknown };
    if (type === "MESSAGE_TOO_LARGE" || type === "RECORD_LIST_TOO_LARGE") return true;
    return visit(cause) || (Array.isArray(errors) && errors.some(visit));
  };
  return visit(error);
}
