import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { getIntrospectionQuery } from "graphql";

/**
 * What a browser finds at the gateway. With GATEWAY_INTROSPECTION on (development, `npm start`),
 * `GET /` and a browser's `GET /graphql` (an HTML request without a `query`) get GraphiQL, served
 * from the gateway's own node_modules (docs/adr/0019): no CDN, it runs offline. Otherwise `GET /`
 * answers a short JSON naming the endpoint, `GET /graphql` is left to Apollo (a GET query, or its
 * CSRF refusal), and no IDE file is served.
 */

/** The answer to `GET /` when the page is off (production). */
export const ENDPOINT_POINTER = {
  graphql: { method: "POST", path: "/graphql", contentType: "application/json" },
  documentation: "docs/api.md in the repository",
} as const;

/** Where the IDE's files are served; each name below is the only thing served under it. */
export const IDE_ASSET_PREFIX = "/graphiql/";

/**
 * The IDE's files: a fixed allow-list, each name mapped to one file of a package (or of
 * gateway/ide/, the page's own script and styles). A request names an entry, never a path, so
 * nothing else under node_modules can be reached and there is no listing.
 */
const ASSETS: Readonly<Record<string, { from: string; file: string; type: string }>> = {
  "react.production.min.js": { from: "react", file: "umd/react.production.min.js", type: "text/javascript" },
  "react-dom.production.min.js": {
    from: "react-dom",
    file: "umd/react-dom.production.min.js",
    type: "text/javascript",
  },
  "graphiql.min.js": { from: "graphiql", file: "graphiql.min.js", type: "text/javascript" },
  "graphiql.min.js.map": { from: "graphiql", file: "graphiql.min.js.map", type: "application/json" },
  "graphiql.min.css": { from: "graphiql", file: "graphiql.min.css", type: "text/css" },
  "ide.js": { from: "gateway", file: "ide/ide.js", type: "text/javascript" },
  "ide.css": { from: "gateway", file: "ide/ide.css", type: "text/css" },
};

const GATEWAY_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const requireFromGateway = createRequire(import.meta.url);
const packageDir = (name: string) =>
  name === "gateway" ? GATEWAY_DIR : dirname(requireFromGateway.resolve(`${name}/package.json`));

interface LoadedAsset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Read once, when the page is on: about 2 MB, and a missing package fails the start, not a browser. */
function loadAssets(): Map<string, LoadedAsset> {
  const loaded = new Map<string, LoadedAsset>();
  for (const [name, { from, file, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(join(packageDir(from), file));
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    loaded.set(name, { body, type: `${type}; charset=utf-8`, etag });
  }
  return loaded;
}

const asset = (name: string) => `${IDE_ASSET_PREFIX}${name}`;

/**
 * No inline script or style anywhere: the bootstrap is ide.js. Fonts and icons come from the
 * stylesheet as data: URLs. connect-src 'self': the page talks to this gateway only.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Support graph: GraphiQL (development)</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset("graphiql.min.css")}">
<link rel="stylesheet" href="${asset("ide.css")}">
</head>
<body>
<header class="ide-bar">
  <strong>Support graph</strong> <span class="ide-note">development only: POST /graphql</span>
  <label for="ide-token">Session token or API key</label>
  <input id="ide-token" type="password" autocomplete="off" spellcheck="false" placeholder="sess_… or sk_… (sent as Authorization: Bearer …)">
  <output id="ide-status" aria-live="polite"></output>
</header>
<main id="graphiql">Loading GraphiQL…</main>
<noscript>GraphiQL needs JavaScript. Without it, POST GraphQL to /graphql (docs/api.md).</noscript>
<script src="${asset("react.production.min.js")}"></script>
<script src="${asset("react-dom.production.min.js")}"></script>
<script src="${asset("graphiql.min.js")}"></script>
<script src="${asset("ide.js")}"></script>
</body>
</html>
`;

/** Whether a GET is a browser navigating to the page, not a GraphQL GET request. */
export function wantsPage(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  const query = request.query as Record<string, unknown> | undefined;
  return request.method === "GET" && accept.includes("text/html") && !(query && "query" in query);
}

export function sendPage(reply: FastifyReply): FastifyReply {
  return reply
    .code(200)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("content-security-policy", PAGE_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .send(PAGE);
}

/** `GET /`: the IDE in development (and its files under /graphiql/), the pointer otherwise. */
export function registerLanding(app: FastifyInstance, options: { page: boolean }): void {
  if (!options.page) {
    app.get("/", async (_request, reply) => reply.code(200).send(ENDPOINT_POINTER));
    return;
  }
  app.get("/", async (_request, reply) => sendPage(reply));
  const assets = loadAssets();
  app.get<{ Params: { name: string } }>(`${IDE_ASSET_PREFIX}:name`, async (request, reply) => {
    const found = assets.get(request.params.name);
    if (!found) return reply.code(404).send({ error: "not found" });
    // Revalidated each time (an upgraded package is picked up at once), answered 304 when unchanged.
    reply.header("cache-control", "no-cache").header("etag", found.etag).header("x-content-type-options", "nosniff");
    if (request.headers["if-none-match"] === found.etag) return reply.code(304).send();
    return reply.code(200).header("content-type", found.type).send(found.body);
  });
}

/**
 * The introspection query GraphiQL sends to read the schema (graphql-js's, with GraphiQL's
 * default options): introspection is not counted against the depth or cost limits, and it stays
 * under the token limit. browser.test.ts checks it passes.
 */
export const SCHEMA_QUERY = getIntrospectionQuery();
