import { randomUUID } from "node:crypto";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import { GraphQLError } from "graphql";
import type { Logger } from "@support/logger";
import { REQUEST_ID_HEADER } from "@support/logger";
import { ACTOR_CONTEXT_HEADER, verifyActorContext, type Actor } from "@support/actor-context";

export type ReadinessCheck = () => Promise<unknown>;

export interface ServiceAppOptions {
  logger: Logger;
  /** Named checks behind `/ready`, e.g. the database and Kafka. */
  readiness: Record<string, ReadinessCheck>;
}

const READINESS_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
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
    bodyLimit: 5 * 1024 * 1024,
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

  app.get("/health", async () => ({ status: "ok" }));

  app.get("/ready", async (_request, reply) => {
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

/**
 * Verifies the gateway-signed actor context of a request. Subgraphs call this for every
 * GraphQL request: a missing, forged or expired context never reaches a resolver.
 */
export async function actorFromRequest(request: FastifyRequest, secret: string): Promise<Actor> {
  const header = request.headers[ACTOR_CONTEXT_HEADER];
  return verifyActorContext(Array.isArray(header) ? header[0] : header, secret);
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
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  await app.listen({ port: options.port, host: options.host });
}
