import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { SCHEMA_QUERY } from "@support/gateway";
import { changedWithin, createWorkspace, graphqlOk, signUp, testStack, type SignedUpUser } from "../harness/stack.js";
import { startDevGateway } from "../harness/dev-gateway.js";

/**
 * The gateway as a browser app meets it (issue 20): CORS from CORS_ORIGINS (the test stack, like
 * `npm start`, allows the usual local dev origins), Apollo's CSRF refusal kept for simple
 * requests, the cost limit with variables and `extensions.cost`, subscriptions refused with 400,
 * GraphiQL in development (its files an allow-list; test/browser drives it in Chromium), and export links followed as plain links (no header), once.
 */

const APP = "http://localhost:5173";
const gatewayOrigin = () => new URL(testStack().gatewayUrl).origin;
const graphqlUrl = () => testStack().gatewayUrl;

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
    extensions?: Record<string, unknown>;
  };
}

async function post(
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; origin?: string; url?: string } = {},
): Promise<Answer> {
  const response = await fetch(options.url ?? graphqlUrl(), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: JSON.stringify({ query, variables: options.variables ?? {} }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer["body"] };
}

const preflight = (path: string, origin: string, method = "POST", headers = "content-type, authorization") =>
  fetch(`${gatewayOrigin()}${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });

const codes = (answer: Answer) => answer.body.errors?.map((error) => error.extensions?.code);

describe("CORS for an allowed origin", () => {
  test("a preflight of POST /graphql: 204 with the exact origin, methods, headers, max-age, credentials, Vary", async () => {
    const response = await preflight("/graphql", APP, "POST", "content-type, authorization, apollo-require-preflight");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(response.headers.get("access-control-allow-headers")).toMatch(/authorization/);
    expect(response.headers.get("access-control-allow-headers")).toMatch(/content-type/);
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(response.headers.get("vary")).toMatch(/Origin/);
  });

  test("then the request: answered with the exact origin (never *) and readable rate-limit headers", async () => {
    const owner = await signUp();
    const answer = await post("{ me { id } }", { token: owner.token, origin: APP });
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ me: { id: owner.userId } });
    expect(answer.headers.get("access-control-allow-origin")).toBe(APP);
    expect(answer.headers.get("access-control-allow-credentials")).toBe("true");
    expect(answer.headers.get("access-control-expose-headers")).toMatch(/retry-after/i);
    expect(answer.headers.get("vary")).toMatch(/Origin/);
  });

  test("127.0.0.1:5173 and localhost:3000 are allowed too (the local dev servers)", async () => {
    for (const origin of ["http://127.0.0.1:5173", "http://localhost:3000"]) {
      const response = await preflight("/graphql", origin);
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe(origin);
    }
  });
});

describe("CORS for any other origin", () => {
  test.each([
    ["another site", "https://evil.example"],
    ["Origin null", "null"],
    ["a trailing slash", `${APP}/`],
    ["another port", "http://localhost:5174"],
    ["upper case", "http://LOCALHOST:5173"],
    ["https instead of http", "https://localhost:5173"],
    ["a longer host", "http://localhost:5173.evil.example"],
  ])("%s: preflight 403 without any allow header; a request gets no ACAO", async (_, origin) => {
    const response = await preflight("/graphql", origin);
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-methods")).toBeNull();
    const answer = await post("{ __typename }", { origin });
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
  });

  test("an allowed origin asking for a method or header the gateway does not take: 403", async () => {
    expect((await preflight("/graphql", APP, "DELETE")).status).toBe(403);
    expect((await preflight("/graphql", APP, "POST", "content-type, x-evil")).status).toBe(403);
  });

  test("CSRF: a simple request (no preflight-forcing header) is still refused, from any origin", async () => {
    for (const origin of [APP, "https://evil.example"]) {
      const simplePost = await fetch(graphqlUrl(), {
        method: "POST",
        headers: { "content-type": "text/plain", origin },
        body: JSON.stringify({ query: "mutation { logOut }" }),
      });
      expect(simplePost.status).toBe(400);
      expect(await simplePost.text()).toMatch(/CSRF|preflight/i);
      const simpleGet = await fetch(`${graphqlUrl()}?query=${encodeURIComponent("{ __typename }")}`, {
        headers: { origin },
      });
      expect(simpleGet.status).toBe(400);
    }
    // With the header that forces a preflight, a GET query is served.
    const get = await fetch(`${graphqlUrl()}?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { origin: APP, "apollo-require-preflight": "true" },
    });
    expect(get.status).toBe(200);
  });
});

describe("operation limits as a client sees them", () => {
  const USERS = "query($n: Int) { users(first: $n) { nodes { id email } } }";

  test("the cost limit holds with variables: first: $n with n = 1000 is refused like the literal", async () => {
    const owner = await signUp();
    for (const answer of [
      await post(USERS, { token: owner.token, variables: { n: 1000 } }),
      await post("{ users(first: 1000) { nodes { id email } } }", { token: owner.token }),
    ]) {
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(["BAD_USER_INPUT"]);
      const [error] = answer.body.errors ?? [];
      expect(error?.message).not.toMatch(/Syntax Error/);
      expect(error?.message).toMatch(/over the limit of 5000/);
      expect(error?.extensions?.cost).toEqual({ requestedQueryCost: expect.any(Number), maximumAvailable: 5000 });
      expect(answer.body.data).toBeUndefined();
    }
  });

  test("every answer says what the operation cost and the limit (extensions.cost)", async () => {
    const owner = await signUp();
    const answer = await post(USERS, { token: owner.token, variables: { n: 5 } });
    expect(answer.status).toBe(200);
    const cost = answer.body.extensions?.cost as { requestedQueryCost: number; maximumAvailable: number };
    expect(cost.maximumAvailable).toBe(5000);
    expect(cost.requestedQueryCost).toBeGreaterThan(0);
    expect(cost.requestedQueryCost).toBeLessThan(5000);
  });

  test("a list's page size left out is costed as the page the service gives (50, every connection's), not as one item", async () => {
    const owner = await signUp();
    const w = await createWorkspace(owner.token, "Cost of defaults");
    const costOf = async (query: string) => {
      const answer = await post(query, { token: owner.token, variables: { w } });
      expect(answer.status).toBe(200);
      return (answer.body.extensions?.cost as { requestedQueryCost: number }).requestedQueryCost;
    };
    const implicit = await costOf("query($w: ID!) { activityLog(workspaceId: $w) { nodes { id summary } } }");
    const explicit = await costOf(
      "query($w: ID!) { activityLog(workspaceId: $w, first: 50) { nodes { id summary } } }",
    );
    expect(implicit).toBe(explicit);
    expect(implicit).toBeGreaterThan(
      await costOf("query($w: ID!) { activityLog(workspaceId: $w, first: 1) { nodes { id summary } } }"),
    );
  });

  test("a subscription is refused: HTTP 400, BAD_REQUEST, not a 500", async () => {
    for (const query of ["subscription { me { id } }", "subscription S { ticketChanged { id } }"]) {
      const answer = await post(query);
      expect(answer.status).toBe(400);
      expect(codes(answer)).toEqual(["BAD_REQUEST"]);
      expect(answer.body.errors?.[0]?.message).toMatch(/subscription operations are not served/);
    }
  });

  test("introspection refused in production names GATEWAY_INTROSPECTION, not an ApolloServer option", async () => {
    const answer = await post("{ __schema { queryType { name } } }");
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(["GRAPHQL_VALIDATION_FAILED"]);
    expect(answer.body.errors?.[0]?.message).toMatch(/GATEWAY_INTROSPECTION/);
    expect(JSON.stringify(answer.body)).not.toMatch(/ApolloServer/);
  });

  test("a limit on rate (the 60-second export allowance): HTTP 429 with Retry-After and RateLimit headers", async () => {
    const owner = await signUp();
    const w = await createWorkspace(owner.token, "Rate headers");
    const EXPORT = "mutation($w: ID!) { exportActivityLog(workspaceId: $w) { url } }";
    expect((await post(EXPORT, { token: owner.token, variables: { w } })).status).toBe(200);
    const refused = await post(EXPORT, { token: owner.token, variables: { w }, origin: APP });
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(["RATE_LIMITED"]);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(refused.headers.get("ratelimit-reset")).toBe(String(retryAfter));
    expect(refused.headers.get("ratelimit-limit")).toBe("1");
    expect(refused.headers.get("ratelimit-policy")).toBe("1;w=60");
    expect(refused.headers.get("access-control-allow-origin")).toBe(APP);
  });
});

describe("the gateway's front door", () => {
  let devGateway: Awaited<ReturnType<typeof startDevGateway>>;
  let devOrigin: string;

  beforeAll(async () => {
    devGateway = await startDevGateway();
    devOrigin = devGateway.origin;
  });

  afterAll(async () => {
    await devGateway.close();
  });

  test("development: GET / and a browser's GET /graphql give GraphiQL; its schema query passes the limits", async () => {
    for (const path of ["/", "/graphql"]) {
      const response = await fetch(`${devOrigin}${path}`, { headers: { accept: "text/html,*/*" } });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/text\/html/);
      // No inline script or style at all: scripts and styles from this origin only.
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      expect(csp).toMatch(/style-src 'self'(;|$)/);
      expect(csp).toMatch(/connect-src 'self'(;|$)/);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|nonce-|https?:/);
      const html = await response.text();
      expect(html).toMatch(/GraphiQL/);
      expect(html).not.toMatch(/<script>|<style|style=/);
      // Every script and stylesheet is a file of this gateway, and each is served (the icon is
      // an empty data: URL, so the browser asks for no /favicon.ico).
      const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
        .map((match) => match[1] ?? "")
        .filter((source) => source !== "data:,");
      expect(sources.length).toBeGreaterThanOrEqual(5);
      for (const source of sources) {
        expect(source).toMatch(/^\/graphiql\/[\w.-]+$/);
        const file = await fetch(`${devOrigin}${source}`);
        expect([source, file.status]).toEqual([source, 200]);
        expect(file.headers.get("content-type")).toMatch(source.endsWith(".css") ? /text\/css/ : /text\/javascript/);
        expect(file.headers.get("x-content-type-options")).toBe("nosniff");
        await file.arrayBuffer();
      }
    }
    const schema = await post(SCHEMA_QUERY, { url: `${devOrigin}/graphql` });
    expect(schema.status).toBe(200);
    expect(schema.body.errors).toBeUndefined();
    expect(JSON.stringify(schema.body.data)).toMatch(/"Query"/);
    // A GraphQL GET still reaches Apollo.
    const get = await fetch(`${devOrigin}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "text/html, application/json", "apollo-require-preflight": "true" },
    });
    expect(await get.json()).toEqual({ data: { __typename: "Query" }, extensions: expect.anything() });
  });

  test("development: the IDE's files are an allow-list: no listing, no other file of node_modules, no traversal", async () => {
    const unchanged = await fetch(`${devOrigin}/graphiql/graphiql.min.js`);
    const etag = unchanged.headers.get("etag");
    await unchanged.arrayBuffer();
    expect(etag).toBeTruthy();
    const revalidated = await fetch(`${devOrigin}/graphiql/graphiql.min.js`, { headers: { "if-none-match": etag! } });
    expect(revalidated.status).toBe(304);
    for (const path of [
      "/graphiql/",
      "/graphiql",
      "/graphiql/package.json",
      "/graphiql/graphiql.js",
      "/graphiql/react.development.js",
      "/graphiql/..%2Fpackage.json",
      "/graphiql/..%2F..%2Fpackage.json",
      "/graphiql/%2E%2E%2Fsrc%2Fapp.ts",
      "/graphiql/../package.json",
      "/graphiql/react/package.json",
      "/graphiql/constructor",
      "/graphiql/__proto__",
    ]) {
      const response = await fetch(`${devOrigin}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
      expect(await response.text()).not.toMatch(/"name"|import |function/);
    }
  });

  test("production: GET / is a short JSON pointing to POST /graphql; no page at GET /graphql", async () => {
    const root = await fetch(`${gatewayOrigin()}/`, { headers: { accept: "text/html" } });
    expect(root.status).toBe(200);
    expect(await root.json()).toMatchObject({ graphql: { method: "POST", path: "/graphql" } });
    const page = await fetch(graphqlUrl(), { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type")).not.toMatch(/text\/html/);
    expect(page.status).toBe(400);
    // None of the IDE's files either.
    for (const name of ["graphiql.min.js", "react.production.min.js", "ide.js", "graphiql.min.css"]) {
      const file = await fetch(`${gatewayOrigin()}/graphiql/${name}`);
      expect([name, file.status]).toEqual([name, 404]);
      await file.arrayBuffer();
    }
  });
});

describe("export links a browser can follow", () => {
  const EXPORT = "mutation($w: ID!) { exportActivityLog(workspaceId: $w) { exportId url expiresAt nextAllowedAt } }";
  const RENEW = "mutation($e: ID!) { renewActivityLogExportLink(id: $e) { exportId url expiresAt } }";
  let owner: SignedUpUser;
  let workspaceId: string;

  const follow = (url: string, headers: Record<string, string> = {}) =>
    fetch(url.startsWith("http") ? url : `${gatewayOrigin()}${url}`, { headers, redirect: "manual" });

  beforeAll(async () => {
    owner = await signUp();
    workspaceId = await createWorkspace(owner.token, "Plain links");
  });

  test("followed as a plain link (no Authorization) it works once; the second time it is refused", async () => {
    const { exportActivityLog } = await graphqlOk<{ exportActivityLog: { exportId: string; url: string } }>(EXPORT, {
      token: owner.token,
      variables: { w: workspaceId },
    });
    const { pathname } = new URL(exportActivityLog.url);
    const token = pathname.split("/").pop()!;
    // Hostile spellings of the same link neither work nor use it up.
    for (const path of [
      `//downloads/audit/${token}`,
      `/downloads//audit/${token}`,
      `/downloads/%61udit/${token}`,
      `/downloads/audit/${token.replaceAll(".", "%2E")}`,
      `/downloads/audit/${token}%2F`,
      `/downloads/audit/${token.toUpperCase()}`,
      `/downloads/workspace/${token}`,
    ]) {
      const response = await follow(path);
      expect([path, response.status]).toEqual([path, 404]);
    }
    // A browser's preflight of the link (a fetch with a header) from the app is allowed, GET only.
    const options = await preflight(pathname, APP, "GET", "authorization");
    expect(options.status).toBe(204);
    expect((await preflight(pathname, "https://evil.example", "GET", "authorization")).status).toBe(403);

    const first = await follow(exportActivityLog.url, { origin: APP });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/text\/csv/);
    expect(first.headers.get("content-disposition")).toMatch(/attachment; filename="activity-log-/);
    expect(first.headers.get("access-control-allow-origin")).toBe(APP);
    expect(first.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await first.text()).toMatch(/^\uFEFF?[a-z_]+,/);
    const second = await follow(exportActivityLog.url);
    expect(second.status).toBe(404);
    await second.text();
    // And with the requester's own header: still used.
    expect((await follow(exportActivityLog.url, { authorization: `Bearer ${owner.token}` })).status).toBe(404);
  });

  test("a dropped download is asked again cheaply: a fresh link, no new export, no 60-second wait; the old link is dead", async () => {
    const other = await signUp();
    const w = await createWorkspace(other.token, "Renewals");
    const { exportActivityLog } = await graphqlOk<{ exportActivityLog: { exportId: string; url: string } }>(EXPORT, {
      token: other.token,
      variables: { w },
    });
    // The download drops: the link is used up without the file arriving.
    const dropped = await follow(exportActivityLog.url);
    expect(dropped.status).toBe(200);
    await dropped.body?.cancel();
    const renewed = await graphqlOk<{ renewActivityLogExportLink: { exportId: string; url: string } }>(RENEW, {
      token: other.token,
      variables: { e: exportActivityLog.exportId },
    });
    expect(renewed.renewActivityLogExportLink.exportId).toBe(exportActivityLog.exportId);
    expect(renewed.renewActivityLogExportLink.url).not.toBe(exportActivityLog.url);
    // Renew again before using it: the link before stops working.
    const again = await graphqlOk<{ renewActivityLogExportLink: { url: string } }>(RENEW, {
      token: other.token,
      variables: { e: exportActivityLog.exportId },
    });
    expect((await follow(renewed.renewActivityLogExportLink.url)).status).toBe(404);
    const response = await follow(again.renewActivityLogExportLink.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/,/);
    expect((await follow(again.renewActivityLogExportLink.url)).status).toBe(404);
    // Nobody else can renew it: NOT_FOUND, as for an unknown export.
    const stranger = await post(RENEW, { token: owner.token, variables: { e: exportActivityLog.exportId } });
    expect(codes(stranger)).toEqual(["NOT_FOUND"]);
    // One more is allowed (three renewals in all), then none.
    await graphqlOk(RENEW, { token: other.token, variables: { e: exportActivityLog.exportId } });
    const exhausted = await post(RENEW, { token: other.token, variables: { e: exportActivityLog.exportId } });
    expect(codes(exhausted)).toEqual(["NOT_FOUND"]);
  });

  test("another user's header on my link is refused and does not use it up; after I log out the plain link is refused", async () => {
    const mine = await signUp();
    const w = await createWorkspace(mine.token, "Logged out");
    const { exportActivityLog } = await graphqlOk<{ exportActivityLog: { url: string } }>(EXPORT, {
      token: mine.token,
      variables: { w },
    });
    expect((await follow(exportActivityLog.url, { authorization: `Bearer ${owner.token}` })).status).toBe(404);
    expect((await follow(exportActivityLog.url, { authorization: "Bearer sess_forged" })).status).toBe(401);
    await graphqlOk("mutation { logOut }", { token: mine.token });
    // Within the credential cache's 1 s bound of the answer (docs/adr/0011).
    await changedWithin(
      Date.now(),
      async () => {
        const refused = await follow(exportActivityLog.url);
        const body = await refused.text();
        if (refused.status === 200) return false;
        expect(refused.status).toBe(401);
        expect(body).toMatch(/ask for a new link/);
        return true;
      },
      "the logged-out requester's link",
    );
  });
});
