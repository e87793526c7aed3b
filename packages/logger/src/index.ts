import { pino, type DestinationStream, type Logger } from "pino";
import { activeTraceId } from "@support/tracing";

export type { Logger };

export const REQUEST_ID_HEADER = "x-request-id";

/** Anything that can carry a secret is removed before a line is written. */
const REDACT_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "token",
  "*.token",
  "*.*.token",
  "secret",
  "*.secret",
  "apiKey",
  "*.apiKey",
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-actor-context"]',
  "headers.authorization",
  'headers["x-actor-context"]',
  // A GraphQL request logged whole, or its request object: variables hold sign-in passwords,
  // invitation and session tokens (acceptInvitation, logIn, signUp), headers the bearer token.
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["x-actor-context"]',
  "variables.*",
  "*.variables.*",
  "variables.input.password",
  "*.variables.input.password",
  "variables.input.token",
  "*.variables.input.token",
];

interface LoggedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  hostname?: string;
  ip?: string;
}

/**
 * Fastify's request line without the query string: a GraphQL GET carries its variables there
 * (`?variables={"input":{"password":…}}`), which path-based redaction cannot reach.
 */
function serializeRequest(request: LoggedRequest) {
  const url = typeof request.url === "string" ? request.url : undefined;
  const queryAt = url?.indexOf("?") ?? -1;
  return {
    id: request.id,
    method: request.method,
    url: url !== undefined && queryAt >= 0 ? `${url.slice(0, queryAt)}?[redacted]` : url,
    hostname: request.hostname,
    remoteAddress: request.ip,
  };
}

/**
 * Each service's one line per answered request, kept apart from the logger every other line goes
 * through: its fields are fixed (`logRequestCompleted` and the `req` serializer: the request line
 * without its query string, the status, the time), so nothing in it can carry a secret, and
 * walking the redaction paths was most of a line's CPU (BENCHMARKS.md (f)).
 */
const requestLoggers = new WeakMap<Logger, Logger>();

/** A new object each time: pino merges the line's fields into what the mixin returns. */
function traceFields(): { traceId?: string } {
  const traceId = activeTraceId();
  return traceId ? { traceId } : {};
}

/** `destination` defaults to stdout; tests pass a stream to read what would be written. */
export function createLogger(options: { service: string; level?: string }, destination?: DestinationStream): Logger {
  const settings = {
    name: options.service,
    level: options.level ?? "info",
    base: { service: options.service },
    serializers: { req: serializeRequest },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The trace a line was written in (docs/adr/0021), beside the request id Fastify's child
    // loggers add; with tracing off there is no active span and nothing is added.
    mixin: traceFields,
  };
  // Asynchronous writes to stdout: a synchronous write per line was a measurable share of the
  // gateway's CPU under load (BENCHMARKS.md (f)). Lines are written in batches of 4 KiB, or every 250 ms when
  // fewer arrive; what is buffered is written synchronously when the process exits.
  const stream = destination ?? pino.destination({ sync: false, minLength: 4096, periodicFlush: 250 });
  const logger = pino({ ...settings, redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, stream);
  requestLoggers.set(logger, pino(settings, stream));
  return logger;
}

/** Writes the "request completed" line of a request answered with `statusCode` after `responseTimeMs`. */
export function logRequestCompleted(
  logger: Logger,
  request: LoggedRequest,
  statusCode: number,
  responseTimeMs: number,
): void {
  (requestLoggers.get(logger) ?? logger).info(
    { reqId: request.id, req: request, res: { statusCode }, responseTime: responseTimeMs },
    "request completed",
  );
}
