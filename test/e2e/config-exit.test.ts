import { spawn } from "node:child_process";
import { describe, expect, test } from "@jest/globals";

const ROOT = new URL("../../", import.meta.url).pathname;

/** A complete, valid environment for a subgraph service; each case breaks one variable. */
const VALID_SERVICE_ENV: Record<string, string> = {
  PORT: "0",
  HOST: "127.0.0.1",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:1/never_used",
  KAFKA_BROKERS: "127.0.0.1:1",
  ACTOR_CONTEXT_KEYS: `test:${"x".repeat(32)}`,
  WORKSPACE_SERVICE_URL: "http://127.0.0.1:1",
  IDENTITY_SERVICE_URL: "http://127.0.0.1:1",
  LOG_LEVEL: "silent",
};

/**
 * Starts `<dir>/src/server.ts` as the stack does, with only the given variables (plus PATH and
 * HOME, so nothing leaks in from the test run's own environment), and waits for it to exit.
 */
function runServer(dir: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: `${ROOT}${dir}`,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    // A process that got past its configuration would listen forever: that is a failure too.
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function without(env: Record<string, string>, name: string): Record<string, string> {
  const copy = { ...env };
  delete copy[name];
  return copy;
}

describe("a service with a bad environment exits 78 (EX_CONFIG) naming the variable", () => {
  test.each([
    ["DATABASE_URL unset", without(VALID_SERVICE_ENV, "DATABASE_URL"), /DATABASE_URL is not set/],
    [
      "KAFKA_BROKERS without a port",
      { ...VALID_SERVICE_ENV, KAFKA_BROKERS: "localhost" },
      /KAFKA_BROKERS is malformed/,
    ],
    ["KAFKA_BROKERS empty", { ...VALID_SERVICE_ENV, KAFKA_BROKERS: "" }, /KAFKA_BROKERS is malformed/],
    ["PORT not a number", { ...VALID_SERVICE_ENV, PORT: "eighty" }, /PORT is malformed/],
    ["PORT out of range", { ...VALID_SERVICE_ENV, PORT: "65536" }, /PORT is malformed/],
    ["PORT empty", { ...VALID_SERVICE_ENV, PORT: "" }, /PORT is malformed/],
  ])("billing: %s", async (_case, env, message) => {
    const { code, stderr } = await runServer("services/billing", env);
    expect(stderr).toMatch(/^Invalid configuration:/);
    expect(stderr).toMatch(message);
    expect(code).toBe(78);
  });

  test.each(["identity", "workspace", "ticketing", "audit"])("%s: DATABASE_URL unset", async (service) => {
    const { code, stderr } = await runServer(`services/${service}`, without(VALID_SERVICE_ENV, "DATABASE_URL"));
    expect(stderr).toMatch(/DATABASE_URL is not set/);
    expect(code).toBe(78);
  });

  test("gateway: a subgraph URL unset and PORT malformed are both named", async () => {
    const { code, stderr } = await runServer("gateway", {
      PORT: "http",
      ACTOR_CONTEXT_KEYS: `test:${"x".repeat(32)}`,
      LOG_LEVEL: "silent",
      WORKSPACE_URL: "http://127.0.0.1:1/graphql",
      TICKETING_URL: "http://127.0.0.1:1/graphql",
      BILLING_URL: "http://127.0.0.1:1/graphql",
      AUDIT_URL: "http://127.0.0.1:1/graphql",
    });
    expect(stderr).toMatch(/IDENTITY_URL is not set/);
    expect(stderr).toMatch(/PORT is malformed/);
    expect(code).toBe(78);
  });
});
