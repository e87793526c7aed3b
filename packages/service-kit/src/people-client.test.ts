import { createServer as createHttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { ANONYMOUS } from "@support/actor-context";
import { isAppError } from "@support/errors";
import { WorkspacePeopleClient } from "./people-client.js";
import { useKeyForInternalCalls } from "./internal-call.js";

/** A workspace service that accepts connections and never answers. */
let hung: Server;
const held: Socket[] = [];
let hungUrl: string;

beforeAll(async () => {
  // Internal calls are signed for the internal audience with the service's key (docs/adr/0005).
  useKeyForInternalCalls({ kid: "test", secret: "s".repeat(32) });
  hung = createServer((socket) => {
    held.push(socket);
  });
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await new Promise<void>((resolve) => hung.close(() => resolve()));
});

describe("identity's calls to a hung workspace service", () => {
  test.each([
    ["access", (client: WorkspacePeopleClient) => client.access("6f1c2d4e-8a9b-4c3d-9e0f-1a2b3c4d5e6f")],
    ["memberships", (client: WorkspacePeopleClient) => client.memberships()],
    [
      "applyMemberships",
      (client: WorkspacePeopleClient) => client.applyMemberships({ userId: "u", set: [], remove: [] }),
    ],
    [
      "reserveInvitationSeats",
      (client: WorkspacePeopleClient) =>
        client.reserveInvitationSeats({ invitationId: "i", email: "e", expiresAt: "t", workspaces: [] }),
    ],
    ["ownedWorkspaces", (client: WorkspacePeopleClient) => client.ownedWorkspaces("u")],
  ])("%s fails promptly instead of holding the request open", async (_, call) => {
    const client = new WorkspacePeopleClient(
      hungUrl,
      { headers: {}, id: "req-1", actorContext: { actor: ANONYMOUS, clientAddress: null } },
      { timeoutMs: 300 },
    );
    const started = Date.now();
    await expect(call(client)).rejects.toThrow(/did not answer/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("identity's calls while the workspace service answers 503 (its database away)", () => {
  const unavailable = createHttpServer((_request, response) => {
    response.writeHead(503, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ errors: [{ message: "database away", extensions: { code: "SERVICE_UNAVAILABLE" } }] }),
    );
  });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => unavailable.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(unavailable.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => unavailable.close(() => resolve())));

  test.each([
    ["memberships", (client: WorkspacePeopleClient) => client.memberships()],
    [
      "applyMemberships",
      (client: WorkspacePeopleClient) => client.applyMemberships({ userId: "u", set: [], remove: [] }),
    ],
    ["ownedWorkspaces", (client: WorkspacePeopleClient) => client.ownedWorkspaces("u")],
  ])("%s is SERVICE_UNAVAILABLE (the client retries), not an internal error", async (_, call) => {
    const client = new WorkspacePeopleClient(url, {
      headers: {},
      id: "req-2",
      actorContext: { actor: ANONYMOUS, clientAddress: null },
    });
    const failure = await call(client).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isAppError(failure) ? failure.code : failure).toBe("SERVICE_UNAVAILABLE");
  });
});

describe("identity's calls to a workspace service that stalls halfway through its answer", () => {
  // The headers and the first half of the body, then nothing: the timeout covers reading the body too.
  const stalling = createHttpServer((_request, response) => {
    response.writeHead(200, { "content-type": "application/json", "content-length": "64" });
    response.write('{"memberships":[');
  });
  let url: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => stalling.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(stalling.address() as { port: number }).port}`;
  });
  afterAll(() => {
    stalling.closeAllConnections();
    return new Promise<void>((resolve) => stalling.close(() => resolve()));
  });

  test("fails promptly as SERVICE_UNAVAILABLE instead of holding the request open", async () => {
    const client = new WorkspacePeopleClient(
      url,
      { headers: {}, id: "req-3", actorContext: { actor: ANONYMOUS, clientAddress: null } },
      { timeoutMs: 300 },
    );
    const started = Date.now();
    const failure = await client.memberships().then(
      () => null,
      (error: unknown) => error,
    );
    expect(isAppError(failure) ? failure.code : failure).toBe("SERVICE_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
