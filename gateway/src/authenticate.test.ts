import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { GraphQLError } from "graphql";
import { Authenticator } from "./authenticate.js";

const KEY = { kid: "test", secret: "a-test-secret-of-at-least-32-characters!" };

/** A service that accepts connections and never answers (a hung process, a stuck event loop). */
let hung: Server;
const held: Socket[] = [];
let hungUrl: string;
/** A port nobody listens on (the service is down). */
let downUrl: string;

beforeAll(async () => {
  hung = createServer((socket) => {
    held.push(socket);
  });
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  downUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => hung.close(() => resolve()));
});

async function failure(run: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await run();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected the authentication to fail");
}

describe("the gateway when identity or workspace cannot answer", () => {
  test.each([
    ["identity hangs", "sess_abc", () => hungUrl, () => downUrl],
    ["identity is down", "sess_abc", () => downUrl, () => hungUrl],
    ["workspace hangs", "sk_abcdefgh_secret", () => downUrl, () => hungUrl],
    ["workspace is down", "sk_abcdefgh_secret", () => hungUrl, () => downUrl],
  ])("%s: a clean, prompt error naming no internals", async (_, token, identity, workspace) => {
    const authenticator = new Authenticator(identity(), KEY, workspace(), { timeoutMs: 300 });
    const { error, ms } = await failure(() => authenticator.authenticate(`Bearer ${token}`, "req-1"));
    expect(ms).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(GraphQLError);
    const graphQLError = error as GraphQLError;
    expect(graphQLError.extensions.code).toBe("SERVICE_UNAVAILABLE");
    expect(graphQLError.extensions.http).toEqual({ status: 503 });
    expect(graphQLError.message).not.toMatch(/127\.0\.0\.1|internal|fetch/i);
  });
});

describe("the gateway refusing a credential it cannot read", () => {
  test.each(["Basic abc", "Bearer", "Bearer a b", "sess_abc123"])(
    "%j is UNAUTHENTICATED with HTTP 401",
    async (header) => {
      const authenticator = new Authenticator(downUrl, KEY, downUrl);
      const { error } = await failure(() => authenticator.authenticate(header, "req-1"));
      expect((error as GraphQLError).extensions).toEqual({ code: "UNAUTHENTICATED", http: { status: 401 } });
    },
  );
});
