import { spawnSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, test } from "@jest/globals";
import { ACTOR_CONTEXT_HEADER, ANONYMOUS } from "@support/actor-context";
import {
  changedWithin,
  createWorkspace,
  graphql,
  graphqlOk,
  internalContext,
  signedContext,
  signUp,
  testStack,
} from "../harness/stack.js";

type Service = "identity" | "workspace" | "ticketing" | "billing" | "audit";
interface Route {
  url: string;
  methods: string[];
}

/** Sends exactly the given path (fetch would normalise it) and reads the answer. */
function send(
  service: Service,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string }> {
  const url = new URL(testStack().serviceUrls[service]);
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

/** What a handler would act on if it were reached: enough for it to do real work. */
function bodyFor(url: string): unknown {
  if (url === "/graphql") return { query: "{ __typename }" };
  if (url === "/internal/authenticate") return { token: "sess_abc123" };
  if (url === "/internal/api-keys/authenticate") return { key: "sk_abcdefgh_secret" };
  return { workspaceId: randomUUID(), userId: randomUUID(), set: [], remove: [] };
}

/** Other spellings of one path: the router decodes or refuses them; none may skip the check. */
function spellingsOf(url: string): string[] {
  const [, first = "", ...rest] = url.split("/");
  const encode = (char: string) => `%${char.charCodeAt(0).toString(16)}`;
  const lastIndex = url.length - 1;
  const spellings = [
    url,
    `/${encode(first[0] ?? "")}${first.slice(1)}${rest.length ? `/${rest.join("/")}` : ""}`,
    `${url.slice(0, lastIndex)}${encode(url[lastIndex] ?? "")}`,
    `/${url.split("").slice(1).map(encode).join("").replaceAll("%2f", "/")}`,
    `/${url}`,
    url.replace(/\/([^/]*)$/, "//$1"),
    `${url}/`,
    url.toUpperCase(),
    `${url}?x=1`,
    `${url};x`,
    `/./${url.slice(1)}`,
    `/x/..${url}`,
    `/%2e${url}`,
    `/${url.slice(1).replaceAll("/", "%2f")}`,
  ];
  return [...new Set(spellings)];
}

/**
 * Routes declared public (`PUBLIC_ROUTE`): health checks, and Stripe's webhook, which has its own
 * signature instead of an actor context (refusals tested in billing-stripe.test.ts).
 */
const PUBLIC_ROUTES = new Set(["/health", "/ready", "/webhooks/stripe"]);

let routes: Record<Service, Route[]>;
const protectedRoutes = () =>
  (Object.entries(routes) as Array<[Service, Route[]]>).flatMap(([service, list]) =>
    list
      .filter((route) => !PUBLIC_ROUTES.has(route.url))
      .flatMap((route) =>
        route.methods.filter((method) => method !== "HEAD").map((method) => ({ service, method, url: route.url })),
      ),
  );

beforeAll(() => {
  const listed = spawnSync(process.execPath, ["--import", "tsx", "harness/list-routes.ts"], {
    cwd: new URL("../", import.meta.url).pathname,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`listing routes failed: ${listed.stderr}`);
  routes = JSON.parse(listed.stdout.trim().split("\n").at(-1) ?? "{}") as Record<Service, Route[]>;
}, 120_000);

describe("every protected route of every service, however it is spelled", () => {
  test("the route list covers each service's /graphql and the internal endpoints", () => {
    const urls = protectedRoutes().map(({ service, url }) => `${service} ${url}`);
    for (const service of ["identity", "workspace", "ticketing", "billing", "audit"]) {
      expect(urls).toContain(`${service} /graphql`);
    }
    expect(urls).toContain("identity /internal/authenticate");
    expect(urls).toContain("workspace /internal/permissions");
    expect(urls).toContain("workspace /internal/api-keys/authenticate");
  });

  test("without an actor context: 401 or 404, never a handler's answer", async () => {
    const answered: string[] = [];
    const refusedByTheCheck: string[] = [];
    for (const { service, method, url } of protectedRoutes()) {
      for (const path of spellingsOf(url)) {
        const { status, text } = await send(service, method, path, {
          body: method === "GET" || method === "OPTIONS" ? undefined : bodyFor(url),
        });
        const unauthenticated = status === 401 && text.includes('"code":"UNAUTHENTICATED"');
        if (unauthenticated) refusedByTheCheck.push(`${service} ${method} ${path}`);
        else if (status !== 404) answered.push(`${service} ${method} ${path} -> ${status} ${text.slice(0, 120)}`);
      }
    }
    expect(answered).toEqual([]);
    // The exact path and the percent-encoded ones reach the route, and the check refuses them.
    for (const { service, method, url } of protectedRoutes()) {
      expect(refusedByTheCheck).toContain(`${service} ${method} ${url}`);
      expect(refusedByTheCheck).toContain(`${service} ${method} ${spellingsOf(url)[1]}`);
    }
  }, 120_000);

  test("the requests of the attack report are refused, and the workspace service survives them", async () => {
    const hostile: Array<[Service, string, unknown]> = [
      ["identity", "/%69nternal/authenticate", { token: "sess_abc123" }],
      ["workspace", "/%69nternal/permissions", { workspaceId: randomUUID() }],
      ["workspace", "/%69nternal/permissions", { workspaceId: "not-a-uuid" }],
      ["workspace", "/internal/%70ermissions", { workspaceId: randomUUID(), include: ["seats"] }],
      ["identity", "/%67raphql", { query: "{ me { id } }" }],
      ["identity", "/graphq%6c", { query: "{ me { id } }" }],
      ["billing", "/%67raphql", { query: "{ __typename }" }],
      ["audit", "/graphq%6c", { query: "{ __typename }" }],
    ];
    for (const [service, path, body] of hostile) {
      expect((await send(service, "POST", path, { body })).status).toBe(401);
    }
  });

  test.each([
    ["an unknown key id", { kid: "retired", secret: "r".repeat(40) }],
    ["the gateway's key id with another secret", { kid: "current", secret: "w".repeat(40) }],
  ])("a context signed by %s is refused on every protected route", async (_, key) => {
    const context = await signedContext(ANONYMOUS, { key });
    for (const { service, method, url } of protectedRoutes()) {
      const { status, text } = await send(service, method, url, {
        body: method === "GET" || method === "OPTIONS" ? undefined : bodyFor(url),
        headers: { [ACTOR_CONTEXT_HEADER]: context },
      });
      expect({ service, method, url, status }).toEqual({ service, method, url, status: 401 });
      expect(JSON.parse(text)).toMatchObject({ errors: [{ extensions: { code: "UNAUTHENTICATED" } }] });
    }
  });

  test("a context signed by the second configured key (a rotation in progress) is accepted everywhere", async () => {
    const previous = testStack().actorContextKeys[1];
    expect(previous?.kid).toBe("previous");
    const context = await signedContext(ANONYMOUS, { key: previous });
    for (const service of ["identity", "workspace", "ticketing", "billing", "audit"] as const) {
      const { status, text } = await send(service, "POST", "/graphql", {
        body: { query: "{ __typename }" },
        headers: { [ACTOR_CONTEXT_HEADER]: context },
      });
      expect({ service, status, body: JSON.parse(text) as unknown }).toEqual({
        service,
        status: 200,
        body: { data: { __typename: "Query" } },
      });
    }
    const authenticated = await send("identity", "POST", "/internal/authenticate", {
      body: { token: "sess_abc123" },
      headers: { [ACTOR_CONTEXT_HEADER]: await internalContext(ANONYMOUS, { key: previous }) },
    });
    expect(authenticated).toEqual({ status: 200, text: JSON.stringify({ actor: null }) });
  });

  test("after every request above, every service still answers /health and the graph still works", async () => {
    for (const service of ["identity", "workspace", "ticketing", "billing", "audit"] as const) {
      const { status } = await send(service, "GET", "/health");
      expect({ service, status }).toEqual({ service, status: 200 });
    }
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Still standing");
    const data = await graphqlOk<{ myPermissions: string[] }>("query($w: ID!) { myPermissions(workspaceId: $w) }", {
      token: owner.token,
      variables: { w: workspaceId },
    });
    expect(data.myPermissions.length).toBeGreaterThan(0);
  });
});

describe("the gateway refusing a credential", () => {
  async function refused(authorization: string) {
    const response = await fetch(testStack().gatewayUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    return { status: response.status, codes: body.errors?.map((error) => error.extensions?.code), data: body.data };
  }

  /** Refused as below within the credential cache's 1 s bound of the change answered at `answeredAt`. */
  async function refusedWithin(answeredAt: number, authorization: string) {
    await changedWithin(
      answeredAt,
      async () => {
        const answer = await refused(authorization);
        if (answer.status === 200) return false;
        expect(answer).toEqual({ status: 401, codes: ["UNAUTHENTICATED"], data: undefined });
        return true;
      },
      "the credential",
    );
  }

  test.each(["Bearer sess_abc123", "Basic abc", "Bearer", "Bearer sk_abcdefgh_notakey", "sess_abc123"])(
    "%j: HTTP 401, UNAUTHENTICATED",
    async (authorization) => {
      expect(await refused(authorization)).toEqual({ status: 401, codes: ["UNAUTHENTICATED"], data: undefined });
    },
  );

  test("a logged-out session: HTTP 401, UNAUTHENTICATED", async () => {
    const user = await signUp();
    await graphqlOk("mutation { logOut }", { token: user.token });
    await refusedWithin(Date.now(), `Bearer ${user.token}`);
  });

  test("a revoked API key: HTTP 401, UNAUTHENTICATED", async () => {
    const owner = await signUp();
    const workspaceId = await createWorkspace(owner.token, "Keys");
    const created = await graphqlOk<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      `mutation($w: ID!) { createApiKey(workspaceId: $w, name: "edge", permissions: ["members:list"]) { key apiKey { id } } }`,
      { token: owner.token, variables: { w: workspaceId } },
    );
    const { key, apiKey } = created.createApiKey;
    const before = await graphql("query($w: ID!) { myPermissions(workspaceId: $w) }", {
      token: key,
      variables: { w: workspaceId },
    });
    expect(before.status).toBe(200);
    await graphqlOk("mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {
      token: owner.token,
      variables: { id: apiKey.id },
    });
    await refusedWithin(Date.now(), `Bearer ${key}`);
  });
});
