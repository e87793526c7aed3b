import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * What a browser finds at the gateway. With GATEWAY_INTROSPECTION on (development, `npm start`),
 * `GET /` and a browser's `GET /graphql` (an HTML request without a `query`) get a small
 * self-contained query page: no CDN, no bundle, it runs offline. Otherwise `GET /` answers a short
 * JSON naming the endpoint, and `GET /graphql` is left to Apollo (a GET query, or its CSRF refusal).
 */

/** The answer to `GET /` when the page is off (production). */
export const ENDPOINT_POINTER = {
  graphql: { method: "POST", path: "/graphql", contentType: "application/json" },
  documentation: "docs/api.md in the repository",
} as const;

/** Whether a GET is a browser navigating to the page, not a GraphQL GET request. */
export function wantsPage(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  const query = request.query as Record<string, unknown> | undefined;
  return request.method === "GET" && accept.includes("text/html") && !(query && "query" in query);
}

export function sendPage(reply: FastifyReply): FastifyReply {
  const nonce = randomBytes(16).toString("base64");
  return reply
    .code(200)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header(
      "content-security-policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    )
    .header("x-content-type-options", "nosniff")
    .send(page(nonce));
}

/** `GET /`: the page in development, the pointer otherwise. */
export function registerLanding(app: FastifyInstance, options: { page: boolean }): void {
  app.get("/", async (_request, reply) => (options.page ? sendPage(reply) : reply.code(200).send(ENDPOINT_POINTER)));
}

export const SCHEMA_QUERY = `query Schema {
  __schema {
    queryType { name }
    mutationType { name }
    types { kind name description fields { name description args { name type { ...T } } type { ...T } } inputFields { name type { ...T } } enumValues { name } }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }`;

function page(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Support graph: query page (development)</title>
<style nonce="${nonce}">
  body { font: 14px system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 1fr 1fr 320px; height: 100vh; }
  section { display: flex; flex-direction: column; padding: 8px; gap: 6px; min-height: 0; border-right: 1px solid #ddd; }
  textarea, pre { font: 13px ui-monospace, monospace; flex: 1; margin: 0; padding: 6px; border: 1px solid #ccc; overflow: auto; }
  textarea.small { flex: 0 0 70px; }
  pre { background: #f7f7f7; white-space: pre-wrap; }
  #schema { flex: 1; overflow: auto; font: 12px ui-monospace, monospace; }
  button { padding: 4px 12px; }
  h1 { font-size: 15px; margin: 0; }
</style>
</head>
<body>
<section>
  <h1>Operation</h1>
  <textarea id="query" spellcheck="false">{ me { id email } }</textarea>
  <label>Variables (JSON)</label><textarea id="variables" class="small" spellcheck="false">{}</textarea>
  <label>Authorization header</label><input id="auth" placeholder="Bearer sess_… or Bearer sk_…">
  <div><button id="run">Run (Ctrl-Enter)</button> <small>POST /graphql</small></div>
</section>
<section><h1>Answer</h1><pre id="answer"></pre></section>
<section><h1>Schema</h1><input id="filter" placeholder="filter types"><div id="schema">loading…</div></section>
<script nonce="${nonce}">
const $ = (id) => document.getElementById(id);
async function call(query, variables) {
  const headers = { "content-type": "application/json" };
  if ($("auth").value.trim()) headers.authorization = $("auth").value.trim();
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  return { status: response.status, body: await response.json() };
}
async function run() {
  let variables = {};
  try { variables = JSON.parse($("variables").value || "{}"); } catch (e) { $("answer").textContent = "Variables: " + e.message; return; }
  const started = performance.now();
  const { status, body } = await call($("query").value, variables);
  $("answer").textContent = "HTTP " + status + " in " + Math.round(performance.now() - started) + " ms\\n" + JSON.stringify(body, null, 2);
}
const typeName = (t) => t.kind === "NON_NULL" ? typeName(t.ofType) + "!" : t.kind === "LIST" ? "[" + typeName(t.ofType) + "]" : t.name;
let types = [];
function renderSchema() {
  const filter = $("filter").value.toLowerCase();
  const box = $("schema");
  box.textContent = "";
  for (const type of types.filter((t) => !t.name.startsWith("__") && t.name.toLowerCase().includes(filter))) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = type.kind.toLowerCase() + " " + type.name;
    details.append(summary);
    const lines = (type.fields || type.inputFields || []).map((f) => "  " + f.name + (f.args && f.args.length ? "(" + f.args.map((a) => a.name + ": " + typeName(a.type)).join(", ") + ")" : "") + ": " + typeName(f.type));
    for (const value of type.enumValues || []) lines.push("  " + value.name);
    const pre = document.createElement("pre");
    pre.textContent = (type.description ? type.description + "\\n" : "") + lines.join("\\n");
    details.append(pre);
    box.append(details);
  }
}
$("run").addEventListener("click", run);
$("query").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
$("filter").addEventListener("input", renderSchema);
call(${JSON.stringify(SCHEMA_QUERY)}, {}).then(({ body }) => {
  if (!body.data) { $("schema").textContent = JSON.stringify(body.errors); return; }
  types = body.data.__schema.types.sort((a, b) => a.name.localeCompare(b.name));
  renderSchema();
});
</script>
</body>
</html>
`;
}
