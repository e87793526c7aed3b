import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { localAuditSigningKeys, nodeArgsFor, serverEntry } from "@support/infra/stack";
import { runtimeDatabaseUrl } from "@support/infra/db/roles";
import { createKafka } from "@support/events";
import { createLogger } from "@support/logger";
import type { MemberDescription } from "kafkajs";
import { eventually, testStack } from "./stack.js";

/**
 * Extra instances of a service, started beside the harness's stack with its environment plus
 * overrides, for tests of how a process starts, becomes ready and stops.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
export type Service = "identity" | "workspace" | "ticketing" | "billing" | "audit";

/** A port nobody listens on right now (the OS picked it, then we let it go). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface StartedService {
  url: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

const started: StartedService[] = [];

/** Kills every instance still running; call from `afterAll`. */
export async function stopStartedServices(): Promise<void> {
  for (const service of started.splice(0)) {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL");
    await service.exited;
  }
}

/** One more instance of a service, on its own port, with the harness's environment plus `overrides`. */
export async function startService(service: Service, overrides: Record<string, string> = {}): Promise<StartedService> {
  const stack = testStack();
  const port = await freePort();
  // The service's own login, as the stack starts it (docs/adr/0014).
  const databaseUrl = runtimeDatabaseUrl(service, stack.postgresServerUrl, stack.databaseSuffix);
  const cwd = `${ROOT}services/${service}`;
  const entry = serverEntry(cwd);
  const child = spawn(process.execPath, [...nodeArgsFor(entry), entry], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(","),
      ACTOR_CONTEXT_KEYS: stack.actorContextKeys.map((key) => `${key.kid}:${key.secret}`).join(","),
      WORKSPACE_SERVICE_URL: stack.serviceUrls.workspace,
      IDENTITY_SERVICE_URL: stack.serviceUrls.identity,
      TICKETING_SERVICE_URL: stack.serviceUrls.ticketing,
      AUDIT_SERVICE_URL: stack.serviceUrls.audit,
      LOG_LEVEL: "info",
      ...(service === "billing" ? stack.stripe.env : {}),
      ...(service === "identity" ? stack.mail.env : {}),
      ...(service === "audit" ? { AUDIT_SIGNING_KEYS: localAuditSigningKeys() } : {}),
      // Export links are absolute URLs at the gateway's origin.
      ...(service === "audit" || service === "workspace"
        ? { DOWNLOAD_BASE_URL: new URL(stack.gatewayUrl).origin }
        : {}),
      ...overrides,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watchStarted(service, child, port);
}

/** Keeps `child`'s output, registers it for stopStartedServices, and waits for its /health. */
async function watchStarted(name: string, child: ChildProcess, port: number): Promise<StartedService> {
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const instance: StartedService = { url: `http://127.0.0.1:${port}`, child, exited, output: () => output };
  started.push(instance);
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${instance.url}/health`)).ok ? true : undefined;
    },
    45_000,
    `${name} on port ${port} to answer /health`,
  );
  return instance;
}

/** Waits until `instance` answers /ready with 200: its database and Kafka reachable, every consumer joined. */
export async function untilReady(instance: StartedService, timeoutMs: number, what: string): Promise<void> {
  await eventually(async () => ((await fetch(`${instance.url}/ready`)).ok ? true : undefined), timeoutMs, what);
}

/**
 * One more gateway, on its own port and listed nowhere, with the harness's environment: its
 * subgraphs are the stack's unless `overrides` points one elsewhere (e.g. TICKETING_URL at an
 * instance started with `startService`).
 */
export async function startGateway(overrides: Record<string, string> = {}): Promise<StartedService> {
  const stack = testStack();
  const port = await freePort();
  const entry = serverEntry(`${ROOT}gateway`);
  const child = spawn(process.execPath, [...nodeArgsFor(entry), entry], {
    cwd: `${ROOT}gateway`,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      PORT: String(port),
      HOST: "127.0.0.1",
      KAFKA_BROKERS: stack.kafkaBrokers.join(","),
      ACTOR_CONTEXT_KEYS: stack.actorContextKeys.map((key) => `${key.kid}:${key.secret}`).join(","),
      IDENTITY_URL: `${stack.serviceUrls.identity}/graphql`,
      WORKSPACE_URL: `${stack.serviceUrls.workspace}/graphql`,
      TICKETING_URL: `${stack.serviceUrls.ticketing}/graphql`,
      BILLING_URL: `${stack.serviceUrls.billing}/graphql`,
      AUDIT_URL: `${stack.serviceUrls.audit}/graphql`,
      LOG_LEVEL: "info",
      ...overrides,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return watchStarted("gateway", child, port);
}

/** Runs `work` while an instance started here is frozen (SIGSTOP), and thaws it afterwards. */
export async function whileInstanceFrozen<T>(instance: StartedService, work: () => Promise<T>): Promise<T> {
  instance.child.kill("SIGSTOP");
  try {
    return await work();
  } finally {
    instance.child.kill("SIGCONT");
  }
}

/** Sends SIGTERM and resolves with how the process ended and how long it took. */
export async function terminate(service: StartedService): Promise<{ code: number | null; elapsedMs: number }> {
  const sentAt = Date.now();
  service.child.kill("SIGTERM");
  const { code } = await service.exited;
  return { code, elapsedMs: Date.now() - sentAt };
}

/**
 * Runs `work` while the harness's own instance of `service` is frozen (SIGSTOP: no requests
 * answered, no consumer heartbeat, as if its machine hung), and thaws it afterwards.
 */
export async function whileFrozen<T>(service: Service, work: () => Promise<T>): Promise<T> {
  const port = new URL(testStack().serviceUrls[service]).port;
  const listing = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  const pid = Number(/pid=(\d+)/.exec(listing)?.[1]);
  if (!(pid > 0)) throw new Error(`no process listens on ${service}'s port ${port}`);
  process.kill(pid, "SIGSTOP");
  try {
    return await work();
  } finally {
    process.kill(pid, "SIGCONT");
  }
}

/**
 * The members of a consumer group once it is Stable with exactly `count` of them: started
 * instances have joined and stopped ones have left (a killed member stays listed until its
 * session times out, 10 s).
 */
export async function stableGroupMembers(
  groupId: string,
  count: number,
  timeoutMs: number,
): Promise<MemberDescription[]> {
  const kafka = createKafka(
    "test-group-watch",
    testStack().kafkaBrokers,
    createLogger({ service: "test", level: "silent" }),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await eventually(
      async () => {
        const [group] = (await admin.describeGroups([groupId])).groups;
        return group?.state === "Stable" && group.members.length === count ? group.members : undefined;
      },
      timeoutMs,
      `${count} members in consumer group ${groupId}`,
    );
  } finally {
    await admin.disconnect();
  }
}
