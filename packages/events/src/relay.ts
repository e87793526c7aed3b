import pg from "pg";
import { Partitioners, type Kafka, type Producer } from "kafkajs";
import type { Logger } from "@support/logger";
import { OUTBOX_CHANNEL } from "./outbox.js";

export interface OutboxRelayOptions {
  databaseUrl: string;
  kafka: Kafka;
  logger: Logger;
  /** Rows sent to Kafka in one batch. */
  batchSize?: number;
  /** Safety net when a NOTIFY is missed (e.g. the listening connection dropped). */
  pollIntervalMs?: number;
  /** Pause after a failed send before trying again; kafkajs already retried inside. */
  failureBackoffMs?: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  partition_key: string;
  payload: unknown;
}

/**
 * Moves committed outbox rows to Kafka with an idempotent producer, in batches, woken by the
 * NOTIFY each committing transaction sends (docs/adr/0002). Rows are marked published only
 * after Kafka acknowledged them, so nothing is lost while Kafka is down; a crash between the
 * two can resend a batch, which consumers absorb by event id.
 */
export class OutboxRelay {
  private readonly pool: pg.Pool;
  private readonly producer: Producer;
  private listener: pg.Client | null = null;
  private producerConnected = false;
  private running = false;
  private draining: Promise<void> | null = null;
  private wakeAgain = false;
  /** Drains that ended in a failed send; flush() stops waiting at the first one. */
  private failedDrains = 0;
  private timer: NodeJS.Timeout | null = null;
  private listenTimer: NodeJS.Timeout | null = null;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly failureBackoffMs: number;

  constructor(private readonly options: OutboxRelayOptions) {
    this.pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
    this.pool.on("error", (error) => options.logger.warn({ err: error }, "outbox relay pool error"));
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.failureBackoffMs = options.failureBackoffMs ?? 1_000;
  }

  /**
   * Starts listening and sends what is pending. A database that cannot be reached yet does not
   * fail the start: the service comes up not ready (its /ready says why) and the relay keeps
   * trying to listen, polling meanwhile.
   */
  async start(): Promise<void> {
    this.running = true;
    await this.listen().catch((error: unknown) => {
      this.options.logger.warn({ err: error }, "outbox relay cannot listen yet; polling and retrying");
      this.listenLater();
    });
    this.wake();
  }

  /**
   * Sends what is pending right now; resolves when the outbox was empty at some point after the
   * call, or when a send failed (the rows stay in the outbox; retrying is for the running relay).
   */
  async flush(): Promise<void> {
    const failedBefore = this.failedDrains;
    this.wake();
    while (this.draining) {
      await this.draining;
      if (this.failedDrains > failedBefore) return;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.listenTimer) clearTimeout(this.listenTimer);
    if (this.draining) await this.draining.catch(() => undefined);
    await this.listener?.end().catch(() => undefined);
    if (this.producerConnected) await this.producer.disconnect();
    await this.pool.end();
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl });
    client.on("notification", () => this.wake());
    client.on("error", (error) => {
      if (this.listener !== client) return; // a failed connect is handled by listen's caller
      this.options.logger.warn({ err: error }, "outbox listener lost; falling back to polling until it reconnects");
      this.listener = null;
      this.listenLater();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (!this.running) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
  }

  /** Tries to listen again after a pause, for as long as it takes (every attempt, not just the first). */
  private listenLater(): void {
    if (!this.running) return;
    this.listenTimer = setTimeout(() => {
      this.listenTimer = null;
      this.listen().then(
        () => this.wake(), // rows committed while nobody listened
        () => this.listenLater(),
      );
    }, this.failureBackoffMs);
  }

  private wake(): void {
    if (!this.running) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (!this.running) return;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), this.pollIntervalMs);
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.running && (await this.sendBatch()) === this.batchSize) {
        // a full batch means more may be waiting
      }
    } catch (error) {
      this.failedDrains += 1;
      this.options.logger.warn({ err: error }, "outbox relay could not publish; will retry");
      await new Promise((resolve) => setTimeout(resolve, this.failureBackoffMs));
      this.wakeAgain = true;
    }
  }

  /** One batch in one transaction: lock rows, send, mark published. Returns rows sent. */
  private async sendBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<OutboxRow>(
        `SELECT id, topic, partition_key, payload FROM outbox_event
          WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query("COMMIT");
        return 0;
      }
      if (!this.producerConnected) {
        await this.producer.connect();
        this.producerConnected = true;
      }
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.partition_key, value: JSON.stringify(row.payload) });
        byTopic.set(row.topic, messages);
      }
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await client.query(`UPDATE outbox_event SET published_at = now() WHERE id = ANY($1::uuid[])`, [
        rows.map((r) => r.id),
      ]);
      await client.query("COMMIT");
      this.options.logger.debug({ count: rows.length }, "outbox batch published");
      return rows.length;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
