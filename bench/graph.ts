/**
 * The graph's latency and throughput side by side (issue 13): our gateway, Hive Gateway on the same
 * subgraphs with our authentication (bench/hive-gateway.ts), and the subgraphs called straight with
 * a signed actor context, in one run, driven by autocannon at 1 and 10 connections.
 *
 *   npm run bench:graph                                   # starts its own stack and Hive Gateway
 *   BENCH_DURATION=10 BENCH_TICKETS=100000 npm run bench:graph
 *   BENCH_BASELINE=<commit> npm run bench:graph           # also measures `{ me { id } }` of that commit first
 *   STACK_CPU_PROFILE_DIR=$PWD/.local/profiles npm run bench:graph   # every stack process under --cpu-prof
 *   BENCH_REPLICAS=2 npm run bench:graph                  # two of every service, of our gateway and of Hive's
 *
 * Seeds an organisation with 20 workspaces, 200 members (invited and accepted through the graph, on
 * seats bought through the Stripe stand-in) and 100,000 tickets (inserted into ticketing's database).
 * For each operation and target it prints requests/s, p50, p99, errors and the CPU time each process
 * used per request (from /proc: utime + stime over the run, divided by the requests answered).
 *
 * The targets of one operation are measured in turns (BENCH_ROUNDS turns of BENCH_DURATION /
 * BENCH_ROUNDS seconds each, the order rotating), so the machine's background falls on all alike;
 * percentiles are over every request's own time.
 *
 * "direct" for an operation that spans several subgraphs is the sum of its subgraph fetches, each
 * driven on its own at the same concurrency: latency percentiles add up, throughput is the harmonic
 * sum (what one client doing the fetches back to back would reach). It has no planning, no
 * authentication and no merging: the floor a gateway is measured against.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import autocannon from "autocannon";
import { ACTOR_CONTEXT_HEADER, signActorContext, type Actor } from "@support/actor-context";
import { REPO_ROOT } from "@support/infra/services";
import { startBalancer } from "@support/infra/stack";
import { invitationTokenFor } from "@support/infra/mail-catcher";
import {
  cpuMs,
  graphqlOk,
  logIn,
  machine,
  ownerWithWorkspace,
  pidListeningOn,
  postgresCpuMs,
  summary,
  withBenchStack,
  type BenchStack,
} from "./common.js";
import { insertTickets } from "./tickets.js";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
/** Each target's DURATION_S is driven in this many turns, interleaved with the other targets'. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = (process.env.BENCH_CONNECTION_LEVELS ?? "1,10").split(",").map(Number);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 20);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 200);
const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const HIVE_PORT = Number(process.env.BENCH_HIVE_PORT ?? 4470);
const out = (line: string) => process.stdout.write(`${line}\n`);

// --- seeding ---------------------------------------------------------------------------------

interface Seeded {
  /**
   * One session of the owner per connection: requests of different connections differ (as those
   * of different users would), so no gateway can answer several from one in-flight request.
   */
  tokens: string[];
  actors: Actor[];
  workspaceIds: string[];
  mainWorkspaceId: string;
  ticketIds: string[];
  /** Who and what a page of tickets refers to, for the direct `_entities` fetches. */
  page: { userIds: string[]; teamIds: string[] };
}

async function seed(stack: BenchStack): Promise<Seeded> {
  const started = performance.now();
  const url = stack.gatewayUrl;
  const owner = await ownerWithWorkspace(url, "Graph");
  const { token, workspaceId } = owner;
  // Seats for 200 members: the plan is bought through Checkout on the Stripe stand-in, once billing
  // has opened the workspace's trial account (from workspace.created).
  const seats = async (): Promise<number | null> => {
    const data = await graphqlOk<{ workspace: { billing: { seats: number; pending: boolean } | null } }>(
      url,
      "query($w: ID!) { workspace(id: $w) { billing { seats pending } } }",
      { w: workspaceId },
      token,
    );
    return data.workspace.billing?.pending === false ? data.workspace.billing.seats : null;
  };
  await until("the trial account", async () => (await seats()) !== null);
  const { startCheckout } = await graphqlOk<{ startCheckout: { url: string } }>(
    url,
    "mutation($w: ID!, $s: Int!) { startCheckout(workspaceId: $w, plan: UNLIMITED, seats: $s) { url } }",
    { w: workspaceId, s: MEMBERS + 10 },
    token,
  );
  const paid = await fetch(`${startCheckout.url}/pay`, { method: "POST", headers: { accept: "application/json" } });
  if (!paid.ok) throw new Error(`checkout pay: HTTP ${paid.status}`);
  await until("the seats to be bought", async () => ((await seats()) ?? 0) >= MEMBERS + 10);

  const workspaceIds = [workspaceId];
  for (let i = 1; i < WORKSPACES; i += 1) {
    const { createWorkspace } = await graphqlOk<{ createWorkspace: { id: string } }>(
      url,
      "mutation($n: String!) { createWorkspace(input: { name: $n }) { id } }",
      { n: `Graph ${i + 1} ${Date.now()}` },
      token,
    );
    workspaceIds.push(createWorkspace.id);
  }
  const teamIds: string[] = [];
  for (const name of ["Billing", "Technical", "Sales", "Onboarding"]) {
    const { createTeam } = await graphqlOk<{ createTeam: { id: string } }>(
      url,
      "mutation($w: ID!, $n: String!) { createTeam(workspaceId: $w, input: { name: $n }) { id } }",
      { w: workspaceId, n: name },
      token,
    );
    teamIds.push(createTeam.id);
  }

  // 200 members, four at a time (each acceptance hashes a password).
  const memberIds: string[] = [];
  const stamp = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < MEMBERS) {
        const n = next++;
        const email = `graph.member.${n}.${stamp}@example.test`;
        await graphqlOk(
          url,
          "mutation($input: InviteUserInput!) { inviteUser(input: $input) { invitation { id } } }",
          {
            input: {
              firstName: `Member${n}`,
              lastName: "Graph",
              email,
              workspaces: [{ workspaceId, role: "MEMBER" }],
            },
          },
          token,
        );
        const { acceptInvitation } = await graphqlOk<{ acceptInvitation: { user: { id: string } } }>(
          url,
          'mutation($t: String!) { acceptInvitation(token: $t, password: "correct horse battery") { user { id } } }',
          { t: await invitationTokenFor(stack.mailCatcherUrl, email) },
        );
        memberIds.push(acceptInvitation.user.id);
      }
    }),
  );
  await until("every member to join the workspace", async () => {
    const data = await graphqlOk<{ workspace: { memberCount: number } }>(
      url,
      "query($w: ID!) { workspace(id: $w) { memberCount } }",
      { w: workspaceId },
      token,
    );
    return data.workspace.memberCount >= MEMBERS + 1;
  });

  await insertTickets({
    workspaceId,
    organisationId: owner.organisationId,
    creatorId: owner.userId,
    assigneeIds: memberIds,
    teamIds,
    count: TICKETS,
  });
  const { tickets } = await graphqlOk<{
    tickets: { nodes: Array<{ id: string; assignee: { id: string } | null; team: { id: string } | null }> };
  }>(
    url,
    "query($w: ID!) { tickets(workspaceId: $w, first: 50) { nodes { id assignee { id } team { id } } } }",
    {
      w: workspaceId,
    },
    token,
  );
  const ticketIds = tickets.nodes.map((t) => t.id);
  const page = {
    userIds: [...new Set([owner.userId, ...tickets.nodes.flatMap((t) => (t.assignee ? [t.assignee.id] : []))])],
    teamIds: [...new Set(tickets.nodes.flatMap((t) => (t.team ? [t.team.id] : [])))],
  };
  const tokens = [token];
  while (tokens.length < Math.max(...CONNECTIONS)) tokens.push(await logIn(url, owner.email));
  const actors = await Promise.all(tokens.map((t) => sessionActor(stack, t)));
  out(
    `seeded ${WORKSPACES} workspaces, ${MEMBERS} members, ${TICKETS} tickets in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { tokens, actors, workspaceIds, mainWorkspaceId: workspaceId, ticketIds, page };
}

/** The actor the gateway would sign for this token (asked of identity as the gateway asks it). */
async function sessionActor(stack: BenchStack, token: string): Promise<Actor> {
  const response = await fetch(`${stack.serviceUrls.identity}/internal/authenticate`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      [ACTOR_CONTEXT_HEADER]: await signActorContext({ kind: "anonymous" }, stack.actorContextKey, {
        audience: "internal",
      }),
    },
    body: JSON.stringify({ token }),
  });
  const { actor } = (await response.json()) as { actor: Actor | null };
  if (!actor) throw new Error("identity refused the bench token");
  return actor;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// --- operations ------------------------------------------------------------------------------

interface Fetch {
  /** Base URL of the service (direct) or null for the gateway under test. */
  service: keyof BenchStack["serviceUrls"] | null;
  /** A body per request (so a mutation can alternate its value). */
  body: () => string;
}

interface Operation {
  name: string;
  /** What a frontend sends to the gateway. */
  viaGateway: Fetch;
  /** The same work sent straight to the subgraphs (several fetches when the plan spans several). */
  direct: Fetch[];
}

const json = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });

function operations(seeded: Seeded): Operation[] {
  const { mainWorkspaceId: w, workspaceIds, ticketIds, page } = seeded;
  const workspaceRefs = workspaceIds.map((id) => ({ __typename: "Workspace", id }));
  let flip = 0;
  const statusChange = () => {
    flip += 1;
    return json(
      "mutation($id: ID!, $s: TicketStatus!) { changeTicketStatus(id: $id, input: { status: $s }) { id status } }",
      {
        id: ticketIds[flip % ticketIds.length],
        s: Math.floor(flip / ticketIds.length) % 2 === 0 ? "PENDING" : "OPEN",
      },
    );
  };
  const fixed = (body: string) => () => body;
  return [
    {
      name: "me { id }",
      viaGateway: { service: null, body: fixed(json("{ me { id } }")) },
      direct: [{ service: "identity", body: fixed(json("{ me { id } }")) }],
    },
    {
      name: "me + workspaces (billing, myPermissions)",
      viaGateway: {
        service: null,
        body: fixed(
          json(
            "{ me { id firstName organisation { name } } workspaces { nodes { id name myPermissions billing { plan seats status } } } }",
          ),
        ),
      },
      direct: [
        { service: "identity", body: fixed(json("{ me { id firstName organisation { name } } }")) },
        { service: "workspace", body: fixed(json("{ workspaces { nodes { id name myPermissions } } }")) },
        {
          service: "billing",
          body: fixed(
            json(
              "query($r: [_Any!]!) { _entities(representations: $r) { ... on Workspace { billing { plan seats status } } } }",
              { r: workspaceRefs },
            ),
          ),
        },
      ],
    },
    {
      name: "tickets page of 50 with names",
      viaGateway: {
        service: null,
        body: fixed(
          json(
            `query($w: ID!) { tickets(workspaceId: $w, first: 50) { nodes { number title status priority
              assignee { firstName lastName } team { name } creator { firstName } } pageInfo { endCursor } } }`,
            { w },
          ),
        ),
      },
      direct: [
        {
          service: "ticketing",
          body: fixed(
            json(
              `query($w: ID!) { tickets(workspaceId: $w, first: 50) { nodes { number title status priority
                assignee { id } team { id } creator { id } } pageInfo { endCursor } } }`,
              { w },
            ),
          ),
        },
        {
          service: "identity",
          body: fixed(
            json("query($r: [_Any!]!) { _entities(representations: $r) { ... on User { firstName lastName } } }", {
              r: page.userIds.map((id) => ({ __typename: "User", id })),
            }),
          ),
        },
        {
          service: "workspace",
          body: fixed(
            json("query($r: [_Any!]!) { _entities(representations: $r) { ... on Team { name } } }", {
              r: page.teamIds.map((id) => ({ __typename: "Team", id })),
            }),
          ),
        },
      ],
    },
    {
      name: "changeTicketStatus (outbox write)",
      viaGateway: { service: null, body: statusChange },
      direct: [{ service: "ticketing", body: statusChange }],
    },
  ];
}

// --- measuring -------------------------------------------------------------------------------

interface Run {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** CPU milliseconds per request, per process. */
  cpuMsPerRequest: Record<string, number>;
}

type CpuProbe = Record<string, () => number>;

/** One thing driven with the same load: a gateway, or one subgraph fetch of the direct path. */
interface Target {
  url: string;
  /** The headers of each connection (its credential): connection i sends headersOf[i]. */
  headersOf: Array<Record<string, string>>;
  body: () => string;
  /** The processes whose CPU time is charged to this target's requests. */
  probe: CpuProbe;
}

/** What a target's slices add up to. */
interface Tally {
  latenciesMs: number[];
  seconds: number;
  requests: number;
  errors: number;
  cpuMs: Record<string, number>;
  firstError: string;
}

const readAll = (probe: CpuProbe) => Object.fromEntries(Object.entries(probe).map(([name, read]) => [name, read()]));

/** Drives one target for `durationS`; with a tally, adds its latencies, errors and CPU time to it. */
async function slice(target: Target, connections: number, durationS: number, tally: Tally | null): Promise<void> {
  let nextConnection = 0;
  let graphqlErrors = 0;
  let firstError = "";
  // Only a measured turn reads the counters (PostgreSQL's walks /proc), not a warm-up.
  const before = tally ? readAll(target.probe) : {};
  const result = await autocannon({
    url: target.url,
    method: "POST",
    connections,
    duration: durationS,
    headers: { "content-type": "application/json" },
    requests: [
      {
        setupRequest: (request: autocannon.Request, context: { headers?: Record<string, string> }) => {
          context.headers ??= target.headersOf[nextConnection++ % target.headersOf.length];
          return { ...request, headers: { ...request.headers, ...context.headers }, body: target.body() };
        },
      },
    ],
    setupClient: (client: {
      on(event: "body", listener: (buffer: Buffer) => void): void;
      on(event: "response", listener: (status: number, bytes: number, ms: number) => void): void;
    }) => {
      // Every request's own time, to a fraction of a millisecond (autocannon's percentiles are whole ms).
      client.on("response", (_status, _bytes, ms) => tally?.latenciesMs.push(ms));
      client.on("body", (buffer) => {
        if (!buffer.includes('"errors"')) return;
        graphqlErrors += 1;
        if (!firstError) firstError = buffer.toString("utf8").slice(0, 300);
      });
    },
  });
  if (!tally) return;
  for (const [name, read] of Object.entries(target.probe))
    tally.cpuMs[name] = (tally.cpuMs[name] ?? 0) + read() - (before[name] ?? 0);
  tally.seconds += result.duration;
  tally.requests += result.requests.total;
  tally.errors += result.errors + result.timeouts + result.non2xx + graphqlErrors;
  // The first error of a run is shown: an erroring run measures nothing.
  tally.firstError ||= firstError ? `${target.url}: ${firstError}` : "";
}

/**
 * The targets measured in turns, not one after the other: each is warmed up (connections, JIT, plan
 * cache), then ROUNDS rounds drive every target for DURATION_S / ROUNDS seconds, the order rotating
 * each round. Whatever else the machine does meanwhile (the relay, Kafka and the audit consumer
 * catching up after a mutation, autovacuum) lands on all targets alike, instead of deciding the
 * p99 of whichever target happened to run at that moment.
 */
async function interleaved(targets: Target[], connections: number): Promise<Run[]> {
  for (const target of targets) await slice(target, connections, 2, null);
  const tallies: Tally[] = targets.map(() => ({
    latenciesMs: [],
    seconds: 0,
    requests: 0,
    errors: 0,
    cpuMs: {},
    firstError: "",
  }));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let turn = 0; turn < targets.length; turn += 1) {
      const index = (turn + round) % targets.length;
      const target = targets[index];
      const tally = tallies[index];
      if (target && tally) await slice(target, connections, DURATION_S / ROUNDS, tally);
    }
  }
  return tallies.map((tally) => {
    if (tally.firstError) out(`    first error of ${tally.firstError}`);
    const { p50, p99 } = summary(tally.latenciesMs);
    return {
      requestsPerSecond: tally.requests / tally.seconds,
      p50,
      p99,
      requests: tally.requests,
      errors: tally.errors,
      cpuMsPerRequest: Object.fromEntries(
        Object.entries(tally.cpuMs).map(([name, ms]) => [name, tally.requests ? ms / tally.requests : 0]),
      ),
    };
  });
}

/** Several fetches measured one by one, summed as described at the top. */
function sumOf(runs: Run[]): Run {
  const cpu: Record<string, number> = {};
  for (const run of runs)
    for (const [name, ms] of Object.entries(run.cpuMsPerRequest)) cpu[name] = (cpu[name] ?? 0) + ms;
  return {
    requestsPerSecond: 1 / runs.reduce((total, run) => total + 1 / run.requestsPerSecond, 0),
    p50: runs.reduce((total, run) => total + run.p50, 0),
    p99: runs.reduce((total, run) => total + run.p99, 0),
    requests: Math.min(...runs.map((run) => run.requests)),
    errors: runs.reduce((total, run) => total + run.errors, 0),
    cpuMsPerRequest: cpu,
  };
}

/**
 * Waits until the stack's processes together use under 0.4 of a core over a second (idle, they
 * poll: ~0.25), plus 0.3 for each further set of instances (two of everything idle at ~0.6), at
 * most 3 minutes. Called after seeding and before each operation's interleaved measurement, so one
 * operation's leftovers (the relay, Kafka and the audit consumer after a mutation) do not land on
 * the next.
 */
async function quiet(probe: CpuProbe, replicas: number, report = true): Promise<void> {
  const quietMs = 400 + 300 * (replicas - 1);
  const readers = Object.entries(probe).filter(([name]) => name !== "loadgen");
  const deadline = Date.now() + 180_000;
  for (;;) {
    const before = readers.map(([, read]) => read());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Per reader, never below 0: PostgreSQL's sum drops when a backend exits between the readings.
    const busyMs = readers.reduce((sum, [, read], i) => sum + Math.max(0, read() - (before[i] ?? 0)), 0);
    if (busyMs < quietMs || Date.now() > deadline) {
      if (report) out(`stack quiet (${busyMs.toFixed(0)} ms of CPU in the last second)`);
      return;
    }
  }
}

/** The environment a gateway (ours or Hive) needs to serve the stack's subgraphs on `port`. */
function gatewayEnv(stack: BenchStack, keys: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    ACTOR_CONTEXT_KEYS: keys,
    KAFKA_BROKERS: stack.kafkaBrokers.join(","),
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    IDENTITY_URL: `${stack.serviceUrls.identity}/graphql`,
    WORKSPACE_URL: `${stack.serviceUrls.workspace}/graphql`,
    TICKETING_URL: `${stack.serviceUrls.ticketing}/graphql`,
    BILLING_URL: `${stack.serviceUrls.billing}/graphql`,
    AUDIT_URL: `${stack.serviceUrls.audit}/graphql`,
  };
}

/** Starts a gateway process; resolves once it writes `ready` (a line containing that text) to stdout. */
function startGatewayProcess(name: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, ready: string) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<ChildProcess>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes(ready)) resolve(child);
    });
  });
}

/**
 * Hive Gateway on HIVE_PORT, as many instances as the stack runs of our gateway: with replicas, on
 * the ports after HIVE_PORT behind a round-robin balancer of the same kind as ours (in this
 * process, like the stack's), so both gateways are reached through the same extra hop.
 */
async function startHiveGateways(stack: BenchStack, keys: string): Promise<{ pids: () => number[]; stop: () => void }> {
  const start = (port: number) =>
    startGatewayProcess(
      "Hive Gateway",
      ["--import", "tsx", `${REPO_ROOT}/bench/hive-gateway.ts`],
      `${REPO_ROOT}/bench`,
      gatewayEnv(stack, keys, port),
      "hive gateway ready",
    );
  if (stack.replicas === 1) {
    const hive = await start(HIVE_PORT);
    return { pids: () => (hive.pid ? [hive.pid] : []), stop: () => void hive.kill("SIGTERM") };
  }
  const ports = Array.from({ length: stack.replicas }, (_, i) => HIVE_PORT + 1 + i);
  const instances = await Promise.all(ports.map(start));
  const balancer = await startBalancer({
    host: "127.0.0.1",
    port: HIVE_PORT,
    backends: () => ports.map((port) => ({ host: "127.0.0.1", port })),
  });
  return {
    pids: () => instances.flatMap((hive) => (hive.pid ? [hive.pid] : [])),
    stop: () => {
      void balancer.close().catch(() => undefined);
      for (const hive of instances) hive.kill("SIGTERM");
    },
  };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "-");
const mark = (met: boolean) => (met ? "✓" : "✗");

/**
 * Issue 25's targets for one operation and connection level, each a ratio from this run: ours
 * against Hive Gateway (≥ 1.5 × its req/s, ≤ 0.5 × what it adds to the direct path's p50, p99 at
 * or below its), `{ me { id } }` at 10 connections ≥ 0.6 of the direct path, and our gateway's CPU
 * per request at most what the subgraphs the operation reaches (`subgraphs`) spent on the same
 * requests, in our turns.
 */
function targets(
  operation: string,
  connections: number,
  subgraphs: string[],
  runs: { ours: Run; peer: Run; direct: Run },
): string {
  const { ours, peer, direct } = runs;
  const throughput = ours.requestsPerSecond / peer.requestsPerSecond;
  const added = (ours.p50 - direct.p50) / (peer.p50 - direct.p50);
  const p99 = ours.p99 / peer.p99;
  const toDirect = ours.requestsPerSecond / direct.requestsPerSecond;
  const gatewayCpu = ours.cpuMsPerRequest.gateway ?? 0;
  const subgraphCpu = subgraphs.reduce((sum, name) => sum + (ours.cpuMsPerRequest[name] ?? 0), 0);
  const parts = [
    `ours/hive req/s ${f2(throughput)} ${mark(throughput >= 1.5)}`,
    `added p50 ours/hive ${f2(added)} ${mark(added <= 0.5)}`,
    `p99 ours/hive ${f2(p99)} ${mark(p99 <= 1)}`,
    `CPU ms/request gateway/${subgraphs.join("+")} ${f2(gatewayCpu)}/${f2(subgraphCpu)} = ${f2(gatewayCpu / subgraphCpu)} ` +
      mark(gatewayCpu <= subgraphCpu),
  ];
  if (operation === "me { id }" && connections === 10)
    parts.push(`ours/direct ${f2(toDirect)} ${mark(toDirect >= 0.6)}`);
  return `  targets  c=${connections}: ${parts.join(", ")}`;
}

function line(target: string, connections: number, run: Run): string {
  const cpu = Object.entries(run.cpuMsPerRequest)
    .filter(([, ms]) => ms >= 0.005)
    .map(([name, ms]) => `${name} ${ms.toFixed(2)}`)
    .join(", ");
  return (
    `  ${target.padEnd(8)} c=${String(connections).padEnd(3)} ${f1(run.requestsPerSecond).padStart(7)} req/s  ` +
    `p50 ${f1(run.p50).padStart(5)} ms  p99 ${f1(run.p99).padStart(6)} ms  errors ${run.errors}  ` +
    `CPU ms/request: ${cpu}`
  );
}

/**
 * What the whole path (gateway, authentication, planning) adds over the direct path for a
 * single-subgraph query and one client, to a tenth of a millisecond (autocannon's percentiles
 * are whole milliseconds): 1,000 rounds, each sending `{ me { id } }` once to each target in turn,
 * every request timed with performance.now(), so whatever else the machine does at a moment
 * falls on all three alike.
 */
async function addedLatency(
  stack: BenchStack,
  oursUrl: string,
  bearer: Record<string, string>,
  signed: Record<string, string>,
): Promise<string> {
  const body = JSON.stringify({ query: "{ me { id } }" });
  const targets = [
    { name: "ours", url: oursUrl, headers: bearer },
    { name: "hive", url: `http://127.0.0.1:${HIVE_PORT}/graphql`, headers: bearer },
    { name: "direct", url: `${stack.serviceUrls.identity}/graphql`, headers: signed },
  ];
  const times = targets.map(() => [] as number[]);
  const rounds = 1000;
  for (let round = -100; round < rounds; round += 1) {
    for (const [index, target] of targets.entries()) {
      const started = performance.now();
      const response = await fetch(target.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...target.headers },
        body,
      });
      const answer = (await response.json()) as { errors?: unknown };
      if (!response.ok || answer.errors) throw new Error(`{ me { id } } failed at ${target.url}`);
      if (round >= 0) times[index]?.push(performance.now() - started); // the first 100 rounds warm up
    }
  }
  const [ours, hive, direct] = times.map((t) => summary(t));
  if (!ours || !hive || !direct) throw new Error("unreachable");
  const row = (name: string, s: ReturnType<typeof summary>) =>
    `  ${name.padEnd(8)} p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (added at p50 over direct: ${(s.p50 - direct.p50).toFixed(1)} ms)`;
  const addedRatio = (ours.p50 - direct.p50) / (hive.p50 - direct.p50);
  return [
    `\n{ me { id } }, one client, ${rounds} rounds of one request to each target in turn (performance.now)`,
    row("ours", ours),
    row("hive", hive),
    row("direct", direct),
    `  targets  added p50 ours/hive ${f2(addedRatio)} ${mark(addedRatio <= 0.5)}, p99 ours/hive ${f2(ours.p99 / hive.p99)} ` +
      mark(ours.p99 <= hive.p99),
  ].join("\n");
}

/** `{ me { id } }` of another commit, through its own bench/gateway-throughput.ts in a git worktree. */
function measureBaseline(ref: string): string {
  const sha = execFileSync("git", ["rev-parse", "--short", ref], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
  // Outside the repository: a whole second checkout under it would be crawled by jest and lint.
  const dir = `${tmpdir()}/support-bench-baseline-${sha}`;
  const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync(command, args, {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
  if (!existsSync(dir)) {
    execFileSync("git", ["worktree", "add", "--detach", dir, sha], { cwd: REPO_ROOT, stdio: "inherit" });
  }
  out(`baseline ${sha}: installing and generating in ${dir}`);
  run("npx", ["-y", "pnpm@10.20.0", "install", "--frozen-lockfile", "--prefer-offline"]);
  run("npx", ["-y", "pnpm@10.20.0", "exec", "turbo", "run", "generate", "--output-logs=errors-only"]);
  const lines: string[] = [];
  for (const connections of CONNECTIONS) {
    const output = run("npx", ["tsx", "bench/gateway-throughput.ts"], {
      BENCH_CONNECTIONS: String(connections),
      BENCH_DURATION: String(DURATION_S),
      BENCH_BASE_PORT: "4480",
      BENCH_KAFKA_PORT: "19510",
      BENCH_DATABASE_SUFFIX: "_bench_baseline",
      BENCH_GATEWAY_URL: "",
    });
    const me = output.split("\n").find((l) => l.trim().startsWith("me "));
    lines.push(`  baseline ${sha} ${me?.trim() ?? "(no figure: see its output)"}`);
  }
  return lines.join("\n");
}

const baselineRef = process.env.BENCH_BASELINE;
const baseline = baselineRef ? measureBaseline(baselineRef) : null;

await withBenchStack(async (stack) => {
  out(machine());
  const seeded = await seed(stack);
  const keys = `${stack.actorContextKey.kid}:${stack.actorContextKey.secret}`;
  const hive = await startHiveGateways(stack, keys);
  // Also when the run is interrupted: Hive's processes are this process's, not the stack's.
  process.once("exit", hive.stop);
  const oursUrl = stack.gatewayUrl;
  if (stack.replicas > 1)
    out(
      `${stack.replicas} instances of our gateway, of Hive Gateway and of every subgraph, each behind a balancer in ` +
        `the bench process: CPU per request sums the instances; the balancers' CPU is in loadgen's`,
    );
  // Every process's figures then carry the profiler's own cost: a run for the profiles, not the table.
  if (process.env.STACK_CPU_PROFILE_DIR)
    out(`every stack process runs under --cpu-prof (${process.env.STACK_CPU_PROFILE_DIR})`);
  try {
    const services = stack.serviceUrls;
    const kafkaPid = pidListeningOn(Number(stack.kafkaBrokers[0]?.split(":")[1] ?? 0));
    // Every instance of each, summed (an instance restarted mid-run would lose its time: none is).
    const pids: Record<string, () => number[]> = {
      gateway: () => stack.processIds("gateway"),
      hive: hive.pids,
      identity: () => stack.processIds("identity"),
      workspace: () => stack.processIds("workspace"),
      ticketing: () => stack.processIds("ticketing"),
      billing: () => stack.processIds("billing"),
      audit: () => stack.processIds("audit"),
      kafka: () => [kafkaPid],
    };
    const probe = (exclude: string[]): CpuProbe => ({
      ...Object.fromEntries(
        Object.entries(pids)
          .filter(([name]) => !exclude.includes(name))
          .map(([name, of]) => [name, () => of().reduce((sum, pid) => sum + cpuMs(pid), 0)]),
      ),
      postgres: postgresCpuMs,
      loadgen: () => cpuMs(process.pid),
    });
    // Seeding leaves work behind (200 members' events through every consumer, the audit log);
    // measuring starts once the stack is quiet, so the first runs do not pay for it.
    await quiet(probe([]), stack.replicas);
    const bearer = seeded.tokens.map((token) => ({ authorization: `Bearer ${token}` }));
    const signed = await Promise.all(
      seeded.actors.map(async (actor) => ({
        [ACTOR_CONTEXT_HEADER]: await signActorContext(actor, stack.actorContextKey, { ttlSeconds: 3600 }),
      })),
    );
    out(
      `\n${machine()}\n${DURATION_S} s per target in ${ROUNDS} interleaved turns; ` +
        `CPU in ms per request (utime + stime); latencies of every request`,
    );
    if (baseline) out(`\n{ me { id } } of the baseline commit (its own stack, measured first):\n${baseline}`);
    // BENCH_OPERATIONS=me,tickets: only the operations whose name contains one of the words.
    const only = process.env.BENCH_OPERATIONS?.split(",").filter(Boolean);
    for (const operation of operations(seeded).filter((op) => !only || only.some((w) => op.name.includes(w)))) {
      out(`\n${operation.name}`);
      for (const connections of CONNECTIONS) {
        await quiet(probe([]), stack.replicas, false);
        const viaGateway = { headersOf: bearer, body: operation.viaGateway.body };
        const [ours, peer, ...fetches] = await interleaved(
          [
            { ...viaGateway, url: oursUrl, probe: probe(["hive"]) },
            { ...viaGateway, url: `http://127.0.0.1:${HIVE_PORT}/graphql`, probe: probe(["gateway"]) },
            ...operation.direct.map((fetch) => ({
              url: `${services[fetch.service ?? "identity"]}/graphql`,
              headersOf: signed,
              body: fetch.body,
              probe: probe(["gateway", "hive"]),
            })),
          ],
          connections,
        );
        if (!ours || !peer) throw new Error("unreachable");
        out(line("ours", connections, ours));
        out(line("hive", connections, peer));
        const direct = sumOf(fetches);
        out(line(operation.direct.length > 1 ? `direct*` : "direct", connections, direct));
        out(
          `  ratio    c=${connections}: ours/hive ${(ours.requestsPerSecond / peer.requestsPerSecond).toFixed(2)} (req/s), ` +
            `ours/direct ${(ours.requestsPerSecond / direct.requestsPerSecond).toFixed(2)}; p50 over direct: ` +
            `ours +${f1(ours.p50 - direct.p50)} ms, hive +${f1(peer.p50 - direct.p50)} ms`,
        );
        const reached = [...new Set(operation.direct.map((fetch) => fetch.service ?? "identity"))];
        out(targets(operation.name, connections, reached, { ours, peer, direct }));
      }
    }
    out("\n* the sum of the subgraph fetches, measured one by one (see the top of bench/graph.ts)");
    await quiet(probe([]), stack.replicas); // the mutation runs leave events for every consumer
    out(await addedLatency(stack, oursUrl, bearer[0] ?? {}, signed[0] ?? {}));
    out(`load average after: ${machine()}`);
  } finally {
    hive.stop();
  }
});
