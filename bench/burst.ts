/**
 * Issue 21 at full size, with figures (the e2e suite runs smaller versions of both):
 *
 * 1. Burst: BURST_EVENTS (default 100,000) valid `team.updated` events, which billing's consumer
 *    ignores, produced at once to every partition of `workspace.events`; then a workspace is
 *    created. Prints how long after the burst its billing account exists (the target: < 5 s),
 *    and how long audit, which records every one of them, takes to catch up.
 * 2. Purge: a workspace of PURGE_TICKETS (default 300,000) tickets, each with a reply, is deleted.
 *    Prints how long until `workspaceDeletion` says done, and checks nothing is left.
 *
 *   npm run bench:burst                       # its own stack (ports 4450-4455, Kafka 19496)
 *   BURST_EVENTS=30000 PURGE_TICKETS=50000 npm run bench:burst
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { createEvent, createKafka, topicFor } from "@support/events";
import { createLogger } from "@support/logger";
import { databaseNameFor, type ServiceName } from "@support/infra/services";
import { graphqlOk, machine, signUp, withBenchStack, type BenchStack } from "./common.js";
import { backlog, type DatabaseUrls } from "@support/infra/load";

const BURST_EVENTS = Number(process.env.BURST_EVENTS ?? 100_000);
const PURGE_TICKETS = Number(process.env.PURGE_TICKETS ?? 300_000);
const SEND_BATCH = 2_000;

const log = (message: string) => process.stdout.write(`${message}\n`);

function databaseUrls(stack: BenchStack): DatabaseUrls {
  const url = (service: ServiceName) => {
    const server = new URL(stack.postgresServerUrl);
    server.pathname = `/${databaseNameFor(service, stack.databaseSuffix)}`;
    return server.toString();
  };
  return {
    identity: url("identity"),
    workspace: url("workspace"),
    ticketing: url("ticketing"),
    billing: url("billing"),
    audit: url("audit"),
  };
}

async function sql<Row extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not yet (e.g. no billing account): asked again below
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const CREATE_WORKSPACE = `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`;
const BILLING = `query($w: ID!) { workspace(id: $w) { billing { status pending } } }`;

async function burst(stack: BenchStack, databases: DatabaseUrls): Promise<void> {
  const token = await signUp(stack.gatewayUrl, "burst");
  const kafka = createKafka("bench-burst", stack.kafkaBrokers, createLogger({ service: "bench", level: "silent" }));
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const topic = topicFor("workspace");
  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]!.partitions.map(
    (p) => p.partitionId,
  );
  await admin.disconnect();
  // One unknown workspace per partition: whichever partition the new workspace lands on is flooded.
  const fakeWorkspaces = partitions.map(() => randomUUID());
  const organisationId = randomUUID();
  const startedAt = Date.now();
  for (let sent = 0; sent < BURST_EVENTS; sent += SEND_BATCH) {
    const messages = [];
    for (let i = sent; i < Math.min(BURST_EVENTS, sent + SEND_BATCH); i += 1) {
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
  await producer.disconnect();
  const produced = Date.now();
  log(`burst: ${BURST_EVENTS} team.updated events produced in ${produced - startedAt} ms`);

  const { createWorkspace } = await graphqlOk<{ createWorkspace: { id: string } }>(
    stack.gatewayUrl,
    CREATE_WORKSPACE,
    { input: { name: `After the burst ${Date.now()}` } },
    token,
  );
  await waitFor("the new workspace's billing account", 600_000, async () => {
    const data = await graphqlOk<{ workspace: { billing: { status: string; pending: boolean } | null } }>(
      stack.gatewayUrl,
      BILLING,
      { w: createWorkspace.id },
      token,
    );
    return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
  });
  log(`burst: the new workspace's billing account came ${Date.now() - produced} ms after the burst (target < 5000)`);
  await waitFor("every consumer to catch up", 900_000, async () => {
    const left = await backlog(databases, kafka);
    return Object.values(left.lag).every((n) => n === 0) ? left : undefined;
  });
  log(
    `burst: every consumer group (audit recording all ${BURST_EVENTS}) caught up ${Date.now() - produced} ms after it`,
  );
}

async function purge(stack: BenchStack, databases: DatabaseUrls): Promise<void> {
  const token = await signUp(stack.gatewayUrl, "purge");
  const name = `Big desk ${Date.now()}`;
  const { createWorkspace } = await graphqlOk<{ createWorkspace: { id: string } }>(
    stack.gatewayUrl,
    CREATE_WORKSPACE,
    { input: { name } },
    token,
  );
  const workspaceId = createWorkspace.id;
  await graphqlOk(
    stack.gatewayUrl,
    `mutation($w: ID!) { createTicket(workspaceId: $w, input: { title: "Template" }) { id } }`,
    { w: workspaceId },
    token,
  );
  // The bulk written directly, as an import of years of history would have left it.
  const filledAt = Date.now();
  const columns = (
    await sql<{ column_name: string }>(
      databases.ticketing,
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = 'ticket' AND is_generated = 'NEVER'
        ORDER BY ordinal_position`,
    )
  ).map((row) => row.column_name);
  const values = columns.map((column) =>
    column === "id" ? "gen_random_uuid()" : column === "number" ? "t.number + g" : `t."${column}"`,
  );
  await sql(
    databases.ticketing,
    `INSERT INTO ticket (${columns.map((c) => `"${c}"`).join(", ")})
     SELECT ${values.join(", ")} FROM ticket t CROSS JOIN generate_series(1, $2) AS g WHERE t.workspace_id = $1`,
    [workspaceId, PURGE_TICKETS - 1],
  );
  await sql(
    databases.ticketing,
    `INSERT INTO ticket_reply (id, ticket_id, workspace_id, body)
       SELECT gen_random_uuid(), id, workspace_id, 'Bulk reply' FROM ticket WHERE workspace_id = $1`,
    [workspaceId],
  );
  log(`purge: ${PURGE_TICKETS} tickets with a reply each written in ${Date.now() - filledAt} ms`);

  const deletedAt = Date.now();
  await graphqlOk(
    stack.gatewayUrl,
    `mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { workspaceId } }`,
    { w: workspaceId, n: name },
    token,
  );
  await waitFor("the deletion to be reported done", 1_800_000, async () => {
    const data = await graphqlOk<{ workspaceDeletion: { done: boolean } }>(
      stack.gatewayUrl,
      `query($w: ID!) { workspaceDeletion(workspaceId: $w) { done } }`,
      { w: workspaceId },
      token,
    );
    return data.workspaceDeletion.done || undefined;
  });
  const [left] = await sql<{ tickets: number; replies: number }>(
    databases.ticketing,
    `SELECT (SELECT count(*)::int FROM ticket WHERE workspace_id = $1) AS tickets,
            (SELECT count(*)::int FROM ticket_reply WHERE workspace_id = $1) AS replies`,
    [workspaceId],
  );
  log(
    `purge: reported done ${Date.now() - deletedAt} ms after deleteWorkspace; left: ${left?.tickets} tickets, ${left?.replies} replies`,
  );
  if (left?.tickets !== 0 || left.replies !== 0) throw new Error("the purge left rows behind");
}

await withBenchStack(async (stack) => {
  log(machine());
  const databases = databaseUrls(stack);
  if (BURST_EVENTS > 0) await burst(stack, databases);
  if (PURGE_TICKETS > 0) await purge(stack, databases);
});
