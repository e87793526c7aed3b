import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import pg from "pg";
import { RELAY_LEADER_LOCK } from "@support/events";
import { startFleet, type Fleet, type FleetInstance } from "@support/infra/stack";
import { runtimeDatabaseUrl } from "@support/infra/db/roles";
import { SERVICES, databaseNameFor } from "@support/infra/services";
import {
  createWorkspace,
  errorCodes,
  eventually,
  graphql,
  graphqlOk,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";
import { freePort, stableGroupMembers } from "../harness/service-process.js";
import { ticketingEvents, ticketingQuery } from "../harness/ticketing.js";

/**
 * Issue 21: the stack as a fleet. Two ticketing instances and two gateways, each pair behind one
 * address, started by the code `REPLICAS=2 npm start` uses (infra/stack/fleet.ts: a round-robin
 * balancer, rotation, a supervisor), beside the harness's stack and on its databases and broker.
 * The harness's own ticketing keeps running too: three ticketing processes share one database, one
 * consumer group and one relay lock. Starting a whole second stack (broker, migrations, twelve
 * processes) would take minutes on two cores; these four take seconds.
 */

const root = new URL("../../", import.meta.url).pathname;
const logDir = `${root}.local/logs${testStack().databaseSuffix}/fleet`;
/** Ticketing's consumer group (services/ticketing/src/app.ts): every instance joins it. */
const TICKETING_GROUP = "ticketing.workspace-deletions";

let ticketing: Fleet;
let gateways: Fleet;
let owner: SignedUpUser;
const supervisor: string[] = [];

/** The environment the stack gives ticketing (test/harness/service-process.ts), with SLA timers every 200 ms. */
function ticketingEnv(): NodeJS.ProcessEnv {
  const stack = testStack();
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    HOST: "127.0.0.1",
    DATABASE_URL: runtimeDatabaseUrl("ticketing", stack.postgresServerUrl, stack.databaseSuffix),
    KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    ACTOR_CONTEXT_KEYS: stack.actorContextKeys.map((key) => `${key.kid}:${key.secret}`).join(","),
    WORKSPACE_SERVICE_URL: stack.serviceUrls.workspace,
    IDENTITY_SERVICE_URL: stack.serviceUrls.identity,
    TICKETING_SERVICE_URL: stack.serviceUrls.ticketing,
    AUDIT_SERVICE_URL: stack.serviceUrls.audit,
    LOG_LEVEL: "info",
    SLA_TIMERS_ENABLED: "true",
    SLA_TIMER_INTERVAL_MS: "200",
  };
}

/** The gateway's environment, with ticketing at the fleet's one address. */
function gatewayEnv(ticketingUrl: string): NodeJS.ProcessEnv {
  const stack = testStack();
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    HOST: "127.0.0.1",
    KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    ACTOR_CONTEXT_KEYS: stack.actorContextKeys.map((key) => `${key.kid}:${key.secret}`).join(","),
    IDENTITY_URL: `${stack.serviceUrls.identity}/graphql`,
    WORKSPACE_URL: `${stack.serviceUrls.workspace}/graphql`,
    TICKETING_URL: `${ticketingUrl}/graphql`,
    BILLING_URL: `${stack.serviceUrls.billing}/graphql`,
    AUDIT_URL: `${stack.serviceUrls.audit}/graphql`,
    LOG_LEVEL: "info",
  };
}

async function fleetOfTwo(service: "ticketing" | "gateway", port: number, env: NodeJS.ProcessEnv): Promise<Fleet> {
  return startFleet({
    service,
    host: "127.0.0.1",
    port,
    instancePorts: [await freePort(), await freePort()],
    program: (instancePort) => ({
      entry: "src/server.ts",
      cwd: service === "gateway" ? `${root}gateway` : `${root}services/${service}`,
      env: { ...env, PORT: String(instancePort) },
    }),
    logDir,
    log: (message) => supervisor.push(message),
    readyTimeoutMs: 120_000,
  });
}

beforeAll(async () => {
  rmSync(logDir, { recursive: true, force: true });
  const startedAt = Date.now();
  owner = await signUp();
  // Side by side: a gateway is ready once its subgraphs answer, so it waits for ticketing's address.
  const ticketingPort = await freePort();
  [ticketing, gateways] = await Promise.all([
    fleetOfTwo("ticketing", ticketingPort, ticketingEnv()),
    fleetOfTwo("gateway", await freePort(), gatewayEnv(`http://127.0.0.1:${ticketingPort}`)),
  ]);
  process.stdout.write(`[fleet] four instances ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
  // Fresh instances on a loaded machine have taken 6–11 s over their first requests, past the
  // gateway's 10 s: warm them with a few concurrent ones until those all answer.
  const workspaceId = await createWorkspace(owner.token, `Fleet warm-up ${Date.now()}`);
  await eventually(
    async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, i) => createTicketThroughFleet(workspaceId, `warm-up ${i}`)),
      );
      return outcomes.every((o) => o.id) ? true : undefined;
    },
    120_000,
    "the fleet to answer its first requests",
  );
}, 360_000);

afterAll(async () => {
  await gateways?.stop();
  await ticketing?.stop();
});

/** GraphQL requests an instance has answered so far, from its request log lines. */
const graphqlRequestsOf = (instance: FleetInstance): number =>
  readFileSync(instance.logFile, "utf8")
    .split("\n")
    .filter((line) => line.includes('"msg":"request completed"') && line.includes('"url":"/graphql"')).length;

const CREATE_TICKET = `mutation($w: ID!, $i: CreateTicketInput!) { createTicket(workspaceId: $w, input: $i) { id } }`;

interface Outcome {
  title: string;
  sentAt: number;
  id?: string;
  codes?: string[];
}

/** One ticket created through the gateways' one address; what the client saw. */
async function createTicketThroughFleet(workspaceId: string, title: string): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const result = await graphql<{ createTicket: { id: string } | null }>(CREATE_TICKET, {
      url: `${gateways.url}/graphql`,
      token: owner.token,
      variables: { w: workspaceId, i: { title } },
    });
    const id = result.data?.createTicket?.id;
    return id ? { title, sentAt, id } : { title, sentAt, codes: errorCodes(result) };
  } catch (error) {
    return { title, sentAt, codes: [`no answer: ${String(error)}`] };
  }
}

describe("two instances of ticketing and of the gateway, each pair behind one address", () => {
  test("requests reach both instances of the service and both gateways", async () => {
    const workspaceId = await createWorkspace(owner.token, `Fleet ${Date.now()}`);
    // Concurrent, so each hop opens several connections for its balancer to spread.
    const outcomes = await Promise.all(
      Array.from({ length: 24 }, (_, i) => createTicketThroughFleet(workspaceId, `spread ${i}`)),
    );
    expect(outcomes.filter((o) => !o.id)).toEqual([]);
    const counts = await eventually(
      async () => {
        const answered = [...gateways.instances, ...ticketing.instances].map((i) => [i.name, graphqlRequestsOf(i)]);
        return answered.every(([, count]) => Number(count) > 0) ? Object.fromEntries(answered) : undefined;
      },
      10_000,
      "a request line in every instance's log",
    );
    expect(Object.keys(counts).sort()).toEqual(["gateway-1", "gateway-2", "ticketing-1", "ticketing-2"]);
  });

  test("one relay leader per database and one consumer group however many instances run", async () => {
    const admin = new pg.Client({ connectionString: testStack().postgresServerUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ datname: string; leaders: number; candidates: number }>(
        `SELECT d.datname,
                count(*) FILTER (WHERE l.granted)::int AS leaders,
                (SELECT count(*)::int FROM pg_stat_activity a
                  WHERE a.datname = d.datname AND a.application_name LIKE 'outbox-relay%') AS candidates
           FROM pg_database d
           LEFT JOIN pg_locks l ON l.database = d.oid AND l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2
          WHERE d.datname = ANY($3)
          GROUP BY d.datname ORDER BY d.datname`,
        [
          RELAY_LEADER_LOCK.classId,
          RELAY_LEADER_LOCK.objectId,
          SERVICES.map((s) => databaseNameFor(s, testStack().databaseSuffix)),
        ],
      );
      expect(rows.map(({ datname, leaders }) => ({ datname, leaders }))).toEqual(
        SERVICES.map((s) => ({ datname: databaseNameFor(s, testStack().databaseSuffix), leaders: 1 })).sort((a, b) =>
          a.datname.localeCompare(b.datname),
        ),
      );
      // Three ticketing relays campaign (the harness's and the fleet's two); one holds the lock.
      expect(rows.find((r) => r.datname.startsWith("support_ticketing"))?.candidates).toBe(3);
    } finally {
      await admin.end();
    }

    // A member killed by an earlier suite stays listed until its session times out (10 s).
    const members = await stableGroupMembers(TICKETING_GROUP, 3, 45_000);
    // One group, its partitions split among the members: each event is handled by one instance.
    expect(new Set(members.map((m) => m.clientId))).toEqual(new Set(["ticketing"]));
  });

  test("an SLA warning fires exactly once while both instances run timers", async () => {
    const workspaceId = await createWorkspace(owner.token, `Fleet SLA ${Date.now()}`);
    // Warned 2 s after opening, due after 10 minutes (no breach during the test).
    await graphqlOk(
      `mutation($w: ID!, $i: SlaPolicyInput!) { updateSlaPolicy(workspaceId: $w, input: $i) { hours } }`,
      {
        token: owner.token,
        variables: { w: workspaceId, i: { hours: 600 / 3600, warningLeadMinutes: 598 / 60 } },
      },
    );
    const tickets = await Promise.all(
      Array.from({ length: 8 }, (_, i) => createTicketThroughFleet(workspaceId, `sla ${i}`)),
    );
    const ids = tickets.map((t) => t.id).filter((id): id is string => id !== undefined);
    expect(ids).toHaveLength(8);
    const warningsOf = async (id: string) => (await ticketingEvents(id)).filter((e) => e.type === "sla.warning");
    await eventually(
      async () => ((await Promise.all(ids.map(warningsOf))).every((w) => w.length > 0) ? true : undefined),
      30_000,
      "every warning",
    );
    // A later ticket warned proves both instances ran many rounds (every 200 ms) after the first warnings.
    const later = await createTicketThroughFleet(workspaceId, "sla later");
    expect(later.id).toBeDefined();
    await eventually(
      async () => ((await warningsOf(later.id ?? "")).length > 0 ? true : undefined),
      30_000,
      "the later warning",
    );
    expect(await Promise.all(ids.map(async (id) => (await warningsOf(id)).length))).toEqual(ids.map(() => 1));
  });

  test("kill -9 of one instance under load: only successes and SERVICE_UNAVAILABLE, every success committed and published, the survivor answers, the instance comes back", async () => {
    const workspaceId = await createWorkspace(owner.token, `Fleet kill ${Date.now()}`);
    const outcomes: Outcome[] = [];
    let stop = false;
    let sequence = 0;
    const worker = async () => {
      while (!stop) outcomes.push(await createTicketThroughFleet(workspaceId, `load ${(sequence += 1)}`));
    };
    const successes = (after = 0) => outcomes.filter((o) => o.id && o.sentAt >= after).length;
    const load = Promise.all(Array.from({ length: 4 }, worker));
    try {
      await eventually(async () => (successes() >= 8 ? true : undefined), 30_000, "load under way");
      const [victim] = ticketing.instances;
      const killedAt = Date.now();
      await ticketing.kill(victim!);
      // The supervisor restarts it after 1 s; until it is ready again, the survivor takes everything.
      await ticketing.untilServing(victim!, 120_000);
      const backAt = Date.now();
      expect(successes(killedAt) - successes(backAt)).toBeGreaterThan(0);
      await eventually(async () => (successes(backAt) >= 8 ? true : undefined), 30_000, "load after the restart");
    } finally {
      stop = true;
      await load;
    }

    const failures = outcomes.filter((o) => !o.id);
    expect(failures.filter((o) => o.codes?.some((code) => code !== "SERVICE_UNAVAILABLE"))).toEqual([]);
    const answeredIds = outcomes.flatMap((o) => (o.id ? [o.id] : []));
    const stored = await ticketingQuery<{ id: string }>(`SELECT id FROM ticket WHERE id = ANY($1::uuid[])`, [
      answeredIds,
    ]);
    expect(stored.map((row) => row.id).sort()).toEqual([...answeredIds].sort());
    // Each ticket's ticket.created event leaves the outbox (whichever relay leads).
    await eventually(
      async () => {
        const [row] = await ticketingQuery<{ waiting: number }>(
          `SELECT count(*)::int AS waiting FROM outbox_event
            WHERE payload->>'type' = 'ticket.created' AND payload->'target'->>'id' = ANY($1::text[])
              AND published_at IS NULL`,
          [answeredIds],
        );
        return row?.waiting === 0 ? true : undefined;
      },
      20_000,
      "every created ticket's event published",
    );
    expect(supervisor).toContain("ticketing-1 exited unexpectedly (signal SIGKILL); restarting in 1s (restart 1)");
    process.stdout.write(
      `[fleet] ${outcomes.length} createTicket calls: ${answeredIds.length} succeeded, ${failures.length} SERVICE_UNAVAILABLE\n`,
    );
  }, 180_000);
});
