import { Agent, request } from "undici";

/**
 * What the gateway's data sources read of a subgraph's answer (`RemoteGraphQLDataSource`: `ok`,
 * `status`, `statusText`, `headers.get`, `json`, `text`).
 */
export interface SubgraphResponse {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

/**
 * Subgraph requests over undici's own client with a keep-alive pool per subgraph, instead of the
 * global `fetch` (the same library behind WHATWG streams and an AbortSignal timer per request,
 * which profiles showed costly: BENCHMARKS.md (f)). A subgraph that
 * does not answer within `timeoutMs` (headers, then body) fails the fetch like an abort would.
 *
 * A subgraph's address may be a balancer over several instances (a Kubernetes Service, compose's
 * DNS name, `REPLICAS=2 npm start`), which picks an instance per connection: each connection is
 * retired after `REQUESTS_PER_CONNECTION` requests (the last one says `connection: close`), so
 * new connections keep spreading the load, also onto an instance that started after the pool
 * filled. One new connection per thousand requests costs nothing measurable.
 */
export const REQUESTS_PER_CONNECTION = 1_000;

/**
 * A subgraph's answer with every error path's list indexes as numbers. Mercurius (audit, billing)
 * serialises `errors[].path` as strings (`["_entities", "0", "billing"]`), and the gateway maps an
 * entity fetch's error onto the client's path (`["workspace", "billing"]`) only when the index is a
 * number: otherwise the client saw `["workspace", "_entities", "0", "billing"]`. A GraphQL name
 * never starts with a digit, so a string of digits in a path is always an index.
 */
export function withNumericErrorPaths(body: unknown): unknown {
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return body;
  return {
    ...body,
    errors: body.errors.map((error: unknown) =>
      typeof error === "object" && error !== null && "path" in error && Array.isArray(error.path)
        ? {
            ...error,
            path: error.path.map((part: unknown) =>
              typeof part === "string" && /^\d+$/.test(part) ? Number(part) : part,
            ),
          }
        : error,
    ),
  };
}

/** A POST to a subgraph: what `subgraphFetcher` returns and `timedFetcher` wraps. */
export type SubgraphFetcher = (
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<SubgraphResponse>;

export function subgraphFetcher(timeoutMs: number): { fetcher: SubgraphFetcher; close: () => Promise<void> } {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connections: 128,
    maxRequestsPerClient: REQUESTS_PER_CONNECTION,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const fetcher: SubgraphFetcher = async (url, init) => {
    const response = await request(url, {
      method: (init.method ?? "POST") as "POST",
      headers: init.headers,
      body: init.body,
      dispatcher: agent,
    });
    const text = await response.body.text();
    const headers = response.headers;
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      statusText: "",
      headers: {
        get(name: string) {
          const value = headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(", ") : (value ?? null);
        },
      },
      json: async () => withNumericErrorPaths(JSON.parse(text)),
      text: async () => text,
    };
  };
  return { fetcher, close: () => agent.close() };
}
