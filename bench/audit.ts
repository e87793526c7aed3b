/**
 * The activity log at size (issue 11), against a real stack:
 *
 *   1. ingestion: 200,000 events pre-produced to a topic of their own (6 partitions, 100
 *      workspaces), then consumed by the audit service's own consumer path in this process
 *      (startIdempotentConsumer + appendEvents, whole batches per transaction) into the audit
 *      database: events/s from the first to the last commit;
 *   2. end-to-end latency: a mutation through the gateway (updateTeam) until its entry is visible
 *      in the log, p50/p99;
 *   3. activityLog, a page of 50 over 1,000,000 entries of one workspace, at the audit subgraph
 *      (with a signed actor context, as the gateway sends it): newest, by category, by actor, by
 *      time range, and "load older" 10,000 entries deep;
 *   4. activityStats over the month those entries span;
 *   5. the peak resident memory of the audit process while a 1,000,000-row CSV export streams
 *      through the gateway.
 *
 *   npm run bench:audit              # starts its own stack (ports 4450+, databases *_bench)
 *   BENCH_EVENTS=200000 BENCH_ENTRIES=1000000 npm run bench:audit
 *   BENCH_AUDIT_ONLY=ingestion npm run bench:audit     # the ingestion figure alone
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { ACTOR_CONTEXT_HEADER, signActorContext } from "@support/actor-context";
import { createEvent, createKafka, startIdempotentConsumer, type TypedEvent } from "@support/events";
import { createLogger, REQUEST_ID_HEADER } from "@support/logger";
import { createDb, type Tx } from "../services/audit/src/db/client.js";
import { ChainKeys } from "../services/audit/src/domain/chain.js";
import { appendEvents } from "../services/audit/src/events/record.js";
import {
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

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const out = (line: string) => process.stdout.write(`${line}\n`);

const auditDatabaseUrl = (stack: BenchStack) => {
  const url = new URL(stack.postgresServerUrl);
  url.pathname = `/support_audit${stack.databaseSuffix}`;
  return url.toString();
};

async function ingestion(stack: BenchStack): Promise<Record<string, number>> {
  const logger = createLogger({ service: "bench-audit", level: "warn" });
  const kafka = createKafka("bench-audit", stack.kafkaBrokers, logger);
  const topic = `bench.audit-ingest.${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  const organisationId = randomUUID();
  const workspaces = Array.from({ length: 100 }, () => randomUUID());
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const producedAt = performance.now();
  for (let start = 0; start < EVENTS; start += 2_000) {
    const messages = [];
    for (let i = start; i < Math.min(EVENTS, start + 2_000); i += 1) {
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
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  out(`produced ${EVENTS} events in ${((performance.now() - producedAt) / 1000).toFixed(1)} s`);

  const db = createDb(auditDatabaseUrl(stack));
  const client = new pg.Client({ connectionString: auditDatabaseUrl(stack) });
  await client.connect();
  const count = async () =>
    Number(
      (
        await client.query<{ n: string }>(`SELECT count(*) AS n FROM activity_entry WHERE organisation_id = $1`, [
          organisationId,
        ])
      ).rows[0]!.n,
    );
  // The service's own linking cost (one HMAC per entry, ADR 0008) under a key of the bench's: the
  // entries are counted, not verified.
  const chainKeys = new ChainKeys([{ kid: "bench", secret: randomUUID() }]);
  const started = performance.now();
  const consumer = await startIdempotentConsumer<Tx>({
    kafka,
    groupId: `bench.audit-ingest.${Date.now()}`,
    topics: [topic],
    logger,
    transaction: (work) => db.$transaction(work, { timeout: 60_000 }),
    handle: (event: TypedEvent, tx) => appendEvents(tx, chainKeys, [event]),
    handleBatch: (events, tx) => appendEvents(tx, chainKeys, events),
    maxEventsPerTransaction: 1_000,
  });
  let done = 0;
  let firstRowAt: number | null = null;
  let firstCount = 0;
  while ((done = await count()) < EVENTS) {
    if (done > 0 && firstRowAt === null) {
      firstRowAt = performance.now();
      firstCount = done;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const finishedAt = performance.now();
  const seconds = (finishedAt - started) / 1000;
  // Sustained: from the first committed batch to the last (joining the group is not ingesting).
  const sustainedSeconds = (finishedAt - (firstRowAt ?? started)) / 1000;
  await consumer.disconnect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await client.end();
  await db.$disconnect();
  return {
    events: done,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(done / seconds),
    sustainedSeconds: Math.round(sustainedSeconds * 10) / 10,
    // The events after the first commit, over the time after it.
    sustainedEventsPerSecond: Math.round((done - firstCount) / sustainedSeconds),
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
            'ticket', 't' || (n % 50000), 'Ticket ' || (n % 50000), '[{"field":"status","old":"OPEN","new":"PENDING"}]'::jsonb,
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

function rssKilobytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await withBenchStack(async (stack) => {
    out(machine());
    out(`ingestion: ${JSON.stringify(await ingestion(stack))}`);
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
    const atSubgraph = async (query: string, variables: Record<string, unknown>) => {
      const requestId = randomUUID();
      if (measuring) {
        const ids = sent.get(measuring) ?? new Set<string>();
        sent.set(measuring, ids.add(requestId));
      }
      const response = await fetch(`${stack.auditUrl}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [ACTOR_CONTEXT_HEADER]: context,
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
    const page =
      (filter: Record<string, unknown> | null, after: string | null = null) =>
      async () => {
        const data = await atSubgraph(LOG, { w: workspaceId, f: filter, a: after });
        if (data.activityLog?.nodes?.length !== 50) throw new Error("expected a page of 50");
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
    };
    out(`activityLog page of 50 over ${ENTRIES} entries, at the subgraph (ms): ${JSON.stringify(results, null, 2)}`);
    // The same requests as the audit service timed them itself (its log's responseTime): the
    // figures above also hold the bench client's HTTP stack and its own pauses.
    const inService: Record<string, unknown> = {};
    for (const [name, requestIds] of sent) {
      const times = await serviceTimes(stack, "audit", requestIds);
      if (times) inService[name] = { ...summary(times), requests: times.length };
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
