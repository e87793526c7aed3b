import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS, type Actor } from "@support/actor-context";
import {
  createWorkspace,
  errorCodes,
  graphql,
  internalContext,
  signedContext,
  signUp,
  testStack,
  type SignedUpUser,
} from "../harness/stack.js";

/**
 * Issue 19 (3, 4): what an attacker at the edge or inside the network could still do.
 * - Internal routes took any gateway-signed context, including the anonymous one every anonymous
 *   gateway request carries: now they take only contexts signed for a service-to-service call.
 * - The gateway's download route forwarded a token of `..` into a service's path.
 * - A body over the gateway's limit, sent at once (Node's fetch), got a reset instead of a 413.
 * - Two simultaneous deleteWorkspace calls: the loser could get FORBIDDEN instead of NOT_FOUND.
 */

type Service = "identity" | "workspace" | "ticketing" | "billing" | "audit";
interface Route {
  url: string;
  methods: string[];
}

/** Sends exactly the given path (fetch would normalise `..` and `%2E%2E`) and reads the answer. */
function send(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...options.headers },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const gatewayBase = () => new URL(testStack().gatewayUrl).origin;

let routes: Record<Service, Route[]>;

/** Every internal route of every service, each method, its parameters filled in. */
const internalRoutes = () =>
  (Object.entries(routes) as Array<[Service, Route[]]>).flatMap(([service, list]) =>
    list
      .filter((route) => route.url.startsWith("/internal/"))
      .flatMap((route) =>
        route.methods
          .filter((method) => method !== "HEAD" && method !== "OPTIONS")
          .map((method) => ({ service, method, url: route.url, path: route.url.replace(/:\w+/g, randomUUID()) })),
      ),
  );

function bodyFor(url: string, method: string): unknown {
  if (method === "GET") return undefined;
  if (url === "/internal/authenticate") return { token: "sess_abc123" };
  if (url === "/internal/api-keys/authenticate") return { key: "sk_abcdefgh_secret" };
  return { workspaceId: randomUUID(), workspaceIds: [randomUUID()], userIds: [randomUUID()], set: [], remove: [] };
}

describe("internal routes take only contexts signed for a service-to-service call", () => {
  let owner: SignedUpUser;
  let workspaceId: string;
  let gatewaySigned: Array<[string, string]>;
  beforeAll(async () => {
    owner = await signUp();
    workspaceId = await createWorkspace(owner.token, `Audiences ${Date.now()}`);
    const ownerActor: Actor = {
      kind: "user",
      userId: owner.userId,
      organisationId: owner.organisationId,
      orgRole: "ORG_ADMIN",
      sessionId: randomUUID(),
    };
    // What every anonymous gateway request carries, and what an org admin's requests carry.
    gatewaySigned = [
      ["the anonymous context", await signedContext(ANONYMOUS)],
      ["an org admin's context", await signedContext(ownerActor)],
    ];
  }, 60_000);

  test("the internal routes of the attack report refuse the gateway's contexts", async () => {
    const known: Array<[Service, string, string]> = [
      ["identity", "POST", "/internal/authenticate"],
      ["identity", "POST", "/internal/people/query"],
      ["workspace", "POST", "/internal/permissions"],
      ["workspace", "POST", "/internal/memberships/query"],
      ["workspace", "POST", "/internal/memberships/apply"],
      ["workspace", "POST", "/internal/api-keys/authenticate"],
      ["workspace", "POST", "/internal/assignees/directory"],
      ["audit", "GET", `/internal/downloads/${randomUUID()}`],
    ];
    const accepted: string[] = [];
    for (const [service, method, path] of known) {
      for (const [label, context] of gatewaySigned) {
        const { status } = await send(testStack().serviceUrls[service], method, path, {
          body: bodyFor(path, method),
          headers: { [ACTOR_CONTEXT_HEADER]: context },
        });
        if (status !== 401 && status !== 403) accepted.push(`${service} ${method} ${path} with ${label}: ${status}`);
      }
    }
    expect(accepted).toEqual([]);
  });

  describe("on every internal route, as test/harness/list-routes.ts lists them", () => {
    beforeAll(() => {
      const listed = spawnSync(process.execPath, ["--import", "tsx", "harness/list-routes.ts"], {
        cwd: new URL("../", import.meta.url).pathname,
        encoding: "utf8",
      });
      if (listed.status !== 0) throw new Error(`listing routes failed: ${listed.stderr}`);
      routes = JSON.parse(listed.stdout.trim().split("\n").at(-1) ?? "{}") as Record<Service, Route[]>;
    }, 120_000);

    test("the route list has the internal routes this suite is about", () => {
      const listed = internalRoutes().map(({ service, url }) => `${service} ${url}`);
      expect(listed).toEqual(
        expect.arrayContaining([
          "identity /internal/authenticate",
          "workspace /internal/permissions",
          "workspace /internal/api-keys/authenticate",
          "workspace /internal/memberships/apply",
          "audit /internal/downloads/:token",
          // Whose a plain download link is, and its credential checked again (docs/adr/0009).
          "audit /internal/download-requesters/:token",
          "workspace /internal/download-requesters/:token",
          "identity /internal/sessions/check",
          "workspace /internal/api-keys/check",
          // Whether an invitation is recorded, for seats an inviteUser that died left reserved.
          "identity /internal/invitations/known",
        ]),
      );
    });

    test("a context signed as the gateway signs it is refused on every internal route of every service", async () => {
      const accepted: string[] = [];
      for (const { service, method, url, path } of internalRoutes()) {
        for (const [label, context] of gatewaySigned) {
          const { status, text } = await send(testStack().serviceUrls[service], method, path, {
            body: bodyFor(url, method),
            headers: { [ACTOR_CONTEXT_HEADER]: context },
          });
          if (status !== 401 && status !== 403)
            accepted.push(`${service} ${method} ${url} with ${label}: ${status} ${text.slice(0, 80)}`);
        }
      }
      expect(accepted).toEqual([]);
    }, 120_000);
  });

  test("the gateway has no internal route: revocations reach it through Kafka, whatever context is sent", async () => {
    const internal = await internalContext(ANONYMOUS);
    for (const context of [...gatewaySigned.map(([, signed]) => signed), internal]) {
      const { status } = await send(gatewayBase(), "POST", "/internal/credentials/revoked", {
        body: { userIds: [randomUUID()] },
        headers: { [ACTOR_CONTEXT_HEADER]: context },
      });
      expect(status).toBe(404);
    }
  });

  test("the same calls signed for an internal route get through the check (the refusal above is the audience)", async () => {
    const context = await internalContext(ANONYMOUS);
    expect(
      await send(testStack().serviceUrls.identity, "POST", "/internal/authenticate", {
        body: { token: "sess_abc123" },
        headers: { [ACTOR_CONTEXT_HEADER]: context },
      }),
    ).toEqual({ status: 200, text: JSON.stringify({ actor: null }) });
  });

  test("GraphQL routes refuse a context signed for an internal call", async () => {
    const context = await internalContext(ANONYMOUS);
    for (const service of ["identity", "workspace", "ticketing", "billing", "audit"] as const) {
      const { status } = await send(testStack().serviceUrls[service], "POST", "/graphql", {
        body: { query: "{ __typename }" },
        headers: { [ACTOR_CONTEXT_HEADER]: context },
      });
      expect({ service, status }).toEqual({ service, status: 401 });
    }
  });

  test("calls between services still work through the gateway (permissions, people, assignees)", async () => {
    const result = await graphql<{ myPermissions: string[] }>("query($w: ID!) { myPermissions(workspaceId: $w) }", {
      token: owner.token,
      variables: { w: workspaceId },
    });
    expect(result.errors).toBeUndefined();
    const ticket = await graphql<{ createTicket: { id: string } }>(
      `
        mutation ($w: ID!, $a: ID!) {
          createTicket(workspaceId: $w, input: { title: "Across services", assigneeId: $a }) {
            id
          }
        }
      `,
      { token: owner.token, variables: { w: workspaceId, a: owner.userId } },
    );
    expect(ticket.errors).toBeUndefined();
  });
});

describe("the gateway's download route takes only the download-token format", () => {
  let owner: SignedUpUser;
  beforeAll(async () => {
    owner = await signUp();
  });

  test.each([
    "/downloads/audit/..%2F..",
    "/downloads/audit/..%2F..%2Fgraphql",
    "/downloads/audit/%2E%2E",
    "/downloads/audit/%2e%2e",
    "/downloads/workspace/%2E%2E",
    "/downloads/audit/.",
    "/downloads/audit/%2E",
    "/downloads/audit/..%2Finternal%2Fpermissions",
    "/downloads/audit/..%5C..",
    `/downloads/audit/${randomUUID().replaceAll("-", ".")}`,
    `/downloads/audit/..${"a".repeat(36)}.current.${"0".repeat(64)}`,
  ])("%s is 404/400 and shows nothing of a service, with a header or as a plain link", async (path) => {
    for (const headers of [{ authorization: `Bearer ${owner.token}` }, {}] as Array<Record<string, string>>) {
      const { status, text } = await send(gatewayBase(), "GET", path, { headers });
      expect([400, 404]).toContain(status);
      expect(text).not.toMatch(/internal|Route |not found:|GET:/i);
    }
  });
});

describe("a body over the gateway's limit", () => {
  test.each([
    ["6 MiB", 6 * 1024 * 1024],
    ["24 MiB", 24 * 1024 * 1024],
  ])(
    "sent at once with fetch (%s) is a readable 413 with BAD_USER_INPUT",
    async (_, size) => {
      const response = await fetch(testStack().gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }", variables: { padding: "x".repeat(size) } }),
      });
      expect(response.status).toBe(413);
      const body = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code).toBe("BAD_USER_INPUT");
      expect(body.errors[0]?.message).toMatch(/larger than/);
      // The gateway is still answering on new connections.
      expect((await graphql("{ __typename }")).status).toBe(200);
    },
    60_000,
  );

  test("streamed without a length (chunked), it is a readable 413 too", async () => {
    const chunk = new TextEncoder().encode("x".repeat(1024 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }","variables":{"padding":"'));
      },
      pull(controller) {
        if (sent >= 8) {
          controller.enqueue(new TextEncoder().encode('"}}'));
          controller.close();
          return;
        }
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(testStack().gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(
      ((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code,
    ).toBe("BAD_USER_INPUT");
  }, 60_000);
});

describe("two simultaneous deleteWorkspace calls", () => {
  const DELETE = `mutation($w: ID!, $n: String!) { deleteWorkspace(id: $w, confirmName: $n) { workspaceId } }`;

  test("one deletes, every other is NOT_FOUND (never FORBIDDEN), round after round", async () => {
    const owner = await signUp();
    const outcomes: string[][] = [];
    for (let round = 0; round < 10; round += 1) {
      const name = `Raced ${round} ${Date.now()}`;
      const workspaceId = await createWorkspace(owner.token, name);
      const results = await Promise.all(
        Array.from({ length: 2 }, () =>
          graphql(DELETE, { token: owner.token, variables: { w: workspaceId, n: name } }),
        ),
      );
      outcomes.push(results.map((r) => (r.data ? "ok" : errorCodes(r).join())).sort());
    }
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => ["NOT_FOUND", "ok"]));
  }, 180_000);
});

describe("the gateway's query plan", () => {
  test("a client asking for it with Apollo-Query-Plan-Experimental gets the answer without it", async () => {
    const user = await signUp();
    const response = await fetch(testStack().gatewayUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${user.token}`,
        "apollo-query-plan-experimental": "1",
      },
      body: JSON.stringify({ query: "{ me { id } workspaces { nodes { id } } }" }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data?: { me?: { id: string } }; extensions?: Record<string, unknown> };
    expect(body.data?.me?.id).toBe(user.userId);
    expect(body.extensions?.queryPlan).toBeUndefined();
    expect(body.extensions?.queryPlanMermaid).toBeUndefined();
  });
});
