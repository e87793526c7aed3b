import { randomBytes, randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { Admin, Consumer, Kafka, Producer } from "kafkajs";
import {
  DEAD_LETTER_HEADERS,
  consumerGroupTopics,
  createEvent,
  createKafka,
  deadLetterTopicFor,
  startIdempotentConsumer,
  type DelayedRetryPolicy,
  type EventEnvelope,
  type IdempotentConsumer,
  type SqlTransaction,
} from "@support/events";
import { createLogger } from "@support/logger";
import { eventually, testStack } from "../harness/stack.js";
import { scratchDatabase, type ScratchDatabase } from "../harness/scratch-database.js";

/**
 * The consumer's delayed-retry tier (docs/adr/0002, issue 21): an event that still fails after the
 * quick in-process retries is parked in the service's database with the later events of its
 * workspace behind it, while other workspaces go ahead; a retry worker in every instance applies
 * them in order once the handler succeeds. The real consumer library on the harness's broker, in a
 * scratch database with a service's real parked_event and processed_event tables (billing's
 * migrations), with handlers whose dependency the test switches off and on.
 */

const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
const logger = createLogger({ service: "delayed-retry-test", level: "silent" });
const ORGANISATION_ID = randomUUID();
/** Quick retries exhausted in well under a second: these tests are about what comes after. */
const QUICK_RETRY = { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 100 };
/** Delayed retries at test speed: 300 ms doubling to 1 s, looked for every 200 ms. */
const DELAYED_RETRY: Partial<DelayedRetryPolicy> = {
  initialDelayMs: 300,
  maxDelayMs: 1_000,
  pollIntervalMs: 200,
  budgetMs: 120_000,
};

let database: ScratchDatabase;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const topics: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  database = await scratchDatabase("delayed_retry_test", "billing");
  // One row per application of an event by a group; `seq` is the order they were applied in.
  await database.pool.query(
    `CREATE TABLE test_effect (seq bigserial PRIMARY KEY, event_id uuid NOT NULL, consumer_group text NOT NULL, instance text NOT NULL)`,
  );
  kafka = createKafka("delayed-retry-test", testStack().kafkaBrokers, logger);
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await producer.disconnect();
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await database.drop();
});

async function newTopic(name: string): Promise<string> {
  const topic = `test.${name}.${runId}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(topic);
  return topic;
}

function workspaceEvent(workspaceId: string, label: string): EventEnvelope {
  return createEvent({
    type: "workspace.created",
    workspaceId,
    organisationId: ORGANISATION_ID,
    actor: { type: "system" },
    target: { type: "workspace", id: workspaceId, label },
    data: { ownerId: randomUUID() },
  });
}

/** Produces events in this order onto the topic's one partition, keyed by workspace as the relay does. */
async function produce(topic: string, events: EventEnvelope[]): Promise<void> {
  await producer.send({
    topic,
    messages: events.map((event) => ({ key: event.workspaceId, value: JSON.stringify(event) })),
  });
}

/**
 * A consumer whose handler needs a dependency for the events in `needsDependency`: while
 * `dependency.up` is false, applying one of them throws (after writing, so the rollback is tested
 * too). `instance` names the consumer in the effects it writes.
 */
async function consume(
  groupId: string,
  topic: string,
  options: {
    instance: string;
    dependency: { up: boolean };
    needsDependency: (event: EventEnvelope) => boolean;
    delayedRetry?: Partial<DelayedRetryPolicy>;
    /** Simulated work per event, so that two instances' workers overlap. */
    workMs?: number;
  },
): Promise<IdempotentConsumer> {
  topics.push(...consumerGroupTopics(groupId).map((spec) => spec.topic));
  const apply = async (event: EventEnvelope, tx: SqlTransaction) => {
    await tx.$executeRawUnsafe(
      `INSERT INTO test_effect (event_id, consumer_group, instance) VALUES ($1::uuid, $2, $3)`,
      event.id,
      groupId,
      options.instance,
    );
    if (options.workMs) await delay(options.workMs);
    if (options.needsDependency(event) && !options.dependency.up) throw new Error("the dependency is down");
  };
  const consumer = await startIdempotentConsumer({
    kafka,
    groupId,
    topics: [topic],
    logger,
    transaction: (work) => database.transaction(work),
    retry: QUICK_RETRY,
    delayedRetry: options.delayedRetry ?? DELAYED_RETRY,
    handle: apply,
  });
  cleanups.push(() => consumer.disconnect());
  return consumer;
}

/** The events `groupId` applied, in the order it applied them, with how often each. */
async function appliedInOrder(groupId: string): Promise<Array<{ eventId: string; instance: string }>> {
  const { rows } = await database.pool.query<{ event_id: string; instance: string }>(
    `SELECT event_id, instance FROM test_effect WHERE consumer_group = $1 ORDER BY seq`,
    [groupId],
  );
  return rows.map((row) => ({ eventId: row.event_id, instance: row.instance }));
}

async function parkedRows(groupId: string): Promise<Array<{ eventId: string; attempts: number; failing: boolean }>> {
  const { rows } = await database.pool.query<{ event_id: string; attempts: number; failing: boolean }>(
    `SELECT event_id, attempts, failing_since IS NOT NULL AS failing FROM parked_event WHERE consumer_group = $1 ORDER BY seq`,
    [groupId],
  );
  return rows.map((row) => ({ eventId: row.event_id, attempts: row.attempts, failing: row.failing }));
}

async function committedOffset(groupId: string, topic: string): Promise<string> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return entry?.partitions.find((p) => p.partition === 0)?.offset ?? "-1";
}

/** How many messages the group's dead-letter topic holds. */
async function deadLetterCount(groupId: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(deadLetterTopicFor(groupId));
  return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
}

describe("the consumer's delayed retries", () => {
  test("with nothing parked, the retry worker looks once per poll interval, not in a loop", async () => {
    const topic = await newTopic("idle");
    const groupId = `idle.${runId}`;
    topics.push(...consumerGroupTopics(groupId).map((spec) => spec.topic));
    let transactions = 0;
    const consumer = await startIdempotentConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      transaction: (work) => {
        transactions += 1;
        return database.transaction(work);
      },
      retry: QUICK_RETRY,
      delayedRetry: DELAYED_RETRY,
      handle: async () => undefined,
    });
    cleanups.push(() => consumer.disconnect());
    await delay(500);
    const before = transactions;
    await delay(2_000);
    // Every 200 ms: a claim and a look at when the next is due, about 20 in 2 s. (An idle worker
    // once spun here, thousands a second in every consumer group of every service.)
    expect(transactions - before).toBeLessThanOrEqual(30);
  });

  test(
    "an event that fails longer than the quick retries is parked; a later event of its workspace waits behind it while another " +
      "workspace's goes ahead; once the dependency is back both are applied in order, exactly once, with no dead letter",
    async () => {
      const topic = await newTopic("parked");
      const groupId = `parked.${runId}`;
      const [workspaceA, workspaceB] = [randomUUID(), randomUUID()];
      const first = workspaceEvent(workspaceA, "A first: needs the dependency");
      const second = workspaceEvent(workspaceA, "A second");
      const other = workspaceEvent(workspaceB, "B, after both");
      const dependency = { up: false };
      await consume(groupId, topic, { instance: "one", dependency, needsDependency: (e) => e.id === first.id });
      await produce(topic, [first, second, other]);

      // The partition moved on: all three committed, B applied, A's two parked in their order.
      await eventually(
        async () => ((await committedOffset(groupId, topic)) === "3" ? true : undefined),
        30_000,
        "the three offsets to be committed",
      );
      expect((await appliedInOrder(groupId)).map((e) => e.eventId)).toEqual([other.id]);
      // The worker keeps retrying the first with back-off (more attempts than the quick ones) while the second waits.
      const parked = await eventually(
        async () => {
          const rows = await parkedRows(groupId);
          return rows[0] && rows[0].attempts > QUICK_RETRY.retries + 2 ? rows : undefined;
        },
        30_000,
        "delayed retries of the parked event",
      );
      expect(parked).toEqual([
        { eventId: first.id, attempts: expect.any(Number), failing: true },
        { eventId: second.id, attempts: 0, failing: false },
      ]);
      expect((await appliedInOrder(groupId)).map((e) => e.eventId)).toEqual([other.id]);

      // A third event of A, arriving while A is parked, joins the queue; so does a redelivery of the second.
      const third = workspaceEvent(workspaceA, "A third");
      await produce(topic, [third, second]);
      await eventually(
        async () => ((await committedOffset(groupId, topic)) === "5" ? true : undefined),
        30_000,
        "the later offsets to be committed",
      );
      expect((await parkedRows(groupId)).map((row) => row.eventId)).toEqual([first.id, second.id, third.id]);

      dependency.up = true;
      await eventually(
        async () => ((await parkedRows(groupId)).length === 0 ? true : undefined),
        30_000,
        "the parked events to be applied",
      );
      expect((await appliedInOrder(groupId)).map((e) => e.eventId)).toEqual([other.id, first.id, second.id, third.id]);
      expect(await deadLetterCount(groupId)).toBe(0);
    },
    90_000,
  );

  test("two instances of one group share the parked events: every one is applied once, each workspace's in order", async () => {
    const topic = await newTopic("shared");
    const groupId = `shared.${runId}`;
    const workspaces = Array.from({ length: 8 }, () => randomUUID());
    // Per workspace: a head that needs the dependency and two events behind it.
    const queues = workspaces.map((workspaceId, index) =>
      [0, 1, 2].map((position) => workspaceEvent(workspaceId, `workspace ${index}, event ${position}`)),
    );
    const heads = new Set(queues.map((queue) => queue[0]!.id));
    const dependency = { up: false };
    const common = { dependency, needsDependency: (e: EventEnvelope) => heads.has(e.id), workMs: 20 };
    await consume(groupId, topic, { instance: "one", ...common });
    await consume(groupId, topic, { instance: "two", ...common });
    // Interleaved: workspace 0's head, workspace 1's head, …, then their second events, then their third.
    await produce(
      topic,
      [0, 1, 2].flatMap((position) => queues.map((queue) => queue[position]!)),
    );

    await eventually(
      async () => ((await parkedRows(groupId)).length === 24 ? true : undefined),
      60_000,
      "every event to be parked behind its workspace's head",
    );
    dependency.up = true;
    await eventually(
      async () => ((await parkedRows(groupId)).length === 0 ? true : undefined),
      60_000,
      "the parked events to be applied",
    );

    const applied = await appliedInOrder(groupId);
    expect(applied).toHaveLength(24);
    for (const queue of queues) {
      expect(applied.map((e) => e.eventId).filter((id) => queue.some((event) => event.id === id))).toEqual(
        queue.map((event) => event.id),
      );
    }
    // Both instances' workers took part (neither holds the parked events of the partition it consumes).
    expect(new Set(applied.map((e) => e.instance))).toEqual(new Set(["one", "two"]));
    expect(await deadLetterCount(groupId)).toBe(0);
  }, 120_000);

  test("an event still failing after the delayed-retry budget is dead-lettered with its reason; the events behind it then go ahead, in order", async () => {
    const topic = await newTopic("budget");
    const groupId = `budget.${runId}`;
    const workspaceId = randomUUID();
    const poison = workspaceEvent(workspaceId, "never applies");
    const behind = [workspaceEvent(workspaceId, "behind 1"), workspaceEvent(workspaceId, "behind 2")];
    await consume(groupId, topic, {
      instance: "one",
      dependency: { up: false },
      needsDependency: (e) => e.id === poison.id,
      delayedRetry: { ...DELAYED_RETRY, budgetMs: 1_500 },
    });
    await produce(topic, [poison, ...behind]);

    await eventually(
      async () => ((await appliedInOrder(groupId)).length === 2 ? true : undefined),
      30_000,
      "the events behind the dead-lettered one",
    );
    expect((await appliedInOrder(groupId)).map((e) => e.eventId)).toEqual(behind.map((event) => event.id));
    expect(await parkedRows(groupId)).toEqual([]);

    const letters: Array<{ value: string; headers: Record<string, string> }> = [];
    const reader: Consumer = kafka.consumer({ groupId: `reader.${groupId}`, maxWaitTimeInMs: 500 });
    cleanups.push(() => reader.disconnect());
    await reader.connect();
    await reader.subscribe({ topic: deadLetterTopicFor(groupId), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        letters.push({
          value: message.value?.toString() ?? "",
          headers: Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          ),
        });
      },
    });
    await eventually(async () => (letters.length >= 1 ? true : undefined), 20_000, "the dead letter");
    expect(letters).toEqual([
      {
        value: JSON.stringify(poison),
        headers: expect.objectContaining({
          [DEAD_LETTER_HEADERS.originTopic]: topic,
          [DEAD_LETTER_HEADERS.originOffset]: "0",
          [DEAD_LETTER_HEADERS.reason]: expect.stringMatching(
            /^handler failed after \d+ attempt\(s\) in 1\.5 s or more: Error: the dependency is down$/,
          ),
        }),
      },
    ]);
    expect(Number(letters[0]!.headers[DEAD_LETTER_HEADERS.attempts])).toBeGreaterThan(QUICK_RETRY.retries + 1);
  }, 60_000);
});
