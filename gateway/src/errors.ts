import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import { ErrorCode, withVariableProblem } from "@support/errors";

/**
 * Codes a client may see with their message: SPEC's error codes, GraphQL's own refusals of a
 * malformed or over-limit operation, and SERVICE_UNAVAILABLE. Anything else reaching the gateway
 * (a subgraph's unexpected error, a query-planning failure) is an internal error whose message
 * may name internals.
 */
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  "SERVICE_UNAVAILABLE",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
]);

/**
 * Extensions that describe the inside of the graph (the subgraph's URL, status and body of a
 * non-2xx answer; which subgraph answered; stacks). Never shown to a client.
 */
const INTERNAL_EXTENSIONS = new Set(["response", "serviceName", "stacktrace", "exception", "http"]);

/**
 * The gateway's one error formatting: client errors keep their message and code without any
 * internal extension; everything else is logged and answered as INTERNAL_SERVER_ERROR.
 */
export function formatGatewayError(
  formatted: GraphQLFormattedError,
  error: unknown,
  logger: { error: (details: object, message: string) => void },
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === "string" && CLIENT_CODES.has(code)) {
    const extensions = Object.fromEntries(
      Object.entries(formatted.extensions ?? {}).filter(([name]) => !INTERNAL_EXTENSIONS.has(name)),
    );
    return withVariableProblem({
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions,
    });
  }
  if (code !== "INTERNAL_SERVER_ERROR" || formatted.message !== "Internal server error") {
    logger.error({ err: error, code, path: formatted.path }, "internal error answered to a client");
  }
  return {
    message: "Internal server error",
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

/**
 * HTTP 503 when no part of the answer could be served because a subgraph is unavailable (no
 * data, or every root field null); a partial answer stays HTTP 200 with SERVICE_UNAVAILABLE on
 * the paths that failed, so a client keeps what did arrive.
 */
export const serviceUnavailableStatus: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== "single") return;
        const { data, errors } = response.body.singleResult;
        const unavailable = errors?.some((error) => error.extensions?.code === "SERVICE_UNAVAILABLE");
        const nothingServed = !data || Object.values(data).every((value) => value === null);
        if (unavailable && nothingServed) response.http.status = 503;
      },
    };
  },
};

/**
 * Rate-limit headers where a limit refused the operation (a RATE_LIMITED error with
 * `retryAfterSeconds`: the export allowance, sign-in throttling, verification): `Retry-After` and
 * `RateLimit-Remaining: 0` / `RateLimit-Reset` (seconds), with `RateLimit-Limit` and
 * `RateLimit-Policy` (`<limit>;w=<window seconds>`) when the refusal says what the limit is
 * (`extensions.rateLimit`). HTTP 429 when nothing else was served; a partial answer stays 200.
 */
export const rateLimitHeaders: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== "single") return;
        const { data, errors } = response.body.singleResult;
        const limited = (errors ?? []).filter(
          (error) =>
            error.extensions?.code === "RATE_LIMITED" && typeof error.extensions.retryAfterSeconds === "number",
        );
        if (limited.length === 0) return;
        const retryAfter = Math.max(...limited.map((error) => Math.ceil(Number(error.extensions?.retryAfterSeconds))));
        const headers = response.http.headers;
        headers.set("retry-after", String(retryAfter));
        headers.set("ratelimit-remaining", "0");
        headers.set("ratelimit-reset", String(retryAfter));
        const policy = limited
          .map((error) => error.extensions?.rateLimit)
          .find(
            (value): value is { limit: number; windowSeconds: number } =>
              typeof value === "object" &&
              value !== null &&
              typeof (value as { limit?: unknown }).limit === "number" &&
              typeof (value as { windowSeconds?: unknown }).windowSeconds === "number",
          );
        if (policy) {
          headers.set("ratelimit-limit", String(policy.limit));
          headers.set("ratelimit-policy", `${policy.limit};w=${policy.windowSeconds}`);
        }
        const nothingServed = !data || Object.values(data).every((value) => value === null);
        if (nothingServed) response.http.status = 429;
      },
    };
  },
};
