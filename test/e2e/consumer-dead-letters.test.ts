import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { Admin, Consumer, IHeaders, Kafka, Producer } from "kafkajs";
import {
  DEAD_LETTER_HEADERS,
  consumerGroupTopics,
  createEvent,
  createKafka,
  deadLetterTopicFor,
  replayTopicFor,
  startIdempotentConsumer,
  type EventEnvelope,
  type IdempotentConsumer,
  type SqlTransaction,
} from "@support/events";
import { createLogger } from "@support/logger";
import { eventually, testStack } from "../harness/stack.js";
import { scratchDatabase, type ScratchDatabase } from "../harness/scratch-database.js";

/**
 * Consumers with dead letters: the real consumer library on the harness's broker, in a scratch
 * database with a service's real processed_event table (billing's migrations), with handlers the
 * test controls, so a poison event needs no change to any service.
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
const logger = createLogger({ service: "dead-letter-test", level: "silent" });
const WORKSPACE_ID = randomUUID();
const ORGANISATION_ID = randomUUID();
/** Quick retries: these tests are about what happens once they are exhausted. */
const QUICK_RETRY = { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 100 };
/**
 * The delayed tier off: a failing event is dead-lettered right after its quick retries, as
 * before the tier existed (consumer-delayed-retry.test.ts covers parking and the budget).
 */
const NO_DELAYED_RETRY = { budgetMs: 0 };

let database: ScratchDatabase;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const topics: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  database = await scratchDatabase("dead_letter_test", "billing");
  await database.pool.query(`CREATE TABLE test_effect (event_id uuid NOT NULL, consumer_group text NOT NULL)`);
  kafka = createKafka("dead-letter-test", testStack().kafkaBrokers, logger);
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

function sampleEvent(label: string): EventEnvelope {
  return createEvent({
    type: "workspace.created",
    workspaceId: WORKSPACE_ID,
    organisationId: ORGANISATION_ID,
    actor: { type: "system" },
    target: { type: "workspace", id: WORKSPACE_ID, label },
    data: { ownerId: randomUUID() },
  });
}

async function consume(
  groupId: string,
  topic: string,
  options: Omit<
    Parameters<typeof startIdempotentConsumer>[0],
    "kafka" | "groupId" | "topics" | "logger" | "transaction"
  >,
): Promise<IdempotentConsumer> {
  topics.push(...consumerGroupTopics(groupId).map((spec) => spec.topic));
  const consumer = await startIdempotentConsumer({
    kafka,
    groupId,
    topics: [topic],
    logger,
    transaction: (work) => database.transaction(work),
    ...options,
  });
  cleanups.push(() => consumer.disconnect());
  return consumer;
}

/** The handler's effect: one row per application of an event by a group. */
const recordEffect = (groupId: string) => async (event: EventEnvelope, tx: SqlTransaction) => {
  await tx.$executeRawUnsafe(
    `INSERT INTO test_effect (event_id, consumer_group) VALUES ($1::uuid, $2)`,
    event.id,
    groupId,
  );
};

async function effects(eventId: string, groupId?: string): Promise<number> {
  return Number(
    await database.scalar<string>(
      `SELECT count(*) AS value FROM test_effect WHERE event_id = $1 AND ($2::text IS NULL OR consumer_group = $2)`,
      [eventId, groupId ?? null],
    ),
  );
}

async function committedOffset(groupId: string, topic: string): Promise<string> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return entry?.partitions.find((p) => p.partition === 0)?.offset ?? "-1";
}

interface ReadMessage {
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

/** Reads a topic from the beginning with a group of its own, collecting every message. */
async function readTopic(topic: string): Promise<ReadMessage[]> {
  const received: ReadMessage[] = [];
  const reader: Consumer = kafka.consumer({
    groupId: `reader.${topic}.${randomBytes(3).toString("hex")}`,
    maxWaitTimeInMs: 500,
  });
  cleanups.push(() => reader.disconnect());
  await reader.connect();
  await reader.subscribe({ topic, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      received.push({
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: textHeaders(message.headers),
      });
    },
  });
  return received;
}

function textHeaders(headers: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([name, value]) => [
      name,
      (Array.isArray(value) ? value[0] : value)?.toString() ?? "",
    ]),
  );
}

/** Runs the documented command, `npm run events:replay -- <topic>`, against the harness's broker. */
function replayCommand(deadLetterTopic: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "events:replay", "--", deadLetterTopic], {
      cwd: ROOT,
      env: { ...process.env, KAFKA_BROKERS: testStack().kafkaBrokers.join(",") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("a consumer's dead letters", () => {
  test(
    "a malformed message, an invalid envelope and an event whose handler always throws are dead-lettered with their reasons; " +
      "the good event behind them is applied; replaying the dead-letter topic after the fix applies the failed event",
    async () => {
      const topic = await newTopic("poison");
      const groupId = `dead-letters.${runId}`;
      const poison = sampleEvent("poison");
      const good = sampleEvent("good");
      const malformed = "{ this is not json";
      const invalid = JSON.stringify({ id: "not-a-uuid", type: "Not An Event" });
      // One key: all four on one partition, in this order.
      await producer.send({
        topic,
        messages: [malformed, invalid, JSON.stringify(poison), JSON.stringify(good)].map((value) => ({
          key: WORKSPACE_ID,
          value,
        })),
      });

      let fixed = false;
      let poisonAttempts = 0;
      await consume(groupId, topic, {
        retry: QUICK_RETRY,
        delayedRetry: NO_DELAYED_RETRY,
        handle: async (event, tx) => {
          if (event.id === poison.id && !fixed) {
            poisonAttempts += 1;
            throw new Error("the handler cannot apply this event yet");
          }
          await recordEffect(groupId)(event, tx);
        },
      });

      await eventually(
        async () => ((await committedOffset(groupId, topic)) === "4" ? true : undefined),
        30_000,
        "all four messages to be committed",
      );
      expect(await effects(good.id)).toBe(1);
      expect(await effects(poison.id)).toBe(0);
      expect(poisonAttempts).toBe(QUICK_RETRY.retries + 1);

      const deadLetterTopic = deadLetterTopicFor(groupId);
      const letters = await readTopic(deadLetterTopic);
      await eventually(async () => (letters.length >= 3 ? true : undefined), 20_000, "three dead letters");
      const origin = (offset: string) => ({
        [DEAD_LETTER_HEADERS.originTopic]: topic,
        [DEAD_LETTER_HEADERS.originPartition]: "0",
        [DEAD_LETTER_HEADERS.originOffset]: offset,
        [DEAD_LETTER_HEADERS.consumerGroup]: groupId,
      });
      expect(letters.slice(0, 3)).toEqual([
        {
          offset: "0",
          key: WORKSPACE_ID,
          value: malformed,
          headers: expect.objectContaining({
            ...origin("0"),
            [DEAD_LETTER_HEADERS.reason]: expect.stringMatching(/^malformed message: SyntaxError/),
            [DEAD_LETTER_HEADERS.attempts]: "1",
          }),
        },
        {
          offset: "1",
          key: WORKSPACE_ID,
          value: invalid,
          headers: expect.objectContaining({
            ...origin("1"),
            [DEAD_LETTER_HEADERS.reason]: expect.stringMatching(/^invalid event: .*id/),
          }),
        },
        {
          offset: "2",
          key: WORKSPACE_ID,
          value: JSON.stringify(poison),
          headers: expect.objectContaining({
            ...origin("2"),
            [DEAD_LETTER_HEADERS.reason]:
              "handler failed after 3 attempt(s): Error: the handler cannot apply this event yet",
            [DEAD_LETTER_HEADERS.attempts]: "3",
          }),
        },
      ]);

      // The fix ships; the operator replays the dead letters to this group.
      fixed = true;
      const replay = await replayCommand(deadLetterTopic);
      expect({ code: replay.code, output: replay.output }).toEqual({
        code: 0,
        output: expect.stringContaining("replayed 3 dead letter(s)"),
      });

      await eventually(
        async () => ((await effects(poison.id)) === 1 ? true : undefined),
        30_000,
        "the replayed event to be applied",
      );
      // The two messages that can never be valid come back to the dead-letter topic, now from the replay topic.
      await eventually(
        async () => (letters.length >= 5 ? true : undefined),
        30_000,
        "the invalid messages dead-lettered again",
      );
      expect(letters.slice(3).map((letter) => [letter.value, letter.headers[DEAD_LETTER_HEADERS.originTopic]])).toEqual(
        [
          [malformed, replayTopicFor(groupId)],
          [invalid, replayTopicFor(groupId)],
        ],
      );
      expect(await effects(good.id)).toBe(1);
      expect(await effects(poison.id)).toBe(1);

      // A second replay sends only what arrived since the first: the two invalid messages.
      const again = await replayCommand(deadLetterTopic);
      expect(again.output).toContain("replayed 2 dead letter(s)");
      await eventually(
        async () => (letters.length >= 7 ? true : undefined),
        30_000,
        "the invalid messages dead-lettered a third time",
      );
      expect(await effects(poison.id)).toBe(1);
    },
    120_000,
  );

  test("with handleBatch, events are applied in batch transactions, and a poison event in a batch is isolated: the others applied, it dead-lettered", async () => {
    const topic = await newTopic("batches");
    const groupId = `batches.${runId}`;
    const events = Array.from({ length: 30 }, (_, index) => sampleEvent(`event ${index}`));
    const poison = events[17]!;
    await producer.send({
      topic,
      messages: events.map((event) => ({ key: WORKSPACE_ID, value: JSON.stringify(event) })),
    });

    const batchSizes: number[] = [];
    const apply = recordEffect(groupId);
    await consume(groupId, topic, {
      retry: QUICK_RETRY,
      delayedRetry: NO_DELAYED_RETRY,
      handle: async (event, tx) => {
        if (event.id === poison.id) throw new Error("poison");
        await apply(event, tx);
      },
      handleBatch: async (batch, tx) => {
        batchSizes.push(batch.length);
        for (const event of batch) {
          if (event.id === poison.id) throw new Error("poison");
          await apply(event, tx);
        }
      },
    });

    await eventually(
      async () => ((await committedOffset(groupId, topic)) === "30" ? true : undefined),
      30_000,
      "every event to be committed",
    );
    for (const event of events)
      expect({ label: event.target.label, effects: await effects(event.id) }).toEqual({
        label: event.target.label,
        effects: event === poison ? 0 : 1,
      });
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    const letters = await readTopic(deadLetterTopicFor(groupId));
    await eventually(async () => (letters.length >= 1 ? true : undefined), 20_000, "the dead letter");
    expect(letters.map((letter) => letter.value)).toEqual([JSON.stringify(poison)]);
  });

  test("de-duplication is per consumer group: two groups each apply an event once, however often it is delivered", async () => {
    const topic = await newTopic("groups");
    const event = sampleEvent("for two groups");
    const [first, second] = [`group-a.${runId}`, `group-b.${runId}`];
    await producer.send({ topic, messages: [1, 2].map(() => ({ key: WORKSPACE_ID, value: JSON.stringify(event) })) });

    for (const groupId of [first, second]) await consume(groupId, topic, { handle: recordEffect(groupId) });
    for (const groupId of [first, second]) {
      await eventually(
        async () => ((await committedOffset(groupId, topic)) === "2" ? true : undefined),
        30_000,
        `${groupId} to commit both deliveries`,
      );
    }
    expect(await effects(event.id, first)).toBe(1);
    expect(await effects(event.id, second)).toBe(1);
    expect(
      await database.scalar<string[]>(
        `SELECT array_agg(consumer_group ORDER BY consumer_group) AS value FROM processed_event WHERE event_id = $1`,
        [event.id],
      ),
    ).toEqual([first, second]);
  });
});
