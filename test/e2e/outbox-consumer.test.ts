import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import type { Admin, Consumer, Kafka, Producer } from "kafkajs";
import {
  OutboxRelay,
  createEvent,
  createKafka,
  enqueueEvents,
  startIdempotentConsumer,
  type EventEnvelope,
  type SqlTransaction,
  type TypedEvent,
} from "@support/events";
import { createLogger } from "@support/logger";
import { applyMigrations, dropDatabase, ensureDatabase } from "@support/infra/db";
import { servicePaths } from "@support/infra/services";
import { eventually, testStack } from "../harness/stack.js";

/**
 * The outbox relay and the idempotent consumer against the harness's real PostgreSQL and Kafka,
 * in a scratch database that has a service's real outbox and processed-event tables (billing's
 * migrations), and on scratch topics, so nothing here touches the running services.
 */

const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
const logger = createLogger({ service: "outbox-test", level: "silent" });
const WORKSPACE_ID = "4d7c6f0e-6a43-4c51-9a39-0f0f0b1f2a11";
const ORGANISATION_ID = "0b6f1b2c-3d4e-4f50-8a61-72839405a6b7";

let databaseUrl: string;
let pool: pg.Pool;
let kafka: Kafka;
let admin: Admin;
const topics: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

/** A transaction in the scratch database, handed out as the consumer and the outbox see one. */
async function transaction<R>(work: (tx: SqlTransaction) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work({
      $executeRawUnsafe: async (query, ...values) => (await client.query(query, values)).rowCount ?? 0,
    });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

async function scalar<T>(query: string, values: unknown[] = []): Promise<T> {
  const { rows } = await pool.query<{ value: T }>(query, values);
  return rows[0]?.value as T;
}

async function newTopic(name: string): Promise<string> {
  const topic = `test.${name}.${runId}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(topic);
  return topic;
}

/** The group's committed offset on partition 0 of `topic`: "-1" while nothing was committed. */
async function committedOffset(groupId: string, topic: string): Promise<string> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return entry?.partitions.find((p) => p.partition === 0)?.offset ?? "-1";
}

function sampleEvent(label: string): TypedEvent {
  return createEvent({
    type: "workspace.created",
    workspaceId: WORKSPACE_ID,
    organisationId: ORGANISATION_ID,
    actor: { type: "system" },
    target: { type: "workspace", id: WORKSPACE_ID, label },
    changes: [{ field: "name", old: null, new: label }],
    data: { ownerId: ORGANISATION_ID },
  });
}

async function effectCount(eventId: string): Promise<number> {
  return Number(await scalar<string>(`SELECT count(*) AS value FROM test_effect WHERE event_id = $1`, [eventId]));
}

beforeAll(async () => {
  const stack = testStack();
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/outbox_test${stack.databaseSuffix}`;
  databaseUrl = url.toString();
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  await applyMigrations({ databaseUrl, migrationsDir: servicePaths("billing").migrations });
  pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  // What a handler does in these tests: one row per application of an event.
  await pool.query(`CREATE TABLE test_effect (event_id uuid NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  kafka = createKafka("outbox-test", stack.kafkaBrokers, logger);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await pool.end();
  await dropDatabase(databaseUrl);
});

describe("the outbox relay", () => {
  test("publishes an event whose transaction committed, promptly (woken by NOTIFY), and never one rolled back", async () => {
    const topic = await newTopic("relay");
    const received: Array<{ key: string | null; value: EventEnvelope }> = [];
    const reader: Consumer = kafka.consumer({ groupId: `reader.${runId}` });
    cleanups.push(() => reader.disconnect());
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        received.push({
          key: message.key?.toString() ?? null,
          value: JSON.parse(message.value?.toString() ?? "null") as EventEnvelope,
        });
      },
    });

    // A poll interval far longer than the test: only the NOTIFY of a commit can wake the relay in time.
    const relay = new OutboxRelay({ databaseUrl, kafka, logger, pollIntervalMs: 120_000 });
    cleanups.push(() => relay.stop());
    await relay.start();

    const rolledBack = sampleEvent("rolled back");
    await expect(
      transaction(async (tx) => {
        await enqueueEvents(tx, topic, [rolledBack]);
        throw new Error("the change failed after its event was written");
      }),
    ).rejects.toThrow("the change failed");

    const committed = sampleEvent("committed");
    const committedAt = Date.now();
    await transaction((tx) => enqueueEvents(tx, topic, [committed]));

    const publishedAfterMs = await eventually(
      async () => {
        const published = await scalar<Date | null>(`SELECT published_at AS value FROM outbox_event WHERE id = $1`, [
          committed.id,
        ]);
        return published ? Date.now() - committedAt : undefined;
      },
      10_000,
      "the committed event to be marked published",
    );
    expect(publishedAfterMs).toBeLessThan(5_000);

    await eventually(async () => (received.length > 0 ? true : undefined), 15_000, "the event on the topic");
    // Time for anything else (wrongly) in flight to arrive.
    await relay.flush();
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    expect(received).toEqual([{ key: WORKSPACE_ID, value: committed }]);
    expect(await scalar<string>(`SELECT count(*) AS value FROM outbox_event WHERE id = $1`, [rolledBack.id])).toBe("0");
    expect(await scalar<string>(`SELECT count(*) AS value FROM outbox_event WHERE published_at IS NULL`)).toBe("0");
  });
});

describe("the outbox relay's resilience", () => {
  /** Backend pids of the scratch database's sessions that LISTEN (the relay's listener). */
  async function listenerPids(): Promise<number[]> {
    const { rows } = await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`,
    );
    return rows.map((row) => row.pid);
  }

  test("after its LISTEN connection is killed, the relay listens again and is woken by the next commit", async () => {
    const topic = await newTopic("relisten");
    const relay = new OutboxRelay({ databaseUrl, kafka, logger, pollIntervalMs: 120_000, failureBackoffMs: 200 });
    cleanups.push(() => relay.stop());
    // The earlier test's relay listens on this database too; this relay's session is the new one.
    const others = new Set(await listenerPids());
    const ours = async () => (await listenerPids()).filter((pid) => !others.has(pid));
    await relay.start();
    const [first] = await eventually(async () => {
      const pids = await ours();
      return pids.length === 1 ? pids : undefined;
    });

    await pool.query(`SELECT pg_terminate_backend($1)`, [first]);
    await eventually(
      async () => {
        const pids = await ours();
        return pids.length === 1 && pids[0] !== first ? true : undefined;
      },
      10_000,
      "a new LISTEN session",
    );

    const event = sampleEvent("after reconnect");
    const committedAt = Date.now();
    await transaction((tx) => enqueueEvents(tx, topic, [event]));
    const publishedAfterMs = await eventually(
      async () => {
        const published = await scalar<Date | null>(`SELECT published_at AS value FROM outbox_event WHERE id = $1`, [
          event.id,
        ]);
        return published ? Date.now() - committedAt : undefined;
      },
      10_000,
      "the event to be published",
    );
    expect(publishedAfterMs).toBeLessThan(5_000);
  });

  test("with its database unreachable, the relay starts (not throwing), flushes without hanging and stops", async () => {
    const closed = new URL(databaseUrl);
    closed.port = "1";
    const relay = new OutboxRelay({ databaseUrl: closed.toString(), kafka, logger, failureBackoffMs: 100 });
    const startedAt = Date.now();
    await relay.start();
    await relay.flush();
    await relay.stop();
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });
});

describe("the idempotent consumer", () => {
  let producer: Producer;

  beforeAll(async () => {
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
  });

  async function deliver(topic: string, event: TypedEvent): Promise<void> {
    await producer.send({ topic, messages: [{ key: event.workspaceId, value: JSON.stringify(event) }] });
  }

  test("the same event delivered twice runs the handler's effect once, and both offsets are committed", async () => {
    const topic = await newTopic("duplicates");
    const groupId = `duplicates.${runId}`;
    const event = sampleEvent("twice");
    await deliver(topic, event);
    await deliver(topic, event);

    let calls = 0;
    const consumer = await startIdempotentConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      transaction,
      handle: async (received, tx) => {
        calls += 1;
        await tx.$executeRawUnsafe(`INSERT INTO test_effect (event_id) VALUES ($1::uuid)`, received.id);
      },
    });
    cleanups.push(() => consumer.disconnect());

    await eventually(
      async () => ((await committedOffset(groupId, topic)) === "2" ? true : undefined),
      20_000,
      "both deliveries to be committed",
    );
    expect(await effectCount(event.id)).toBe(1);
    expect(calls).toBe(1);
    expect(
      await scalar<string>(`SELECT event_type AS value FROM processed_event WHERE event_id = $1`, [event.id]),
    ).toBe("workspace.created");

    // A third copy, arriving later (e.g. a relay resending after a crash), is absorbed too.
    await deliver(topic, event);
    await eventually(
      async () => ((await committedOffset(groupId, topic)) === "3" ? true : undefined),
      20_000,
      "the third delivery to be committed",
    );
    expect(await effectCount(event.id)).toBe(1);
  });

  test("a throwing handler leaves the offset uncommitted and its writes undone; the event is redelivered and applied once after recovery", async () => {
    const topic = await newTopic("failures");
    const groupId = `failures.${runId}`;
    const event = sampleEvent("fails first");
    await deliver(topic, event);

    let calls = 0;
    let recovered = false;
    const consumer = await startIdempotentConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      transaction,
      handle: async (received, tx) => {
        calls += 1;
        // The effect is written before the failure: the rollback must take it back.
        await tx.$executeRawUnsafe(`INSERT INTO test_effect (event_id) VALUES ($1::uuid)`, received.id);
        if (!recovered) throw new Error("downstream unavailable");
      },
    });
    cleanups.push(() => consumer.disconnect());

    await eventually(async () => (calls >= 3 ? true : undefined), 30_000, "the failing event to be redelivered");
    expect(await committedOffset(groupId, topic)).toBe("-1");
    expect(await effectCount(event.id)).toBe(0);
    expect(await scalar<string>(`SELECT count(*) AS value FROM processed_event WHERE event_id = $1`, [event.id])).toBe(
      "0",
    );

    recovered = true;
    await eventually(
      async () => ((await committedOffset(groupId, topic)) === "1" ? true : undefined),
      60_000,
      "the event to be committed after the handler recovered",
    );
    expect(await effectCount(event.id)).toBe(1);
    const callsAtCommit = calls;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(calls).toBe(callsAtCommit); // no further redelivery once committed
  });
});
