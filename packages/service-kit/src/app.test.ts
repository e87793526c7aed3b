import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS, signActorContext } from "@support/actor-context";
import { createLogger } from "@support/logger";
import { PUBLIC_ROUTE, createServiceApp, requireActorContext } from "./app.js";

const current = { kid: "current", secret: "c".repeat(32) };
const previous = { kid: "previous", secret: "p".repeat(32) };

const app = createServiceApp({ logger: createLogger({ service: "test", level: "silent" }), readiness: {} });
requireActorContext(app, [current, previous]);
/** A handler that does real work with the actor: what any internal route does. */
app.post("/internal/whoami", async (request) => ({ kind: request.actor.kind }));
/** A public route that wrongly reads the actor: it must be refused, never see null. */
app.post("/webhooks/careless", PUBLIC_ROUTE, async (request) => ({ kind: request.actor.kind }));
app.post("/webhooks/broken", PUBLIC_ROUTE, async () => {
  throw new TypeError("Cannot read properties of null (reading 'kind') at /srv/secret/path.ts");
});

let port: number;
beforeAll(async () => {
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => app.close());

/** Sends exactly this path (fetch would normalise it). */
function send(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ statusCode: number; json(): unknown }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ statusCode: response.statusCode ?? 0, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(method === "POST" ? "{}" : undefined);
  });
}
const post = (path: string, headers: Record<string, string> = {}) =>
  send("POST", path, { "content-type": "application/json", ...headers });

describe("routes of a service", () => {
  test.each([
    "/internal/whoami",
    "/%69nternal/whoami",
    "/internal/whoam%69",
    "/internal/%77%68%6f%61%6d%69",
    "/internal/whoami?x=1",
  ])("%s without a context is refused by the check", async (url) => {
    const response = await post(url);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({
      errors: [{ message: "Missing actor context", extensions: { code: "UNAUTHENTICATED" } }],
    });
  });

  test.each([
    "//internal/whoami",
    "/internal//whoami",
    "/internal/whoami/",
    "/INTERNAL/WHOAMI",
    "/x/../internal/whoami",
  ])("%s is not the route: 404", async (url) => {
    expect((await post(url)).statusCode).toBe(404);
  });

  test("a context signed by any configured key reaches the handler; an unknown key does not", async () => {
    for (const key of [current, previous]) {
      const response = await post("/%69nternal/whoami", {
        [ACTOR_CONTEXT_HEADER]: await signActorContext(ANONYMOUS, key, { audience: "internal" }),
      });
      expect(response.json()).toEqual({ kind: "anonymous" });
    }
    // The gateway's audience is for GraphQL routes only, however the internal path is spelled.
    const forGateway = await post("/%69nternal/whoami", {
      [ACTOR_CONTEXT_HEADER]: await signActorContext(ANONYMOUS, current),
    });
    expect(forGateway.statusCode).toBe(401);
    const retired = await signActorContext(
      ANONYMOUS,
      { kid: "retired", secret: current.secret },
      { audience: "internal" },
    );
    expect((await post("/internal/whoami", { [ACTOR_CONTEXT_HEADER]: retired })).statusCode).toBe(401);
  });

  test("a public route that reads the actor gets UNAUTHENTICATED, not null", async () => {
    const response = await post("/webhooks/careless");
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
  });

  test("a handler that throws is answered 500 without its message, and the app keeps serving", async () => {
    const response = await post("/webhooks/broken");
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
    });
    expect((await send("GET", "/health")).json()).toEqual({ status: "ok" });
  });
});
