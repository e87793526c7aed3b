import { connect } from "node:net";
import { afterAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS } from "@support/actor-context";
import { createWorkspace, eventually, graphqlOk, signedContext, signUp, testStack } from "../harness/stack.js";
import {
  freePort,
  startService,
  stopStartedServices,
  terminate,
  untilReady,
  type Service,
} from "../harness/service-process.js";

const SERVICES: Service[] = ["identity", "workspace", "ticketing", "billing", "audit"];

afterAll(stopStartedServices);

describe("health and readiness of the running stack", () => {
  const endpoints = (): Array<[string, string]> => {
    const stack = testStack();
    return [
      ...SERVICES.map((service): [string, string] => [service, stack.serviceUrls[service]]),
      ["gateway", stack.gatewayUrl.replace(/\/graphql$/, "")],
    ];
  };

  test("/health answers 200 on every service and the gateway", async () => {
    for (const [name, url] of endpoints()) {
      const response = await fetch(`${url}/health`);
      expect({ name, status: response.status, body: await response.json() }).toEqual({
        name,
        status: 200,
        body: { status: "ok" },
      });
    }
  });

  test("/ready answers 200 with every check ok while the database and Kafka are reachable", async () => {
    for (const [name, url] of endpoints()) {
      const response = await fetch(`${url}/ready`);
      const body = (await response.json()) as { status: string; checks: Record<string, string> };
      expect({ name, status: response.status, ready: body.status }).toEqual({ name, status: 200, ready: "ready" });
      const expectedChecks = name === "gateway" ? SERVICES : ["database", "kafka"];
      expect(Object.keys(body.checks).sort()).toEqual([...expectedChecks].sort());
      expect(Object.values(body.checks).every((check) => check === "ok")).toBe(true);
    }
  });
});

describe("an instance whose database is unreachable", () => {
  test("is alive (/health 200) but not ready (/ready 503 naming the database), and still stops cleanly", async () => {
    const closedPort = await freePort();
    const instance = await startService("ticketing", {
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${closedPort}/support_ticketing`,
    });

    // Kafka is reachable: once its consumers have joined their groups (a few seconds), only the
    // database keeps the instance from being ready.
    const { status, body } = await eventually(
      async () => {
        const response = await fetch(`${instance.url}/ready`);
        const ready = {
          status: response.status,
          body: (await response.json()) as { status: string; checks: Record<string, string> },
        };
        return ready.body.checks.kafka === "ok" ? ready : undefined;
      },
      30_000,
      "the instance's Kafka check",
    );
    expect(status).toBe(503);
    expect(body.status).toBe("not ready");
    expect(body.checks.database).not.toBe("ok");

    const { code, elapsedMs } = await terminate(instance);
    expect(code).toBe(0);
    expect(elapsedMs).toBeLessThan(5_000);
  }, 90_000);
});

/**
 * A GraphQL request held open on a raw socket: the headers go out at once, the body only when
 * `finish` is called, so the request is in flight for as long as the test wants.
 */
function heldRequest(
  url: string,
  headers: Record<string, string>,
  body: string,
): { finish(): void; response: Promise<{ status: number; text: string }> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const head = [
    `POST /graphql HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    `Content-Type: application/json`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "",
    "",
  ].join("\r\n");
  socket.write(head + body.slice(0, 5));
  let raw = "";
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    socket.on("data", (chunk) => {
      raw += chunk.toString();
      const [headPart, ...rest] = raw.split("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(headPart ?? "")?.[1] ?? NaN);
      const text = rest.join("\r\n\r\n");
      if (Buffer.byteLength(text) >= length) {
        resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headPart ?? "")?.[1]), text });
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`connection closed before a full response: ${JSON.stringify(raw)}`)));
  });
  response.catch(() => undefined);
  return { finish: () => socket.write(body.slice(5)), response };
}

describe("SIGTERM", () => {
  test.each(["identity", "billing"] as const)(
    "%s finishes an in-flight request, then exits 0 within 5 s",
    async (service) => {
      const instance = await startService(service);
      // An instance in service: every consumer has joined its group (/ready says so). One stopped
      // while still joining waits for the join to end and leave (bounded at 5 s, runtime.ts), which
      // is not what this test measures.
      await untilReady(instance, 45_000, `${service} ready`);
      const actorContext = await signedContext(ANONYMOUS);
      const request = heldRequest(
        instance.url,
        { [ACTOR_CONTEXT_HEADER]: actorContext },
        JSON.stringify({ query: "{ __typename }" }),
      );
      // Let the server receive the headers: from then on the request is in flight.
      await new Promise((resolve) => setTimeout(resolve, 300));

      const sentAt = Date.now();
      instance.child.kill("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(instance.child.exitCode).toBeNull(); // still waiting for the request
      request.finish();

      const response = await request.response;
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({ data: { __typename: "Query" } });

      const { code } = await instance.exited;
      const elapsedMs = Date.now() - sentAt;
      expect({ code, elapsedMs, log: code === 0 ? "" : instance.output() }).toEqual({
        code: 0,
        elapsedMs: expect.any(Number),
        log: "",
      });
      expect(elapsedMs).toBeLessThan(5_000);
      process.stdout.write(`[lifecycle] ${service}: SIGTERM -> exit 0 in ${elapsedMs} ms (incl. 500 ms in flight)\n`);
    },
    90_000,
  );
});

describe("an extra instance of a consuming service", () => {
  test("stopped right after it starts, it leaves its consumer group: the stack keeps consuming within seconds", async () => {
    const instance = await startService("billing");
    // SIGTERM while its consumer is still joining the group (it answers /health before that).
    const { code } = await terminate(instance);
    expect(code).toBe(0);

    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "After the extra instance");
    const startedAt = Date.now();
    await eventually(
      async () => {
        const data = await graphqlOk<{ workspace: { billing: { plan: string; pending: boolean } | null } }>(
          "query($id: ID!) { workspace(id: $id) { billing { plan pending } } }",
          { token: owner.token, variables: { id: workspaceId } },
        );
        return data.workspace.billing?.pending === false ? data.workspace.billing : undefined;
      },
      30_000,
      "the stack's billing to open the trial",
    );
    // A member that exits without leaving would hold its partitions for the whole session timeout (10 s).
    expect(Date.now() - startedAt).toBeLessThan(8_000);
  }, 90_000);
});
