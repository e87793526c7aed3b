import { readdirSync, readFileSync } from "node:fs";
/**
 * What the benchmarks share: a stack to measure (a running one at BENCH_GATEWAY_URL, or one started
 * here on its own ports and databases), a GraphQL client, and percentiles.
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { REPO_ROOT } from "@support/infra/services";
import { localActorContextKeys, startStack } from "@support/infra/stack";
import { actorContextKeysSchema, type ActorContextKey } from "@support/actor-context";

export interface BenchStack {
  gatewayUrl: string;
  /** Base URL of the workspace service, for measuring its internal endpoints directly. */
  workspaceUrl: string;
  /** Base URL of the audit service, for measuring its subgraph directly. */
  auditUrl: string;
  /** Base URL of every service, for measuring subgraphs directly. */
  serviceUrls: Record<"identity" | "workspace" | "ticketing" | "billing" | "audit", string>;
  /** The stack's Kafka brokers. */
  kafkaBrokers: string[];
  /** The PostgreSQL server the stack's databases are on, and their name suffix. */
  postgresServerUrl: string;
  databaseSuffix: string;
  /** The key the gateway signs with, for calling a service directly. */
  actorContextKey: ActorContextKey;
  /** Where the stack's processes write their logs (`<service>.log`); null for a running stack. */
  logDir: string | null;
  /** The mail catcher's HTTP side, where invitation tokens arrive (infra/mail-catcher). */
  mailCatcherUrl: string;
  /** Instances of every service and of the gateway behind each address (BENCH_REPLICAS; 1 for a running stack). */
  replicas: number;
  /** The process ids of every instance of the gateway or a service, as they are now. */
  processIds(process: "gateway" | keyof BenchStack["serviceUrls"]): number[];
  stop(): Promise<void>;
}

const log = (message: string) => process.stdout.write(`${message}\n`);

/** BENCH_GATEWAY_URL=http://127.0.0.1:4000/graphql measures a running stack; otherwise one is started. */
export async function benchStack(): Promise<BenchStack> {
  const running = process.env.BENCH_GATEWAY_URL;
  if (running) {
    log(`measuring the running stack at ${running}`);
    // `npm start`'s layout: workspace on the gateway's port + 2, the key in .local/.
    const workspacePort = Number(new URL(running).port) + 2;
    const serviceUrls = {
      identity: `http://127.0.0.1:${workspacePort - 1}`,
      workspace: `http://127.0.0.1:${workspacePort}`,
      ticketing: `http://127.0.0.1:${workspacePort + 1}`,
      billing: `http://127.0.0.1:${workspacePort + 2}`,
      audit: `http://127.0.0.1:${workspacePort + 3}`,
    };
    return {
      gatewayUrl: running,
      workspaceUrl: process.env.BENCH_WORKSPACE_URL ?? `http://127.0.0.1:${workspacePort}`,
      auditUrl: process.env.BENCH_AUDIT_URL ?? `http://127.0.0.1:${workspacePort + 3}`,
      serviceUrls,
      kafkaBrokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
      postgresServerUrl: process.env.POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
      databaseSuffix: process.env.BENCH_DATABASE_SUFFIX ?? "",
      actorContextKey: signingKey(localActorContextKeys()),
      logDir: null,
      // `npm start`'s catcher, on the gateway's port + 8 (a stack sending through SMTP_URL has none).
      mailCatcherUrl: process.env.BENCH_MAIL_CATCHER_URL ?? `http://127.0.0.1:${workspacePort + 6}`,
      replicas: 1,
      processIds: (name) => [pidListeningOn(Number(new URL(name === "gateway" ? running : serviceUrls[name]).port))],
      stop: async () => undefined,
    };
  }
  // Ports and databases of their own, so a bench never touches a dev stack or a test run.
  const basePort = Number(process.env.BENCH_BASE_PORT ?? 4450);
  const kafkaPort = Number(process.env.BENCH_KAFKA_PORT ?? 19496);
  const databaseSuffix = process.env.BENCH_DATABASE_SUFFIX ?? "_bench";
  // Two or more: each address is a round-robin balancer (in this process) over that many instances.
  const replicas = Number(process.env.BENCH_REPLICAS ?? 1);
  const startedAt = Date.now();
  const logDir = `${REPO_ROOT}/.local/logs${databaseSuffix}`;
  const stack = await startStack({
    basePort,
    replicas,
    databaseSuffix,
    freshDatabases: true,
    logDir,
    kafka: { port: kafkaPort, controllerPort: kafkaPort + 1, dataDir: `${REPO_ROOT}/.local/kafka${databaseSuffix}` },
    // Members join by invitation, whose token only the mail carries.
    alwaysCatchMail: true,
    log: (message) => log(`[stack] ${message}`),
  });
  log(
    `[stack] ready in ${((Date.now() - startedAt) / 1000).toFixed(1)}s (gateway ${stack.gatewayUrl}` +
      `${replicas > 1 ? `; ${replicas} instances of everything behind balancers in this process` : ""})`,
  );
  return {
    gatewayUrl: stack.gatewayUrl,
    workspaceUrl: stack.serviceUrls.workspace,
    auditUrl: stack.serviceUrls.audit,
    serviceUrls: stack.serviceUrls,
    kafkaBrokers: stack.kafkaBrokers,
    postgresServerUrl: stack.postgres.serverUrl,
    databaseSuffix,
    actorContextKey: signingKey(stack.actorContextKeys),
    logDir,
    mailCatcherUrl: stack.mail.catcherUrl as string,
    replicas,
    processIds: (name) => stack.instancesOf(name).flatMap((instance) => (instance.pid ? [instance.pid] : [])),
    stop: () => stack.stop(),
  };
}

function signingKey(keys: string): ActorContextKey {
  const [first] = actorContextKeysSchema.parse(keys);
  if (!first) throw new Error("ACTOR_CONTEXT_KEYS lists no key");
  return first;
}

export function machine(): string {
  const cpu = cpus();
  // The load average says how much else was running: on a shared machine it moves every figure.
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(" ");
  return `${cpu.length} cores (${cpu[0]?.model ?? "unknown CPU"}), Node ${process.version}, load average ${load}`;
}

export async function graphqlOk<Data>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<Data> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: unknown[] };
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL failed (HTTP ${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

const benchEmail = (label: string) => `bench.${label}.${Date.now()}.${process.pid}@example.test`;

/** The password of every account the benchmarks create. */
export const BENCH_PASSWORD = "correct horse battery";

/** Signs up a fresh organisation admin; returns the bearer token. */
export async function signUp(url: string, label: string, email = benchEmail(label)): Promise<string> {
  const data = await graphqlOk<{ signUp: { token: string } }>(
    url,
    `mutation($input: SignUpInput!) { signUp(input: $input) { token } }`,
    {
      input: {
        organisationName: `Bench ${label}`,
        firstName: "Bench",
        lastName: "Mark",
        email,
        password: BENCH_PASSWORD,
      },
    },
  );
  return data.signUp.token;
}

/** Another session of an existing account (a second device): a new bearer token. */
export async function logIn(url: string, email: string): Promise<string> {
  const data = await graphqlOk<{ logIn: { token: string } }>(
    url,
    `mutation($input: LogInInput!) { logIn(input: $input) { token } }`,
    { input: { email, password: BENCH_PASSWORD } },
  );
  return data.logIn.token;
}

/** A fresh organisation admin owning a fresh workspace: what every benchmark measures against. */
export async function ownerWithWorkspace(
  url: string,
  label: string,
): Promise<{ token: string; email: string; userId: string; organisationId: string; workspaceId: string }> {
  const email = benchEmail(label);
  const token = await signUp(url, label, email);
  const { me } = await graphqlOk<{ me: { id: string; organisation: { id: string } } }>(
    url,
    "{ me { id organisation { id } } }",
    {},
    token,
  );
  const { createWorkspace } = await graphqlOk<{ createWorkspace: { id: string } }>(
    url,
    `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
    { input: { name: `${label} ${Date.now()}` } },
    token,
  );
  return { token, email, userId: me.id, organisationId: me.organisation.id, workspaceId: createWorkspace.id };
}

/** Times `runs` sequential calls after `warmUp` unreported ones (default 20); milliseconds each. */
export async function timeEach(runs: number, once: () => Promise<void>, warmUp = 20): Promise<number[]> {
  for (let i = 0; i < Math.min(warmUp, runs); i += 1) await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return times;
}

/** Nearest-rank percentile of already sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function summary(values: readonly number[]): Record<"p50" | "p95" | "p99" | "max" | "mean", number> {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Runs `main` against a bench stack and always stops what it started. */
export async function withBenchStack(main: (stack: BenchStack) => Promise<void>): Promise<void> {
  const stack = await benchStack();
  // Interrupted (Ctrl-C, a timeout's SIGTERM): the stack's processes are stopped, not left behind.
  // Every signal is caught, not only the first: Ctrl-C reaches tsx's CLI too, which passes it on,
  // and a second SIGINT left to its default would end this process halfway through the stop.
  let interrupted = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      void stack.stop().finally(() => process.exit(130));
    });
  let failed = false;
  try {
    await main(stack);
  } catch (error) {
    failed = true;
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } finally {
    await stack.stop();
  }
  process.exit(failed ? 1 : 0);
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime + stime of a process, in milliseconds. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command: state is field 3, utime 14 and stime 15 (1-based) -> indexes 11 and 12.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0; // the process ended (a PostgreSQL backend that closed)
  }
}

/**
 * All PostgreSQL processes' CPU, summed: the databases' share of each request. A backend that
 * exits between two readings (a pool closing an idle connection) takes its time with it, which
 * made this sum fall and the figure vanish from some rows; the server process collects the time of
 * the backends it reaps (cutime + cstime), so each server counts its own and its ended children's
 * time, and the live backends their own.
 */
export function postgresCpuMs(): number {
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/comm`, "utf8").startsWith("postgres")) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      stats.set(Number(entry), stat.slice(stat.lastIndexOf(")") + 2).split(" "));
    } catch {
      // gone meanwhile: its time is its server's now
    }
  }
  let ticks = 0;
  for (const fields of stats.values()) {
    // After the command (1-based): ppid 4, utime 14, stime 15, cutime 16, cstime 17.
    ticks += Number(fields[11]) + Number(fields[12]);
    if (!stats.has(Number(fields[1]))) ticks += Number(fields[13]) + Number(fields[14]);
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * The PostgreSQL backends connected to `database`, by their process title ("postgres: [cluster: ]
 * user database host(port) state"): the database work of one bench step, apart from the server's other
 * clients.
 */
export function backendsOf(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      // A cluster name may come first ("postgres: 15/main: user database …"): any word will do.
      if (title.startsWith("postgres: ") && title.split(" ").includes(database)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** The process listening on a local TCP port (for reading its memory or CPU time). */
export function pidListeningOn(port: number): number {
  const output = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const pid = /pid=(\d+)/.exec(output)?.[1];
  if (!pid) throw new Error(`no process listens on ${port}`);
  return Number(pid);
}

/**
 * The time a service itself took for the requests sent with these `x-request-id`s: the
 * `responseTime` of its "request completed" lines (from receiving the request to sending the
 * answer), without the bench client's own time and pauses. Waits (bounded) for the lines: logs
 * are written asynchronously. Null when the stack's logs are not at hand.
 */
export async function serviceTimes(
  stack: BenchStack,
  service: string,
  requestIds: ReadonlySet<string>,
): Promise<number[] | null> {
  if (!stack.logDir) return null;
  const deadline = Date.now() + 5_000;
  for (;;) {
    const times: number[] = [];
    for (const line of readFileSync(`${stack.logDir}/${service}.log`, "utf8").split("\n")) {
      if (!line.includes('"request completed"')) continue;
      const entry = JSON.parse(line) as { reqId?: string; responseTime?: number };
      if (entry.reqId && requestIds.has(entry.reqId) && typeof entry.responseTime === "number")
        times.push(entry.responseTime);
    }
    if (times.length >= requestIds.size || Date.now() > deadline) return times;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
