import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import pg from "pg";
import type { Kafka, Producer } from "kafkajs";
import { createEvent, createKafka, topicFor } from "@support/events";
import { createLogger } from "@support/logger";
import { billingOf } from "../harness/billing.js";
import { databaseUrlOf } from "../harness/audit.js";
import { startService, stopStartedServices, whileFrozen } from "../harness/service-process.js";
import { createWorkspace, eventually, graphqlOk, signUp, testStack } from "../harness/stack.js";
import { createTicket } from "../harness/ticketing.js";

/**
 * Issue 21, "a burst in one topic stalls unrelated work": a flood of valid events of a type that
 * billing's consumer ignores (`team.updated`), produced at once to every partition of
 * `workspace.events`, must not hold back the next event billing does handle. A workspace created
 * right after the burst gets its trial billing account within 5 s of the burst being produced.
 *
 * The issue's figure is 100,000 events; this test produces BURST (30,000) so that it stays within
 * about a minute on a 2-core machine with the whole stack (audit records every one of them).
 * Before the consumer skipped unhandled types without a transaction, billing spent one database
 * transaction and one offset commit per ignored event: measured on the code before, the account
 * had still not come 65 s after the burst.
 *
 * Issue 21, "big purges never finish": a workspace of 150,000 tickets, each with a reply, is
 * deleted; ticketing's consumer purges it in chunks of 5,000 tickets, each its own transaction,
 * is killed (SIGKILL) halfway, and the next instance continues where it stopped; the deletion is
 * reported done once, with nothing left. Before, the purge was one transaction (never partly
 * done, lost whole on a kill, and over Prisma's 5 s timeout at this size).
 */

const BURST = 30_000;
const SEND_BATCH = 2_000;
const DEADLINE_MS = 5_000;

let kafka: Kafka;
let producer: Producer;

beforeAll(async () => {
  kafka = createKafka(
    "consumer-burst-test",
    testStack().kafkaBrokers,
    createLogger({ service: "burst", level: "silent" }),
  );
  producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});

afterAll(async () => {
  await stopStartedServices();
  await producer.disconnect();
});

test(`a new workspace gets its billing account within 5 s of ${BURST} team.updated events`, async () => {
  const owner = await signUp({ organisationName: "Burst Co" });
  // Billing is caught up before the burst: a first workspace has its account.
  const warm = await createWorkspace(owner.token, `Warm-up ${Date.now()}`);
  await eventually(() => billingOf(owner.token, warm), 20_000, "the warm-up workspace's billing account");

  const topic = topicFor("workspace");
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map(
    (p) => p.partitionId,
  );
  await admin.disconnect();
  // One (unknown) workspace per partition, so every partition the new workspace can land on is flooded.
  const fakeWorkspaces = partitions.map(() => randomUUID());
  const organisationId = randomUUID();

  for (let sent = 0; sent < BURST; sent += SEND_BATCH) {
    const messages = [];
    for (let i = sent; i < Math.min(BURST, sent + SEND_BATCH); i += 1) {
      const slot = i % partitions.length;
      const workspaceId = fakeWorkspaces[slot]!;
      const teamId = randomUUID();
      const event = createEvent({
        type: "team.updated",
        workspaceId,
        organisationId,
        actor: { type: "system" },
        target: { type: "team", id: teamId, label: `Team ${i}` },
        changes: [{ field: "name", old: `Team ${i - 1}`, new: `Team ${i}` }],
        data: { teamId },
      });
      messages.push({ key: workspaceId, value: JSON.stringify(event), partition: partitions[slot]! });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  const burstProduced = Date.now();

  const workspaceId = await createWorkspace(owner.token, `After the burst ${Date.now()}`);
  const billing = await eventually(
    () => billingOf(owner.token, workspaceId),
    Math.max(0, burstProduced + DEADLINE_MS - Date.now()),
    "the new workspace's billing account",
  ).catch(async (error: unknown) => {
    // How late it is (for the record): wait, bounded, for the account to come after all.
    const late = await eventually(() => billingOf(owner.token, workspaceId), 60_000, "the account").then(
      () => `it came ${Date.now() - burstProduced} ms after the burst`,
      () => "it had not come 60 s later",
    );
    throw new Error(`${String(error)}; ${late}`);
  });
  expect(billing.status).toBe("TRIALING");
  expect(billing.plan).toBe("BASIC");
}, 180_000);

/** Tickets (each with one reply) of the workspace whose purge is interrupted. */
const BIG = 150_000;

/** One statement against ticketing's database, as the test's privileged login. */
async function ticketingSql<Row extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrlOf("ticketing") });
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** `count` copies of a row of `table` (new ids; `vary` gives other columns their own values). */
async function copyRow(table: string, id: string, count: number, vary: Record<string, string>): Promise<void> {
  const columns = (
    await ticketingSql<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
      [table],
    )
  ).map((row) => row.column_name);
  const values = columns.map((column) => (column === "id" ? "gen_random_uuid()" : (vary[column] ?? `t."${column}"`)));
  await ticketingSql(
    `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(", ")})
     SELECT ${values.join(", ")} FROM ${table} t CROSS JOIN generate_series(1, $2) AS g WHERE t.id = $1`,
    [id, count],
  );
}

test(`a workspace of ${BIG} tickets with replies is purged in chunks, across a kill -9 halfway, and reported done`, async () => {
  const owner = await signUp({ organisationName: "Big Purge Co" });
  const name = `Big desk ${Date.now()}`;
  const workspaceId = await createWorkspace(owner.token, name);
  const ticket = await createTicket(owner.token, workspaceId, { title: "Template" });
  // The bulk, written directly (as an import of years of history would have): numbers stay unique.
  await copyRow("ticket", ticket.id, BIG - 1, { number: "t.number + g" });
  await ticketingSql(
    `INSERT INTO ticket_reply (id, ticket_id, workspace_id, body)
       SELECT gen_random_uuid(), id, workspace_id, 'Bulk reply' FROM ticket WHERE workspace_id = $1`,
    [workspaceId],
  );
  const count = async (table: string) =>
    (
      await ticketingSql<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [
        workspaceId,
      ])
    )[0]!.n;
  const purgedEvents = async () =>
    (
      await ticketingSql<{ n: number }>(
        `SELECT count(*)::int AS n FROM outbox_event
         WHERE payload->>'type' = 'workspace_data.purged_by_ticketing' AND payload->>'workspaceId' = $1`,
        [workspaceId],
      )
    )[0]!.n;
  expect(await count("ticket")).toBe(BIG);
  expect(await count("ticket_reply")).toBe(BIG);

  // The stack's ticketing is frozen; a second instance takes over its consumer and is killed
  // (SIGKILL) halfway through the purge; a third finishes it.
  await whileFrozen("ticketing", async () => {
    const doomed = await startService("ticketing");
    await graphqlOk(`mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { workspaceId } }`, {
      token: owner.token,
      variables: { w: workspaceId, n: name },
    });
    await eventually(
      async () => {
        const left = await count("ticket");
        return left < BIG && left > 0 ? left : undefined;
      },
      90_000,
      "the purge to start",
    );
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const halfway = await count("ticket");
    expect(halfway).toBeGreaterThan(0);
    await startService("ticketing");
    // The third instance finishes the purge and publishes its event in the same transaction
    // (relayed once the stack's instance, the relay leader, thaws).
    await eventually(
      async () => ((await count("ticket")) === 0 && (await purgedEvents()) > 0) || undefined,
      150_000,
      "the third instance to finish the purge",
    );
  });
  await eventually(
    async () => {
      const data = await graphqlOk<{ workspaceDeletion: { done: boolean } }>(
        `query($w: ID!) { workspaceDeletion(workspaceId: $w) { done } }`,
        { token: owner.token, variables: { w: workspaceId } },
      );
      return data.workspaceDeletion.done || undefined;
    },
    60_000,
    "the deletion to be reported done",
  );
  expect(await count("ticket")).toBe(0);
  expect(await count("ticket_reply")).toBe(0);
  // Reported once: the purge's event was published by the transaction that finished it.
  expect(await purgedEvents()).toBe(1);
}, 400_000);
