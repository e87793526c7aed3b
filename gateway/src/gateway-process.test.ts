import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";

// The gateway runs as its own process (as in production), with every subgraph URL pointing at
// a server that accepts connections and never answers.
const ROOT = new URL("../../", import.meta.url).pathname;
let hung: Server;
const held: Socket[] = [];
let gateway: ChildProcess;
let gatewayUrl: string;
let gatewayLog = "";

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  hung = createServer((socket) => {
    held.push(socket);
  });
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(hung.address() as { port: number }).port}/graphql`;
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  gateway = spawn(`${ROOT}node_modules/.bin/tsx`, ["gateway/src/server.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      ACTOR_CONTEXT_KEYS: "test:a-test-secret-of-at-least-32-characters!",
      // Nothing listens there: the gateway serves without its credential cache (docs/adr/0011).
      KAFKA_BROKERS: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: "info",
      IDENTITY_URL: url,
      WORKSPACE_URL: url,
      TICKETING_URL: url,
      BILLING_URL: url,
      AUDIT_URL: url,
      SUBGRAPH_TIMEOUT_MS: "300",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("gateway did not start")), 30_000);
    gateway.stdout?.on("data", (chunk: Buffer) => {
      gatewayLog += chunk.toString();
      if (chunk.toString().includes("gateway ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    gateway.on("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
  });
});

afterAll(async () => {
  if (gateway.exitCode === null) {
    const exited = new Promise((resolve) => gateway.once("exit", resolve));
    gateway.kill("SIGTERM");
    await exited;
  }
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => hung.close(() => resolve()));
});

describe("the gateway when a subgraph hangs", () => {
  test("the query fails promptly with an error naming no internal address", async () => {
    const started = Date.now();
    const response = await fetch(gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "apollo-require-preflight": "true" },
      body: JSON.stringify({ query: "{ me { id } }" }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    const body = (await response.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(body.errors)).not.toMatch(/127\.0\.0\.1/);
    expect(body.errors?.[0]?.extensions?.code).toBe("SERVICE_UNAVAILABLE");
  });
});

describe("the gateway's request log", () => {
  test("a GraphQL GET's variables (passwords, tokens) never reach the log", async () => {
    const variables = JSON.stringify({ input: { email: "a@example.test", password: "SECRET-PASSWORD-1" } });
    const query = "mutation($input: LogInInput!) { logIn(input: $input) { token } }";
    const params = new URLSearchParams({ query, variables });
    await fetch(`${gatewayUrl}?${params}`, { headers: { "apollo-require-preflight": "true" } });
    // Lines are written in batches (at most 250 ms apart): wait for this request's.
    const getCompleted = () => /"method":"GET"[^\n]*"request completed"/.test(gatewayLog);
    for (const deadline = Date.now() + 5_000; !getCompleted() && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(gatewayLog).toContain("request completed");
    expect(gatewayLog).toContain('"url":"/graphql?[redacted]"');
    expect(gatewayLog).not.toContain("SECRET-PASSWORD-1");
  });
});
