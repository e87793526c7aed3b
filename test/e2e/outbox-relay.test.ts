import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { Admin, Consumer, ITopicConfig, Kafka, KafkaMessage } from "kafkajs";
import {
  OUTBOX_KEY_LOCK_CLASS,
  OutboxRelay,
  createEvent,
  createKafka,
  enqueueEvents,
  type EventEnvelope,
  type TypedEvent,
} from "@support/events";
import { createLogger } from "@support/logger";
import { eventually, testStack } from "../harness/stack.js";
import { scratchDatabase, type ScratchDatabase } from "../harness/scratch-database.js";

/**
 * The relay's batching, parking, pruning and leadership, in a scratch database with a service's
 * real outbox and processed_event tables (billing's migrations), on scratch topics.
 */

const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
const logger = createLogger({ service: "outbox-relay-test", level: "silent" });
const WORKSPACE_ID = randomUUID();
const ORGANISATION_ID = randomUUID();

let database: ScratchDatabase;
let kafka: Kafka;
let admin: Admin;
const topics: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  database = await scratchDatabase("outbox_relay_test", "billing");
  kafka = createKafka("outbox-relay-test", testStack().kafkaBrokers, logger);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await database.drop();
});

async function newTopic(name: string, configEntries: ITopicConfig["configEntries"] = []): Promise<string> {
  const topic = `test.${name}.${runId}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1, configEntries }],
    waitForLeaders: true,
  });
  topics.push(topic);
  return topic;
}

/** An event whose label makes it about `bytes` long once serialised. */
function eventOfSize(bytes: number, label: string): TypedEvent {
  const base = createEvent({
    type: "workspace.created",
    workspaceId: WORKSPACE_ID,
    organisationId: ORGANISATION_ID,
    actor: { type: "system" },
    target: { type: "workspace", id: WORKSPACE_ID, label },
    data: { ownerId: randomUUID() },
  });
  const padding = Math.max(0, bytes - Buffer.byteLength(JSON.stringify(base)));
  return { ...base, target: { ...base.target, label: `${label} ${"x".repeat(padding)}` } };
}

/** A relay of this test, stopped at the end of it (one relay per database leads). */
async function startRelay(options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}): Promise<OutboxRelay> {
  const relay = new OutboxRelay({ databaseUrl: database.url, kafka, logger, failureBackoffMs: 200, ...options });
  cleanups.push(() => relay.stop());
  await relay.start();
  return relay;
}

interface Received {
  id: string;
  bytes: number;
  /** First offset of the record batch the message came in: messages sent together share it. */
  recordBatch: string;
  /** The W3C trace context header, if the message has one. */
  traceparent: string | undefined;
}

async function readTopic(topic: string): Promise<Received[]> {
  const received: Received[] = [];
  const reader: Consumer = kafka.consumer({ groupId: `reader.${topic}`, maxWaitTimeInMs: 500 });
  cleanups.push(() => reader.disconnect());
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      // kafkajs decodes each record with its batch's context but does not declare it in its types.
      const { batchContext } = message as KafkaMessage & { batchContext: { firstOffset: string } };
      received.push({
        id: (JSON.parse(message.value?.toString() ?? "null") as EventEnvelope).id,
        bytes: (message.key?.length ?? 0) + (message.value?.length ?? 0),
        recordBatch: batchContext.firstOffset,
        traceparent: message.headers?.traceparent?.toString(),
      });
    },
  });
  return received;
}

async function outboxRow(id: string): Promise<{ published: boolean; parked: boolean; reason: string | null }> {
  const { rows } = await database.pool.query<{ published: boolean; parked: boolean; reason: string | null }>(
    `SELECT published_at IS NOT NULL AS published, parked_at IS NOT NULL AS parked, park_reason AS reason
       FROM outbox_event WHERE id = $1`,
    [id],
  );
  if (!rows[0]) throw new Error(`no outbox row ${id}`);
  return rows[0];
}

describe("the relay's batches", () => {
  test("are capped by bytes; an event over the cap is parked with its reason while the events around it flow, in order", async () => {
    const topic = await newTopic("byte-cap");
    const cap = 8_000;
    const events = Array.from({ length: 12 }, (_, index) => eventOfSize(1_800, `event ${index}`));
    const oversized = eventOfSize(20_000, "oversized");
    events.splice(5, 0, oversized);
    // All committed before the relay starts: it finds them in one claim.
    await database.transaction((tx) => enqueueEvents(tx, topic, events));
    const received = await readTopic(topic);

    const relay = await startRelay({ maxBatchBytes: cap });
    await eventually(async () => (received.length >= 12 ? true : undefined), 20_000, "the twelve events");
    const later = eventOfSize(500, "after the parked one");
    await database.transaction((tx) => enqueueEvents(tx, topic, [later]));
    await eventually(async () => (received.length >= 13 ? true : undefined), 20_000, "the event committed later");
    await relay.flush();

    const expected = [...events.filter((event) => event !== oversized), later].map((event) => event.id);
    expect(received.map((message) => message.id)).toEqual(expected);
    const batches = new Map<string, number>();
    for (const message of received)
      batches.set(message.recordBatch, (batches.get(message.recordBatch) ?? 0) + message.bytes);
    expect(batches.size).toBeGreaterThanOrEqual(4); // 12 × ~1.8 KB under an 8 KB cap
    for (const bytes of batches.values()) expect(bytes).toBeLessThanOrEqual(cap);

    expect(await outboxRow(oversized.id)).toEqual({
      published: false,
      parked: true,
      reason: expect.stringMatching(/^the event is \d+ bytes, over the relay's limit of 8000 per batch$/),
    });
    await relay.stop();
  });

  test("a batch the broker refuses as too large is sent one by one, and the one event it refuses alone is parked", async () => {
    // A topic whose limit is under the relay's: the broker, not the relay, refuses.
    const topic = await newTopic("broker-limit", [{ name: "max.message.bytes", value: "6000" }]);
    const events = [
      eventOfSize(1_500, "a"),
      eventOfSize(1_500, "b"),
      eventOfSize(9_000, "too big"),
      eventOfSize(1_500, "c"),
      eventOfSize(1_500, "d"),
    ];
    await database.transaction((tx) => enqueueEvents(tx, topic, events));
    const received = await readTopic(topic);

    const relay = await startRelay();
    await eventually(async () => (received.length >= 4 ? true : undefined), 20_000, "the four events the broker takes");
    await relay.flush();
    expect(received.map((message) => message.id)).toEqual(
      [events[0], events[1], events[3], events[4]].map((e) => e!.id),
    );
    expect(await outboxRow(events[2]!.id)).toEqual({
      published: false,
      parked: true,
      reason: expect.stringContaining("Kafka refused the event"),
    });
    await relay.stop();
  });
});

describe("the relay's trace context (docs/adr/0021)", () => {
  test("each row's stored trace context travels in its message's headers; rows without one are still sent together", async () => {
    const topic = await newTopic("trace-context");
    const events = Array.from({ length: 6 }, (_, index) => eventOfSize(300, `traced ${index}`));
    await database.transaction((tx) => enqueueEvents(tx, topic, events));
    // As enqueueEvents stores it inside a sampled request (this process runs no SDK, so it stored none).
    const first = `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
    const second = `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
    const stored = [null, null, null, first, first, second];
    for (const [index, traceparent] of stored.entries()) {
      if (!traceparent) continue;
      await database.pool.query(`UPDATE outbox_event SET trace_context = $2::jsonb WHERE id = $1`, [
        events[index]!.id,
        JSON.stringify({ traceparent }),
      ]);
    }
    const received = await readTopic(topic);
    const relay = await startRelay();
    await eventually(async () => (received.length >= 6 ? true : undefined), 20_000, "the six events");
    await relay.stop();

    expect(received.map(({ id, traceparent }) => ({ id, traceparent }))).toEqual(
      events.map((event, index) => ({ id: event.id, traceparent: stored[index] ?? undefined })),
    );
    // One request per run of rows with the same context: the three without one went together.
    const batchOf = received.map((message) => message.recordBatch);
    expect(new Set(batchOf.slice(0, 3)).size).toBe(1);
    expect(batchOf[3]).toBe(batchOf[4]);
    expect(new Set([batchOf[0], batchOf[3], batchOf[5]]).size).toBe(3);
  });
});

describe("the relay's order", () => {
  /** Transactions of the scratch database waiting for an outbox key lock (enqueueEvents). */
  async function waitingForKeyLocks(): Promise<number> {
    return Number(
      await database.scalar<string>(
        `SELECT count(*) AS value FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND classid = $1 AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [OUTBOX_KEY_LOCK_CLASS],
      ),
    );
  }

  test("per workspace, Kafka holds events in commit order: a transaction enqueueing for a workspace waits until one that enqueued for it earlier commits; another workspace's does not wait", async () => {
    const topic = await newTopic("commit-order");
    const first = eventOfSize(300, "enqueued first, committed when the test says");
    const second = eventOfSize(300, "enqueued second");
    const elsewhere = { ...eventOfSize(300, "another workspace"), workspaceId: randomUUID() };
    const committed: string[] = [];
    let enqueued!: () => void;
    const firstEnqueued = new Promise<void>((resolve) => (enqueued = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));

    const firstTransaction = database
      .transaction(async (tx) => {
        await enqueueEvents(tx, topic, [first]);
        enqueued();
        await released;
      })
      .then(() => committed.push(first.id));
    await firstEnqueued;
    let secondTransaction: Promise<unknown> = Promise.resolve();
    try {
      // Without the key lock, this one would commit now, ahead of the first, with the higher seq:
      // a relay reading both after both commits would send them out of commit order.
      secondTransaction = database
        .transaction((tx) => enqueueEvents(tx, topic, [second]))
        .then(() => committed.push(second.id));
      await database.transaction((tx) => enqueueEvents(tx, topic, [elsewhere]));
      committed.push(elsewhere.id);
      await eventually(
        async () => ((await waitingForKeyLocks()) === 1 || committed.includes(second.id) ? true : undefined),
        10_000,
        "the second transaction to wait for the workspace's key lock",
      );
      expect(committed).toEqual([elsewhere.id]);
    } finally {
      // Also when an expectation failed: the first transaction must end, or the test would hang.
      release();
    }
    await Promise.all([firstTransaction, secondTransaction]);
    expect(committed).toEqual([elsewhere.id, first.id, second.id]);

    // All three are committed before the relay starts: it claims them in one batch, by seq.
    const received = await readTopic(topic);
    const relay = await startRelay();
    await eventually(async () => (received.length >= 3 ? true : undefined), 20_000, "the three events");
    const workspaceOrder = received.map((message) => message.id).filter((id) => id !== elsewhere.id);
    expect(workspaceOrder).toEqual(committed.filter((id) => id !== elsewhere.id));
    await relay.stop();
  });
});

describe("the relay's retention", () => {
  test("the leader prunes published outbox rows and processed ids past their retention, in batches, and nothing else", async () => {
    // More than one delete batch (1,000 rows) of each.
    await database.pool.query(
      `INSERT INTO outbox_event (id, topic, partition_key, payload, created_at, published_at)
       SELECT gen_random_uuid(), 'old.published', 'k', '{}'::jsonb, now() - interval '9 days', now() - interval '8 days'
         FROM generate_series(1, 2500)`,
    );
    await database.pool.query(
      `INSERT INTO outbox_event (id, topic, partition_key, payload, created_at, published_at)
       SELECT gen_random_uuid(), 'recent.published', 'k', '{}'::jsonb, now() - interval '2 days', now() - interval '1 day'
         FROM generate_series(1, 3)`,
    );
    // Parked long ago and never published: kept for an operator.
    await database.pool.query(
      `INSERT INTO outbox_event (id, topic, partition_key, payload, created_at, parked_at, park_reason)
       VALUES (gen_random_uuid(), 'old.parked', 'k', '{}'::jsonb, now() - interval '9 days', now() - interval '9 days', 'too large')`,
    );
    await database.pool.query(
      `INSERT INTO processed_event (consumer_group, event_id, event_type, processed_at)
       SELECT 'g', gen_random_uuid(), 'workspace.created', now() - interval '31 days' FROM generate_series(1, 1500)
       UNION ALL
       SELECT 'g', gen_random_uuid(), 'workspace.created', now() - interval '29 days' FROM generate_series(1, 3)`,
    );
    const count = async (table: string, where: string) =>
      Number(await database.scalar<string>(`SELECT count(*) AS value FROM ${table} WHERE ${where}`));

    // One prune runs when a relay takes the lead.
    const relay = await startRelay({ retention: { publishedMs: 7 * 86_400_000, processedMs: 30 * 86_400_000 } });
    expect(relay.isLeader).toBe(true);
    await eventually(
      async () =>
        (await count("outbox_event", "topic = 'old.published'")) === 0 &&
        (await count("processed_event", "processed_at < now() - interval '30 days'")) === 0
          ? true
          : undefined,
      20_000,
      "the old rows to be pruned",
    );
    expect(await count("outbox_event", "topic = 'recent.published'")).toBe(3);
    expect(await count("outbox_event", "topic = 'old.parked'")).toBe(1);
    expect(await count("processed_event", "true")).toBe(3);
    await relay.stop();
  });
});

describe("the relay's leadership", () => {
  test("of two relays on one database one leads; when it stops, the other takes the lead and relays", async () => {
    const topic = await newTopic("leadership");
    const received = await readTopic(topic);
    const first = await startRelay({ leaderRetryMs: 200 });
    const second = await startRelay({ leaderRetryMs: 200 });
    expect([first.isLeader, second.isLeader]).toEqual([true, false]);

    const before = eventOfSize(300, "before");
    await database.transaction((tx) => enqueueEvents(tx, topic, [before]));
    await eventually(async () => (received.length >= 1 ? true : undefined), 20_000, "the first event");
    await second.flush(); // a follower's flush returns at once
    expect(second.isLeader).toBe(false);

    await first.stop();
    await eventually(async () => (second.isLeader ? true : undefined), 10_000, "the second relay to lead");
    const after = eventOfSize(300, "after");
    await database.transaction((tx) => enqueueEvents(tx, topic, [after]));
    await eventually(async () => (received.length >= 2 ? true : undefined), 20_000, "the second event");
    expect(received.map((message) => message.id)).toEqual([before.id, after.id]);
    await second.stop();
  });
});
