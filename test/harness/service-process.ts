import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { localAuditSigningKeys } from "@support/infra/stack";
import { runtimeDatabaseUrl } from "@support/infra/db/roles";
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
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    cwd: `${ROOT}services/${service}`,
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
      ...(service === "audit" ? { AUDIT_SIGNING_KEYS: localAuditSigningKeys() } : {}),
      ...overrides,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
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
      if (child.exitCode !== null) throw new Error(`${service} exited with ${child.exitCode}:\n${output}`);
      return (await fetch(`${instance.url}/health`)).ok ? true : undefined;
    },
    45_000,
    `${service} on port ${port} to answer /health`,
  );
  return instance;
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
