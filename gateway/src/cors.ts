import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * Cross-origin access for browser apps (CORS), written small rather than with @fastify/cors: that
 * plugin answers a disallowed origin's preflight 204 (only without the allow headers), and here a
 * refused preflight must be a plain 403.
 *
 * - An allowed origin (exact match against `CORS_ORIGINS`; `null`, another port, a trailing slash
 *   or another case is another origin) gets its own origin back in Access-Control-Allow-Origin,
 *   never `*`, with credentials allowed and `Vary: Origin`.
 * - A preflight (`OPTIONS` with Origin and Access-Control-Request-Method) from an allowed origin,
 *   for a method and headers the route accepts, is answered 204 with the allow headers; any other
 *   preflight is 403 with none of them.
 * - A request from another origin is answered as before but without any Access-Control-* header,
 *   so its browser does not let the page read the answer. CSRF protection is Apollo's own (a
 *   simple-request POST or GET without a preflight-forcing header is refused) and is unchanged.
 */

/** Request headers a browser app may send: those the gateway reads, and Apollo's CSRF header. */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "x-request-id",
] as const;

/** Response headers a browser app may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = [
  "content-disposition",
  "retry-after",
  "ratelimit",
  "ratelimit-policy",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "x-request-id",
] as const;

/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 h). */
export const CORS_MAX_AGE_SECONDS = 600;

export interface CorsRoute {
  url: string;
  /** Methods browsers may use cross-origin on this route (OPTIONS aside). */
  methods: readonly string[];
}

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;

/** Whether `origin` is exactly one of the allowed ones (no normalisation: browsers send it canonical). */
export const originAllowed = (allowed: ReadonlySet<string>, origin: string | undefined): origin is string =>
  origin !== undefined && allowed.has(origin);

/**
 * The verdict on a preflight: the headers to answer with, or null to refuse it. `requestedHeaders`
 * is Access-Control-Request-Headers (comma-separated, any case).
 */
export function preflightVerdict(
  allowed: ReadonlySet<string>,
  route: CorsRoute,
  origin: string | undefined,
  requestedMethod: string | undefined,
  requestedHeaders: string | undefined,
): Record<string, string> | null {
  if (!originAllowed(allowed, origin) || !requestedMethod) return null;
  if (!route.methods.includes(requestedMethod)) return null;
  const headers = (requestedHeaders ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (!headers.every((name) => (CORS_ALLOWED_HEADERS as readonly string[]).includes(name))) return null;
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": [...route.methods, "OPTIONS"].join(", "),
    "access-control-allow-headers": CORS_ALLOWED_HEADERS.join(", "),
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  };
}

/**
 * Adds CORS to `app`: the allow headers on every answer to an allowed origin, and an `OPTIONS`
 * route answering preflights for each of `routes`.
 */
export function registerCors(app: FastifyInstance, origins: readonly string[], routes: readonly CorsRoute[]): void {
  const allowed = new Set(origins);
  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    // Every answer may differ by Origin, so caches must key on it (allowed or not).
    reply.header("vary", "Origin");
    if (request.method === "OPTIONS") return;
    const origin = single(request.headers.origin);
    if (!originAllowed(allowed, origin)) return;
    reply.header("access-control-allow-origin", origin);
    reply.header("access-control-allow-credentials", "true");
    reply.header("access-control-expose-headers", CORS_EXPOSED_HEADERS.join(", "));
  });
  for (const route of routes) {
    app.options(route.url, async (request, reply) => {
      const origin = single(request.headers.origin);
      const method = single(request.headers["access-control-request-method"]);
      if (origin === undefined && method === undefined) {
        // Not a preflight: a plain OPTIONS learns what the route allows.
        return reply
          .code(204)
          .header("allow", [...route.methods, "OPTIONS"].join(", "))
          .send();
      }
      const verdict = preflightVerdict(
        allowed,
        route,
        origin,
        method,
        single(request.headers["access-control-request-headers"]),
      );
      if (!verdict) {
        return reply.code(403).header("vary", "Origin").send({ error: "This origin may not call the gateway" });
      }
      return reply.code(204).headers(verdict).send();
    });
  }
}
