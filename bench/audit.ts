/**
 * The activity log at size (issues 11 and 25), against a real stack:
 *
 *   0. the ceiling: one INSERT … SELECT of 100,000 rows of the ingested shape into an empty copy
 *      of activity_entry with all its indexes (rows/s): what the database alone takes; measured
 *      before and after step 1, the ratio against the faster;
 *   1. ingestion end to end: the audit service's own consumer path in this process
 *      (startIdempotentConsumer + appendEvents with the keyed chain, the service's options) has
 *      joined its group on a topic of its own (6 partitions, 100 workspaces); 100,000 events are
 *      produced (from a worker thread of this process), and the clock runs from the first
 *      produced to the last entry in the log (events/s), printed with its ratio to the ceiling;
 *      after a warm-up of 200,000 events on a topic of their own (BENCH_WARM_UP_EVENTS);
 *   2. end-to-end latency: a mutation through the gateway (updateTeam) until its entry is visible
 *      in the log, p50/p99;
 *   3. activityLog, a page of 50 over 1,000,000 entries of one workspace, at the audit subgraph
 *      (with a signed actor context, as the gateway sends it): newest, by category, by actor, by
 *      time range, "load older" 10,000 entries deep, and the newest and deep pages for a member
 *      (SUPPORT) whose every entry there needs redaction (a question to ticketing per page);
 *   4. activityStats over the month those entries span;
 *   5. the peak resident memory of the audit process while a 1,000,000-row CSV export streams
 *      through the gateway.
 *
 *   npm run bench:audit              # starts its own stack (ports 4450+, databases *_bench)
 *   BENCH_EVENTS=100000 BENCH_ENTRIES=1000000 npm run bench:audit
 *   BENCH_AUDIT_ONLY=ingestion npm run bench:audit     # the ceiling and ingestion alone
 *   BENCH_AUDIT_ONLY=reads npm run bench:audit         # steps 2 to 5 alone
 *   BENCH_RUNS=200 npm run bench:audit                 # fewer mutations and pages per filter (default 1,000)
 */
// As the audit service's entry point does (its consumer runs in this process): the same V8 flags.
import "@support/service-kit/v8-flags";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { ACTOR_CONTEXT_HEADER, signActorContext } from "@support/actor-context";
import { createEvent, createKafka, startIdempotentConsumer, type TypedEvent } from "@support/events";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import { createLogger, REQUEST_ID_HEADER } from "@support/logger";
import { createTransactionPool, type PgTx } from "@support/service-kit";
import { ChainKeys } from "../services/audit/src/domain/chain.js";
import { ACTIVITY_LOG_CONSUMER, ACTIVITY_LOG_POOL } from "../services/audit/src/events/consumer-options.js";
import { appendEvents } from "../services/audit/src/events/record.js";
import type { ProducerMessage, ProducerWork } from "./audit-producer.js";
import {
  BENCH_PASSWORD,
  backendsOf,
  cpuMs,
  graphqlOk,
  machine,
  ownerWithWorkspace,
  pidListeningOn,
  serviceTimes,
  summary,
  timeEach,
  withBenchStack,
  type BenchStack,
} from "./common.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const WARM_UP_EVENTS = Number(process.env.BENCH_WARM_UP_EVENTS ?? 200_000);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
/** Mutations timed end to end, and pages per activityLog filter: at 200 a p99 is the second-slowest of them. */
const RUNS = Number(process.env.BENCH_RUNS ?? 1_000);
const out = (line: string) => process.stdout.write(`${line}\n`);

const auditDatabaseUrl = (stack: BenchStack) => {
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_audit${stack.databaseSuffix}`;
  return url.toString();
};

/** The same shape as the ingested entries: 100 chains, a ticket target, one change, 64-hex hashes. */
const ENTRY_ROWS_SQL = `
  SELECT gen_random_uuid(), ($3::uuid[])[1 + (n - 1) % 100], $1::uuid, 'ticket.status_changed', 'ticket', 'user', $1::text, NULL,
         'ticket', gen_random_uuid()::text, '#' || n || ' Printer on fire',
         '[{"field":"status","old":"OPEN","new":"PENDING"}]'::jsonb, now(), ($3::uuid[])[1 + (n - 1) % 100]::text,
         (n - 1) / 100 + 1,
         md5(n::text) || md5((n + 1)::text), md5((n + 2)::text) || md5((n + 3)::text), 'bench'
    FROM generate_series(1, $2::int) n`;

/**
 * What the database alone can take (issue 25's ceiling): one INSERT … SELECT of EVENTS rows of the
 * ingested shape into an empty copy of activity_entry with all its indexes, in one transaction.
 */
async function ceiling(
  stack: BenchStack,
): Promise<{ rows: number; seconds: number; rowsPerSecond: number; cpuMicrosPerRow: number }> {
  const client = new pg.Client({ connectionString: auditDatabaseUrl(stack) });
  await client.connect();
  const table = `bench_ceiling_${Date.now()}`;
  try {
    await client.query(`CREATE TABLE ${table} (LIKE activity_entry INCLUDING ALL)`);
    const backend = (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
    const cpuBefore = cpuMs(backend);
    const started = performance.now();
    const { rowCount } = await client.query(
      `INSERT INTO ${table} (event_id, workspace_id, organisation_id, action, category, actor_type, actor_id,
                             actor_label, target_type, target_id, target_label, changes, occurred_at, chain_key,
                             chain_position, previous_hash, entry_hash, key_id) ${ENTRY_ROWS_SQL}`,
      [randomUUID(), EVENTS, Array.from({ length: 100 }, () => randomUUID())],
    );
    const seconds = (performance.now() - started) / 1000;
    const rows = rowCount ?? 0;
    return {
      rows,
      seconds: round1(seconds),
      rowsPerSecond: Math.round(rows / seconds),
      // The backend's CPU time: what the row costs the database whatever else the machine runs.
      cpuMicrosPerRow: round1(((cpuMs(backend) - cpuBefore) * 1000) / Math.max(rows, 1)),
    };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.end();
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Ingestion end to end (issue 25): the consumer (the audit service's own path: startIdempotentConsumer
 * + appendEvents with the keyed chain, the service's options) has joined its group on an empty
 * topic of its own (6 partitions, 100 workspaces); the clock starts at the first event produced
 * and stops when the last entry is in the activity log.
 */
async function ingestion(stack: BenchStack, events: number): Promise<Record<string, number>> {
  const logger = createLogger({ service: "bench-audit", level: "warn" });
  const kafka = createKafka("bench-audit", stack.kafkaBrokers, logger);
  const topic = `bench.audit-ingest.${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }] });
  // The topic's leaders, awaited here rather than by createTopics (whose wait gives up on a busy broker).
  for (const deadline = Date.now() + 60_000; ;) {
    const leaders = await admin
      .fetchTopicMetadata({ topics: [topic] })
      .then(({ topics }) => topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0)
      .catch(() => 0);
    if (leaders === 6) break;
    if (Date.now() > deadline) throw new Error(`no leaders for ${topic}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const organisationId = randomUUID();
  const workspaces = Array.from({ length: 100 }, () => randomUUID());
  // Made before the clock starts: the services' outboxes hold their events ready-made too.
  const batches: Array<Array<{ key: string; value: string }>> = [];
  for (let start = 0; start < events; start += 2_000) {
    const messages = [];
    for (let i = start; i < Math.min(events, start + 2_000); i += 1) {
      const workspaceId = workspaces[i % workspaces.length]!;
      const ticketId = randomUUID();
      const event = createEvent({
        type: "ticket.status_changed",
        workspaceId,
        organisationId,
        actor: { type: "user", id: organisationId },
        target: { type: "ticket", id: ticketId, label: `#${i} Printer on fire` },
        changes: [{ field: "status", old: "OPEN", new: "PENDING" }],
        data: { ticketId, number: i, status: "PENDING" },
      });
      messages.push({ key: workspaceId, value: JSON.stringify(event) });
    }
    batches.push(messages);
  }

  // The service's own transaction pool (services/audit/src/app.ts), with longer bounds for a
  // starved machine.
  const db = createTransactionPool(auditDatabaseUrl(stack), {
    ...ACTIVITY_LOG_POOL,
    acquireTimeoutMs: 60_000,
    statementTimeoutMs: 60_000,
    onError: (error) => logger.warn({ err: error }, "an idle consumer connection failed"),
  });
  const client = new pg.Client({ connectionString: auditDatabaseUrl(stack) });
  await client.connect();
  // Positions are gapless from 1, so the chains' heads add up to the entries in the log: 100 index
  // probes per look, where count(*) over the organisation's entries read up to 100,000 rows every
  // 50 ms and took its share of the two cores from the consumer being measured.
  const count = async () =>
    Number(
      (
        await client.query<{ n: string | null }>(
          `SELECT sum(h.chain_position) AS n FROM unnest($1::text[]) AS k(key)
             CROSS JOIN LATERAL (SELECT chain_position FROM activity_entry WHERE chain_key = k.key
                                  ORDER BY chain_position DESC LIMIT 1) AS h`,
          [workspaces],
        )
      ).rows[0]!.n ?? 0,
    );
  // The service's own linking cost (one HMAC per entry, ADR 0008) under a key of the bench's: the
  // entries are counted, not verified.
  const chainKeys = new ChainKeys([{ kid: "bench", secret: randomUUID() }]);
  const consumer = await startIdempotentConsumer<PgTx>({
    kafka,
    groupId: `bench.audit-ingest.${Date.now()}`,
    topics: [topic],
    logger,
    transaction: (work) => db.transaction(work),
    handle: (event: TypedEvent, tx) => appendEvents(tx, chainKeys, [event]),
    handleBatch: (events, tx) => appendEvents(tx, chainKeys, events),
    ...ACTIVITY_LOG_CONSUMER,
  });
  // kafkajs' run() returns once the consumer has joined its group: the topic's partitions are its
  // own from here on, and only ingestion is timed.
  // The producer on a thread of its own, connected before the clock starts (bench/audit-producer.ts).
  const producer = new Worker(new URL("./ts-worker.mjs", import.meta.url), {
    workerData: {
      module: new URL("./audit-producer.ts", import.meta.url).href,
      brokers: stack.kafkaBrokers,
      topic,
      batches,
    } satisfies ProducerWork & { module: string },
  });
  // events.once rejects if the worker emits "error" (it failed to load) while this waits.
  const fromProducer = async (): Promise<ProducerMessage> => {
    const [message] = (await once(producer, "message")) as [ProducerMessage];
    if ("error" in message) throw new Error(`the bench's producer failed: ${message.error}`);
    return message;
  };
  await fromProducer();
  // CPU per event, a figure the machine's other load moves far less than the rates: this process
  // (the consumer and the producer's thread), the PostgreSQL backends of the audit database (the
  // consumer's connections; the poll's own excluded) and the broker.
  const database = new URL(auditDatabaseUrl(stack)).pathname.slice(1);
  const pollBackend = (await client.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`)).rows[0]!.pid;
  const backendCpu = () =>
    new Map(backendsOf(database).flatMap((pid) => (pid === pollBackend ? [] : [[pid, cpuMs(pid)] as const])));
  const brokerPid = pidListeningOn(Number(stack.kafkaBrokers[0]?.split(":")[1] ?? 0));
  const backendsBefore = backendCpu();
  const brokerBefore = cpuMs(brokerPid);
  const processBefore = process.cpuUsage();
  const started = performance.now();
  const producing = fromProducer();
  producer.postMessage("go");
  let done = 0;
  let firstRowAt: number | null = null;
  let firstCount = 0;
  while ((done = await count()) < events) {
    if (done > 0 && firstRowAt === null) {
      firstRowAt = performance.now();
      firstCount = done;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const finishedAt = performance.now();
  const processMs = (({ user, system }) => (user + system) / 1000)(process.cpuUsage(processBefore));
  let postgresMs = 0;
  for (const [pid, ms] of backendCpu()) postgresMs += ms - (backendsBefore.get(pid) ?? 0);
  const brokerMs = cpuMs(brokerPid) - brokerBefore;
  const perEvent = (ms: number) => round1((ms * 1000) / Math.max(done, 1));
  const produced = await producing;
  if (!("producedAt" in produced)) throw new Error("the bench's producer answered out of turn");
  const producedAt = produced.producedAt - performance.timeOrigin;
  const seconds = (finishedAt - started) / 1000;
  const sustainedSeconds = (finishedAt - (firstRowAt ?? started)) / 1000;
  await producer.terminate();
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await client.end();
  await db.end();
  return {
    events: done,
    producedSeconds: round1((producedAt - started) / 1000),
    seconds: round1(seconds),
    eventsPerSecond: Math.round(done / seconds),
    // From the first entry seen to the last (the consumer's own pace once events flow).
    sustainedEventsPerSecond: Math.round((done - firstCount) / sustainedSeconds),
    cpuMicrosPerEventBench: perEvent(processMs),
    cpuMicrosPerEventPostgres: perEvent(postgresMs),
    cpuMicrosPerEventKafka: perEvent(brokerMs),
  };
}

async function endToEnd(stack: BenchStack, token: string, workspaceId: string) {
  const { createTeam } = await graphqlOk<{ createTeam: { id: string } }>(
    stack.gatewayUrl,
    `mutation($w: ID!) { createTeam(workspaceId: $w, input: { name: "Latency" }) { id } }`,
    { w: workspaceId },
    token,
  );
  const client = new pg.Client({ connectionString: auditDatabaseUrl(stack) });
  await client.connect();
  let run = 0;
  const times = await timeEach(RUNS, async () => {
    run += 1;
    const name = `Latency ${run}`;
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!, $n: String!) { updateTeam(id: $id, input: { name: $n }) { id } }`,
      {
        id: createTeam.id,
        n: name,
      },
      token,
    );
    for (;;) {
      const { rows } = await client.query(`SELECT 1 FROM activity_entry WHERE chain_key = $1 AND target_label = $2`, [
        workspaceId,
        name,
      ]);
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  });
  await client.end();
  return summary(times);
}

/** 1,000,000 entries of one real workspace over the last 30 days (hashes are placeholders: reading, not verifying). */
async function seedEntries(stack: BenchStack, workspaceId: string, organisationId: string, actors: string[]) {
  const client = new pg.Client({ connectionString: auditDatabaseUrl(stack) });
  await client.connect();
  const started = performance.now();
  const { rows } = await client.query<{ head: number }>(
    `SELECT coalesce(max(chain_position), 0) AS head FROM activity_entry WHERE chain_key = $1`,
    [workspaceId],
  );
  await client.query(
    `INSERT INTO activity_entry (event_id, workspace_id, organisation_id, action, category, actor_type, actor_id, actor_label,
                                 target_type, target_id, target_label, changes, occurred_at, chain_key, chain_position,
                                 previous_hash, entry_hash)
     SELECT gen_random_uuid(), $1::uuid, $2::uuid,
            (ARRAY['ticket.created','ticket.status_changed','ticket.assigned','member.role_changed','team.updated','api_key.used'])[1 + n % 6],
            (ARRAY['ticket','ticket','ticket','member','team','api_key'])[1 + n % 6],
            'user', ($3::text[])[1 + n % cardinality($3::text[])], NULL,
            'ticket', overlay(overlay(md5('t' || (n % 50000)) placing '4' from 13 for 1) placing '8' from 17 for 1)::uuid::text,
            'Ticket ' || (n % 50000), '[{"field":"status","old":"OPEN","new":"PENDING"}]'::jsonb,
            now() - interval '30 days' + make_interval(secs => n * (2592000.0 / $4::int)), $1::text, $5::int + n,
            repeat('0', 64), repeat('0', 64)
     FROM generate_series(1, $4::int) n`,
    [workspaceId, organisationId, actors, ENTRIES, rows[0]!.head],
  );
  // The per-day counts the consumer keeps at ingestion (activityStats reads them), for the seeded rows.
  await client.query(
    `INSERT INTO activity_daily_count (workspace_id, day, actor_type, actor_id, category, count)
     SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, actor_type, coalesce(actor_id, ''), category, count(*)
       FROM activity_entry WHERE chain_key = $1 AND chain_position > $2
      GROUP BY 1, 2, 3, 4, 5
     ON CONFLICT (workspace_id, day, actor_type, actor_id, category)
     DO UPDATE SET count = activity_daily_count.count + EXCLUDED.count`,
    [workspaceId, rows[0]!.head],
  );
  // What autovacuum does to an insert-only table soon after a bulk load (PostgreSQL ≥ 13): without
  // it the visibility map is empty and the planner avoids the index-only scans the reads rely on.
  await client.query("VACUUM ANALYZE activity_entry");
  await client.end();
  out(`seeded ${ENTRIES} entries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * A member whose ticket entries need redaction (docs/adr/0013): the SUPPORT preset role sees only
 * its own and its teams' tickets (none of the seeded ones), with activity_log:view granted beside
 * it. Each of their pages costs the audit service one question to ticketing.
 */
async function narrowMember(stack: BenchStack, owner: { token: string; workspaceId: string }) {
  const email = `bench.audit.narrow.${Date.now()}@example.test`;
  await graphqlOk(
    stack.gatewayUrl,
    "mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }",
    {
      input: {
        firstName: "Narrow",
        lastName: "Reader",
        email,
        workspaces: [{ workspaceId: owner.workspaceId, role: "SUPPORT" }],
      },
    },
    owner.token,
  );
  const { acceptInvitation } = await graphqlOk<{ acceptInvitation: { user: { id: string } } }>(
    stack.gatewayUrl,
    "mutation($t: String!, $p: String!) { acceptInvitation(token: $t, password: $p) { user { id } } }",
    { t: await invitationTokenFor(stack.mailCatcherUrl, email), p: BENCH_PASSWORD },
  );
  const userId = acceptInvitation.user.id;
  // The membership reaches the workspace service with identity's event.
  for (const deadline = Date.now() + 60_000; ;) {
    try {
      await graphqlOk(
        stack.gatewayUrl,
        `mutation($w: ID!, $u: [ID!]!) { setMemberPermissions(workspaceId: $w, userIds: $u, input: { grant: ["activity_log:view"] }) { role } }`,
        { w: owner.workspaceId, u: [userId] },
        owner.token,
      );
      return userId;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function rssKilobytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** The ceiling (PostgreSQL's own rate for rows of the log's shape), ingestion against it, and CPU per event. */
async function ingestionFigures(stack: BenchStack): Promise<void> {
  // The ceiling is measured before and after ingestion and the ratio taken against the faster, so a
  // burst of other load on the machine during one ceiling cannot flatter the ratio.
  const before = await ceiling(stack);
  out(`ceiling, one INSERT … SELECT into an empty copy of activity_entry: ${JSON.stringify(before)}`);
  // A warm-up on a topic of its own first, as bench:graph warms up before it measures: a broker just
  // started spends several times the CPU per event of a warm one (96, 71, 36, 27, 26, 22 µs over six
  // runs of 100,000 in one stack, BENCHMARKS.md), and production brokers and consumers run warm.
  const warmUp = await ingestion(stack, WARM_UP_EVENTS);
  out(`ingestion warm-up (not the figure): ${JSON.stringify(warmUp)}`);
  const ingested = await ingestion(stack, EVENTS);
  out(`ingestion, produced → in the log: ${JSON.stringify(ingested)}`);
  const after = await ceiling(stack);
  out(`ceiling again, after ingestion: ${JSON.stringify(after)}`);
  const limit = after.rowsPerSecond > before.rowsPerSecond ? after : before;
  out(
    `ingestion ratio: ${ingested.eventsPerSecond} events/s end to end / ${limit.rowsPerSecond} rows/s ceiling = ` +
      `${(ingested.eventsPerSecond! / limit.rowsPerSecond).toFixed(2)} (target ≥ 0.6)`,
  );
  const cpuPerEvent =
    ingested.cpuMicrosPerEventBench! + ingested.cpuMicrosPerEventPostgres! + ingested.cpuMicrosPerEventKafka!;
  out(
    `ingestion CPU per event: ${round1(cpuPerEvent)} µs (bench process ${ingested.cpuMicrosPerEventBench}, ` +
      `PostgreSQL ${ingested.cpuMicrosPerEventPostgres}, Kafka ${ingested.cpuMicrosPerEventKafka}) ` +
      `against the ceiling's ${limit.cpuMicrosPerRow} µs per row`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await withBenchStack(async (stack) => {
    out(machine());
    if (process.env.BENCH_AUDIT_ONLY !== "reads") await ingestionFigures(stack);
    if (process.env.BENCH_AUDIT_ONLY === "ingestion") return;

    const owner = await ownerWithWorkspace(stack.gatewayUrl, "Audit");
    const { token, workspaceId } = owner;
    out(`end-to-end, mutation to visible entry (ms): ${JSON.stringify(await endToEnd(stack, token, workspaceId))}`);

    const actors = [owner.userId, ...Array.from({ length: 19 }, () => randomUUID())];
    await seedEntries(stack, workspaceId, owner.organisationId, actors);
    const context = await signActorContext(
      {
        kind: "user",
        userId: owner.userId,
        organisationId: owner.organisationId,
        orgRole: "ORG_ADMIN",
        sessionId: randomUUID(),
      },
      stack.actorContextKey,
      { ttlSeconds: 3_600 },
    );
    /** The request ids sent, per measurement: the audit service's own time for them is read from its log. */
    const sent = new Map<string, Set<string>>();
    let measuring: string | null = null;
    const narrowUserId = await narrowMember(stack, owner);
    const narrowContext = await signActorContext(
      {
        kind: "user",
        userId: narrowUserId,
        organisationId: owner.organisationId,
        orgRole: "MEMBER",
        sessionId: randomUUID(),
      },
      stack.actorContextKey,
      { ttlSeconds: 3_600 },
    );
    const atSubgraph = async (query: string, variables: Record<string, unknown>, asActor = context) => {
      const requestId = randomUUID();
      if (measuring) {
        const ids = sent.get(measuring) ?? new Set<string>();
        sent.set(measuring, ids.add(requestId));
      }
      const response = await fetch(`${stack.auditUrl}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [ACTOR_CONTEXT_HEADER]: asActor,
          [REQUEST_ID_HEADER]: requestId,
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as {
        data?: Record<string, { nodes?: unknown[]; pageInfo?: { endCursor: string | null } }>;
        errors?: unknown;
      };
      if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors ?? body));
      return body.data;
    };
    const LOG = `query($w: ID!, $f: ActivityFilter, $a: String) { activityLog(workspaceId: $w, first: 50, filter: $f, after: $a) {
      nodes { id action actor { id } target { label } changes { field old new } occurredAt } pageInfo { endCursor } } }`;
    const LOG_AS_NARROW = LOG.replace("target { label }", "target { type label }").replace(
      "occurredAt }",
      "occurredAt redacted }",
    );
    const page =
      (filter: Record<string, unknown> | null, after: string | null = null) =>
      async () => {
        const data = await atSubgraph(LOG, { w: workspaceId, f: filter, a: after });
        if (data.activityLog?.nodes?.length !== 50) throw new Error("expected a page of 50");
      };
    /**
     * The narrow member's page: its ticket entries (all but the few newest, about the member's own
     * invitation) are about tickets they may not see, so all of those must come back redacted.
     */
    const redactedPage =
      (filter: Record<string, unknown> | null, after: string | null = null) =>
      async () => {
        const data = await atSubgraph(LOG_AS_NARROW, { w: workspaceId, f: filter, a: after }, narrowContext);
        const nodes = (data.activityLog?.nodes ?? []) as Array<{ redacted?: boolean; target?: { type?: string } }>;
        const tickets = nodes.filter((node) => node.target?.type === "ticket");
        if (nodes.length !== 50 || tickets.length === 0 || tickets.some((node) => node.redacted !== true))
          throw new Error("expected a page of 50 with its ticket entries redacted");
      };
    // A cursor 10,000 entries deep ("load older" far down).
    let deep: string | null = null;
    for (let i = 0; i < 200; i += 1)
      deep = (await atSubgraph(LOG, { w: workspaceId, f: null, a: deep })).activityLog!.pageInfo!.endCursor!;
    const day = new Date(Date.now() - 10 * 86_400_000);
    const measure = async (name: string, run: () => Promise<void>) => {
      for (let i = 0; i < 20; i += 1) await run(); // warm-up, not recorded
      measuring = name;
      try {
        return summary(await timeEach(RUNS, run, 0));
      } finally {
        measuring = null;
      }
    };
    const results: Record<string, unknown> = {
      newest: await measure("newest", page(null)),
      byCategory: await measure("byCategory", page({ category: "member" })),
      byActor: await measure("byActor", page({ actorId: actors[3] })),
      oneDay: await measure(
        "oneDay",
        page({ from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString() }),
      ),
      tenThousandDeep: await measure("tenThousandDeep", page(null, deep)),
      redactedNewest: await measure("redactedNewest", redactedPage(null)),
      redactedTenThousandDeep: await measure("redactedTenThousandDeep", redactedPage(null, deep)),
    };
    out(`activityLog page of 50 over ${ENTRIES} entries, at the subgraph (ms): ${JSON.stringify(results, null, 2)}`);
    // The same requests as the audit service timed them itself (its log's responseTime): the
    // figures above also hold the bench client's HTTP stack and its own pauses.
    const inService: Record<string, unknown> = {};
    for (const [name, requestIds] of sent) {
      const times = await serviceTimes(stack, "audit", requestIds);
      if (times) inService[name] = { ...summary(times), requests: times.length };
      // A redacted page's question to ticketing carries the same request id.
      const asked = name.startsWith("redacted") ? await serviceTimes(stack, "ticketing", requestIds) : null;
      if (asked) inService[`${name}, ticketing's part`] = { ...summary(asked), requests: asked.length };
    }
    if (Object.keys(inService).length > 0)
      out(
        `activityLog, the audit service's own time for the same requests (ms): ${JSON.stringify(inService, null, 2)}`,
      );
    const STATS = `query($w: ID!, $from: DateTime!, $to: DateTime!) { activityStats(workspaceId: $w, from: $from, to: $to) { members(first: 100) { nodes { total } } } }`;
    const month = {
      w: workspaceId,
      from: new Date(Date.now() - 31 * 86_400_000).toISOString(),
      to: new Date().toISOString(),
    };
    out(
      `activityStats over the month (ms): ${JSON.stringify(summary(await timeEach(20, async () => void (await atSubgraph(STATS, month)))))}`,
    );

    const auditPid = pidListeningOn(Number(new URL(stack.auditUrl).port));
    const idle = rssKilobytes(auditPid);
    const exported = await graphqlOk<{ exportActivityLog: { url: string } }>(
      stack.gatewayUrl,
      `mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }`,
      { w: workspaceId },
      token,
    );
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKilobytes(auditPid))), 25);
    const started = performance.now();
    const response = await fetch(exported.exportActivityLog.url, { headers: { authorization: `Bearer ${token}` } });
    let bytes = 0;
    let lines = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) lines += 1;
    }
    clearInterval(sampler);
    out(
      `export of ${lines - 1} rows: ${(bytes / 1e6).toFixed(0)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
        `audit RSS idle ${(idle / 1024).toFixed(0)} MB, peak ${(peak / 1024).toFixed(0)} MB, +${((peak - idle) / 1024).toFixed(0)} MB`,
    );
    out(`load average after: ${machine()}`);
  });
}
