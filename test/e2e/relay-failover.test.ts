import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { Admin, Consumer, Kafka } from "kafkajs";
import {
  EVENT_TOPIC_PARTITIONS,
  RELAY_APPLICATION_NAME,
  RELAY_LEADER_LOCK,
  consumerGroupTopics,
  createEvent,
  createKafka,
  enqueueEvents,
  startIdempotentConsumer,
  type EventEnvelope,
} from "@support/events";
import { createLogger } from "@support/logger";
import { eventually, testStack } from "../harness/stack.js";
import { scratchDatabase, type ScratchDatabase } from "../harness/scratch-database.js";
import {
  startService,
  stopStartedServices,
  whileInstanceFrozen,
  type StartedService,
} from "../harness/service-process.js";

/**
 * Two instances of one service (identity) on a scratch copy of its database: one relay leads, the
 * other takes over when the leader's process is killed. Their consumer joins the stack identity's
 * group (identity.workspace-deletions) for the test's length; the suite runs alone, so no workspace
 * is deleted meanwhile. (Given a group of their own, KAFKA_CONSUMER_GROUP_PREFIX, the instances
 * missed this test's 30 s publishing bound after the burst suites, even with the group's offsets
 * set to the topic's end: not understood yet, see RELIABILITY.md.) The events go to a scratch topic with the product's partition
 * count, and are read by a fresh group and by an idempotent consumer in a second scratch database.
 */

const WORKSPACES = 10;
const EVENTS_PER_WORKSPACE = 100;
const EVENTS_PER_TRANSACTION = 5;
const TOTAL = WORKSPACES * EVENTS_PER_WORKSPACE;

const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
const logger = createLogger({ service: "relay-failover-test", level: "silent" });

let outbox: ScratchDatabase;
let consuming: ScratchDatabase;
let kafka: Kafka;
let admin: Admin;
const topics: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [outbox, consuming] = await Promise.all([
    scratchDatabase("relay_failover", "identity"),
    scratchDatabase("relay_failover_consumer", "billing"),
  ]);
  await consuming.pool.query(`CREATE TABLE test_effect (event_id uuid NOT NULL)`);
  kafka = createKafka("relay-failover-test", testStack().kafkaBrokers, logger);
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await stopStartedServices();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await Promise.all([outbox.drop(), consuming.drop()]);
});

/** The process id of the instance whose relay holds the lead on the scratch database, if any. */
async function leaderProcessId(): Promise<number | undefined> {
  const { rows } = await outbox.pool.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [RELAY_LEADER_LOCK.classId, RELAY_LEADER_LOCK.objectId],
  );
  const name = rows[0]?.application_name;
  return name?.startsWith(RELAY_APPLICATION_NAME) ? Number(name.slice(RELAY_APPLICATION_NAME.length)) : undefined;
}

describe("two instances of a service", () => {
  test("one relay leads; killed mid-stream, the other takes over: every event is delivered, applied once, and in commit order per workspace", async () => {
    const topic = `test.relay-failover.${runId}`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: EVENT_TOPIC_PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    topics.push(topic);

    const instances = await Promise.all([0, 1].map(() => startService("identity", { DATABASE_URL: outbox.url })));
    const leaderPid = await eventually(leaderProcessId, 20_000, "a relay to lead");
    const leader = instances.find((instance) => instance.child.pid === leaderPid);
    const follower = instances.find((instance) => instance !== leader) as StartedService;
    expect(leader).toBeDefined();

    // Everything on the topic, in the order each partition holds it.
    const arrived: string[] = [];
    const reader: Consumer = kafka.consumer({ groupId: `failover-reader.${runId}`, maxWaitTimeInMs: 500 });
    cleanups.push(() => reader.disconnect());
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        arrived.push((JSON.parse(message.value?.toString() ?? "null") as EventEnvelope).id);
      },
    });

    // The product's consumer, applying each event with an effect the test counts.
    const groupId = `failover.${runId}`;
    topics.push(...consumerGroupTopics(groupId).map((spec) => spec.topic));
    const consumer = await startIdempotentConsumer({
      kafka,
      groupId,
      topics: [topic],
      logger,
      transaction: (work) => consuming.transaction(work),
      handle: async (event, tx) => {
        await tx.$executeRawUnsafe(`INSERT INTO test_effect (event_id) VALUES ($1::uuid)`, event.id);
      },
    });
    cleanups.push(() => consumer.disconnect());

    // Each workspace has one writer committing its events in order: its commit order is the
    // order of its sequence numbers. The writers run side by side, as requests would.
    const organisationId = randomUUID();
    const sequenceOf = new Map<string, { workspaceId: string; sequence: number }>();
    const workspaceIds = Array.from({ length: WORKSPACES }, () => randomUUID());
    const writers = workspaceIds.map(async (workspaceId) => {
      for (let sequence = 1; sequence <= EVENTS_PER_WORKSPACE; sequence += EVENTS_PER_TRANSACTION) {
        const events = Array.from({ length: EVENTS_PER_TRANSACTION }, (_, index) => {
          const event = createEvent({
            type: "workspace.created",
            workspaceId,
            organisationId,
            actor: { type: "system" },
            target: { type: "workspace", id: workspaceId, label: `#${sequence + index}` },
            data: { ownerId: randomUUID() },
          });
          sequenceOf.set(event.id, { workspaceId, sequence: sequence + index });
          return event;
        });
        await outbox.transaction((tx) => enqueueEvents(tx, topic, events));
        // Spreads the writes over a few seconds, so the kill lands while events still flow.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    const published = async () =>
      Number(await outbox.scalar<string>(`SELECT count(*) AS value FROM outbox_event WHERE published_at IS NOT NULL`));
    const killed = (async () => {
      const publishedAtKill = await eventually(
        async () => {
          const count = await published();
          return count >= TOTAL * 0.3 ? count : undefined;
        },
        30_000,
        "a third of the events to be published",
      );
      leader!.child.kill("SIGKILL");
      await leader!.exited;
      const killedAt = Date.now();
      const takeoverMs = await eventually(
        async () => ((await leaderProcessId()) === follower.child.pid ? Date.now() - killedAt : undefined),
        20_000,
        "the other instance's relay to take the lead",
      );
      return { publishedAtKill, takeoverMs };
    })();
    const [{ publishedAtKill, takeoverMs }] = await Promise.all([killed, ...writers]);
    await eventually(async () => ((await published()) === TOTAL ? true : undefined), 30_000, "every event published");
    await eventually(
      async () => (new Set(arrived).size === TOTAL ? true : undefined),
      30_000,
      "every event on the topic",
    );
    await eventually(
      async () =>
        Number(await consuming.scalar<string>(`SELECT count(DISTINCT event_id) AS value FROM test_effect`)) === TOTAL
          ? true
          : undefined,
      30_000,
      "every event applied by the consumer",
    );

    expect(publishedAtKill).toBeLessThan(TOTAL);
    expect(Number(await consuming.scalar<string>(`SELECT count(*) AS value FROM test_effect`))).toBe(TOTAL);
    expect(
      Number(
        await consuming.scalar<string>(`SELECT count(*) AS value FROM processed_event WHERE consumer_group = $1`, [
          groupId,
        ]),
      ),
    ).toBe(TOTAL);

    // Per workspace, each event arrives after every event committed before it. A batch the
    // killed leader sent but could not mark is sent again by the new leader: those repeats
    // are of events already seen, and are the only exceptions.
    let redelivered = 0;
    for (const workspaceId of workspaceIds) {
      const sequences = arrived.flatMap((id) => {
        const known = sequenceOf.get(id);
        return known?.workspaceId === workspaceId ? [known.sequence] : [];
      });
      let highest = 0;
      const outOfOrder: number[] = [];
      for (const sequence of sequences) {
        if (sequence === highest + 1) highest = sequence;
        else if (sequence <= highest) redelivered += 1;
        else outOfOrder.push(sequence);
      }
      expect({ workspaceId, highest, outOfOrder }).toEqual({
        workspaceId,
        highest: EVENTS_PER_WORKSPACE,
        outOfOrder: [],
      });
    }
    process.stdout.write(
      `[relay-failover] leader killed at ${publishedAtKill}/${TOTAL} published; ` +
        `the other relay led ${takeoverMs} ms after the kill; ${redelivered} event(s) sent twice, each applied once\n`,
    );
  }, 120_000);
  test("a hung leader (frozen, its connection open) loses the lead after RELAY_LEADER_TIMEOUT_SECONDS: events written meanwhile are published by the other", async () => {
    const topic = `test.relay-hung.${runId}`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: EVENT_TOPIC_PARTITIONS, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    topics.push(topic);
    // The first test's surviving instance would keep the lead: these two start alone.
    await stopStartedServices();
    // The floor is twice the relay's 5 s poll: the lead moves about 10 s after the freeze.
    const instances = await Promise.all(
      [0, 1].map(() => startService("identity", { DATABASE_URL: outbox.url, RELAY_LEADER_TIMEOUT_SECONDS: "1" })),
    );
    const leaderPid = await eventually(
      async () => {
        const pid = await leaderProcessId();
        return instances.some((instance) => instance.child.pid === pid) ? pid : undefined;
      },
      20_000,
      "one of the two relays to lead",
    );
    const leader = instances.find((instance) => instance.child.pid === leaderPid) as StartedService;
    const follower = instances.find((instance) => instance !== leader) as StartedService;

    const unpublished = async (ids: string[]) =>
      Number(
        await outbox.scalar<string>(
          `SELECT count(*) AS value FROM outbox_event WHERE id = ANY($1::uuid[]) AND published_at IS NULL`,
          [ids],
        ),
      );
    const { takeoverMs, ids } = await whileInstanceFrozen(leader, async () => {
      const frozenAt = Date.now();
      const events = Array.from({ length: 20 }, (_, index) =>
        createEvent({
          type: "workspace.created",
          workspaceId: randomUUID(),
          organisationId: randomUUID(),
          actor: { type: "system" },
          target: { type: "workspace", id: randomUUID(), label: `while frozen ${index}` },
          data: { ownerId: randomUUID() },
        }),
      );
      await outbox.transaction((tx) => enqueueEvents(tx, topic, events));
      const eventIds = events.map((event) => event.id);
      const takeover = await eventually(
        async () => ((await leaderProcessId()) === follower.child.pid ? Date.now() - frozenAt : undefined),
        45_000,
        "the other relay to take the lead from the frozen one",
      );
      // Published while the old leader is still frozen: the outbox does not wait for it.
      await eventually(
        async () => ((await unpublished(eventIds)) === 0 ? true : undefined),
        20_000,
        "the events written during the freeze to be published",
      );
      return { takeoverMs: takeover, ids: eventIds };
    });
    // Thawed, the old leader finds its session gone and campaigns again without taking the lead twice.
    await eventually(
      async () => ((await leaderProcessId()) === follower.child.pid ? true : undefined),
      10_000,
      "one leader after the thaw",
    );
    expect(await unpublished(ids)).toBe(0);
    expect(takeoverMs).toBeLessThan(30_000);
    process.stdout.write(`[relay-failover] the lead moved ${takeoverMs} ms after the leader froze\n`);
  }, 120_000);
});
