import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import { AppError, unauthenticated, type ErrorCode } from "@support/errors";
import type { Logger } from "@support/logger";
import { logRequestCompleted, REQUEST_ID_HEADER } from "@support/logger";
import { shutdownTracing, tagRequestSpan } from "@support/tracing";
import {
  ACTOR_CONTEXT_HEADER,
  verifyActorContext,
  type Actor,
  type ActorContext,
  type ActorContextAudience,
  type ActorContextKey,
} from "@support/actor-context";
import { useKeyForInternalCalls } from "./internal-call.js";
import { isDatabaseUnavailable } from "./unavailable.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified gateway-signed context; null only on public routes and unknown paths. */
    actorContext: ActorContext | null;
    /**
     * The verified actor. Reading it where no context was verified throws UNAUTHENTICATED: a
     * handler can never act on a missing actor.
     */
    readonly actor: Actor;
  }
  interface FastifyContextConfig {
    /**
     * A route anyone may call without a gateway-signed actor context: `/health`, `/ready`, a
     * webhook that checks its own signature. Every other route of a service requires one.
     */
    public?: boolean;
  }
}

/** Route options of a route reachable without an actor context (see `FastifyContextConfig.public`). */
export const PUBLIC_ROUTE = { config: { public: true } } as const;

export type ReadinessCheck = () => Promise<unknown>;

export interface ServiceAppOptions {
  logger: Logger;
  /** Named checks behind `/ready`, e.g. the database and Kafka. */
  readiness: Record<string, ReadinessCheck>;
}

const READINESS_TIMEOUT_MS = 2_000;
/** The largest request body a service or the gateway reads (a 413 above it). */
export const BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/** `promise`, or a rejection after `ms` (the work itself goes on; callers that drop it catch it). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * The Fastify app every service and the gateway start from: request ids carried from the
 * gateway (or minted here), `/health` (the process is alive) and `/ready` (its dependencies
 * answer). Nothing listens until `listenUntilSignalled` is called.
 */
export function createServiceApp(options: ServiceAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    bodyLimit: BODY_LIMIT_BYTES,
    // Download links carry a signed token as one path segment (docs/adr/0009); longer is a 414.
    maxParamLength: 200,
    // One line per request, written when it is answered (below), instead of Fastify's two.
    disableRequestLogging: true,
  });

  // The request id on the request's server span (no-op with tracing off), as it is on every log line.
  app.addHook("onRequest", (request, _reply, done) => {
    tagRequestSpan(request.id);
    done();
  });

  app.addHook("onResponse", async (request, reply) => {
    logRequestCompleted(options.logger, request, reply.statusCode, reply.elapsedTime);
  });

  // While closing, answers end their connection: a keep-alive connection left open after its
  // in-flight request is answered would keep app.close() (and so the process) from finishing.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });

  app.addHook("onSend", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (closing) reply.header("connection", "close");
  });

  app.setErrorHandler(answerError);

  app.get("/health", PUBLIC_ROUTE, async () => ({ status: "ok" }));

  app.get("/ready", PUBLIC_ROUTE, async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), READINESS_TIMEOUT_MS);
          return [name, "ok"] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const ready = results.every(([, status]) => status === "ok");
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? "ready" : "not ready", checks: Object.fromEntries(results) });
  });

  return app;
}

/** The HTTP status of each client error code, for answers outside GraphQL (internal routes). */
const STATUS_OF: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  PLAN_LIMIT: 403,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * The error handler of every route without its own (GraphQL mounts have theirs): a client
 * error keeps its code, Fastify's own 4xx (malformed body, unsupported media type) its message;
 * anything else is logged and answered as an internal error, never with its message or stack.
 */
function answerError(this: FastifyInstance, error: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) {
    return reply
      .code(STATUS_OF[error.code])
      .send({ errors: [{ message: error.message, extensions: error.extensions }] });
  }
  const statusCode =
    typeof error === "object" && error !== null && "statusCode" in error ? error.statusCode : undefined;
  if (statusCode === 413) {
    // SPEC's code for a request the client must change; the limit is no secret.
    const message = `The request body is larger than the limit of ${request.routeOptions.bodyLimit ?? BODY_LIMIT_BYTES} bytes`;
    return reply.code(413).send({ errors: [{ message, extensions: { code: "BAD_USER_INPUT" } }] });
  }
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    const message = error instanceof Error ? error.message : "Bad request";
    return reply.code(statusCode).send({ errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, "database unavailable");
    const message = "The service cannot reach its database; try again";
    return reply.code(503).send({ errors: [{ message, extensions: { code: "SERVICE_UNAVAILABLE" } }] });
  }
  request.log.error({ err: error }, "unexpected error in a route");
  return reply
    .code(500)
    .send({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
}

/**
 * Verifies the gateway-signed actor context of a request: a missing, forged, expired or
 * unknown-key context is UNAUTHENTICATED.
 */
export async function actorContextFromRequest(
  request: FastifyRequest,
  keys: readonly ActorContextKey[],
  audience: ActorContextAudience = audienceOfRoute(request.routeOptions.url),
): Promise<ActorContext> {
  const header = request.headers[ACTOR_CONTEXT_HEADER];
  return verifyActorContext(Array.isArray(header) ? header[0] : header, keys, audience);
}

/**
 * The audience a route takes (docs/adr/0005): a route declared under `/internal/` is for other
 * services and takes only contexts signed for a service-to-service call; every other route (the
 * GraphQL endpoint) only the gateway's. Decided by the route's declared path, the pattern it was
 * registered with, never by the request's URL, so a route added under /internal/ later is internal.
 */
export function audienceOfRoute(routeUrl: string | undefined): ActorContextAudience {
  return routeUrl?.startsWith("/internal/") ? "internal" : "gateway";
}

/**
 * Every route of `app` requires a signed actor context unless it is declared public
 * (PUBLIC_ROUTE): the gateway's on GraphQL routes, one signed for a service-to-service call on
 * `/internal/…` routes (`audienceOfRoute`). Trust is attached to routes, not to spellings of a URL: the check runs after
 * the router has matched (and decoded) the path, so `/%67raphql` is `/graphql` here too, and an
 * unknown path is a 404 before any handler.
 */
export function requireActorContext(app: FastifyInstance, keys: readonly ActorContextKey[]): void {
  const [signingKey] = keys;
  if (signingKey) useKeyForInternalCalls(signingKey);
  app.decorateRequest("actorContext", null);
  app.decorateRequest("actor", {
    getter(this: FastifyRequest): Actor {
      if (!this.actorContext) throw unauthenticated("Missing actor context");
      return this.actorContext.actor;
    },
  });
  app.addHook("onRequest", async (request, reply) => {
    if (request.is404 || request.routeOptions.config.public === true) return;
    try {
      request.actorContext = await actorContextFromRequest(request, keys);
    } catch (error) {
      return reply.code(401).send(unauthenticatedBody(error));
    }
  });
}

/** A GraphQL-shaped 401 for requests refused before GraphQL execution. */
export function unauthenticatedBody(error: unknown): {
  errors: Array<{ message: string; extensions: { code: string } }>;
} {
  const message = error instanceof GraphQLError ? error.message : "Authentication required";
  return { errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }] };
}

/**
 * Listens, then on SIGTERM/SIGINT stops accepting, lets in-flight requests finish and runs
 * the app's onClose hooks (relay flush, Kafka producer, database pool) before exiting.
 */
export async function listenUntilSignalled(
  app: FastifyInstance,
  options: { port: number; host: string },
): Promise<void> {
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      app.log.error("shutdown took too long; exiting");
      process.exit(1);
    }, 15_000);
    force.unref();
    app
      .close()
      // The spans of the last requests, which the SDK would otherwise send only after a delay.
      .then(() => shutdownTracing())
      .then(
        () => process.exit(),
        (error: unknown) => {
          app.log.error({ err: error }, "error while shutting down");
          process.exit(1);
        },
      );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  // Last resort, behind the real guards (route errors answered by the error handler, consumers
  // and the relay catching their own): a promise nobody awaited is a bug to log, not a reason to
  // drop every request in flight. A synchronous exception nobody caught may have left state half
  // changed, so the process stops cleanly and its supervisor (`npm start`, compose) restarts it.
  process.on("unhandledRejection", (reason) => {
    app.log.error({ err: reason }, "unhandled promise rejection (a bug: the promise was neither awaited nor caught)");
  });
  process.on("uncaughtException", (error) => {
    app.log.fatal({ err: error }, "uncaught exception; stopping");
    process.exitCode = 1;
    shutdown("uncaughtException");
  });
  await app.listen({ port: options.port, host: options.host });
}
