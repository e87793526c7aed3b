import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { FastifyInstance } from "fastify";
import { GraphQLError } from "graphql";
import { ACTOR_CONTEXT_HEADER, signActorContext, type ActorContextKey } from "@support/actor-context";
import { REQUEST_ID_HEADER } from "@support/logger";
import { isDownloadToken } from "@support/service-kit";
import type { Authenticator } from "./authenticate.js";

/** What of the service's answer reaches the client; nothing else (no internal headers). */
const PASSED_HEADERS = ["content-type", "content-disposition", "cache-control"];

/**
 * `GET /downloads/:service/:token`: a download link a subgraph issued (an export, docs/adr/0009).
 * The caller authenticates exactly as for GraphQL; the gateway then forwards, with the signed
 * actor context, to the service's `/internal/downloads/:token`, which checks that the link is
 * this caller's, unexpired and unused, and streams the file through.
 */
export function registerDownloads(
  app: FastifyInstance,
  deps: { authenticator: Authenticator; signingKey: ActorContextKey; services: Record<string, string> },
): void {
  app.get<{ Params: { service: string; token: string } }>("/downloads/:service/:token", async (request, reply) => {
    const { service, token } = request.params;
    const base = Object.hasOwn(deps.services, service) ? deps.services[service] : undefined;
    if (!base || !isDownloadToken(token)) return reply.code(404).send({ error: "Not found" });
    const header = request.headers.authorization;
    let actorContext: string;
    try {
      const actor = await deps.authenticator.authenticate(Array.isArray(header) ? header[0] : header, request.id);
      if (actor.kind === "anonymous") return reply.code(401).send({ error: "Authentication required" });
      actorContext = await signActorContext(actor, deps.signingKey, {
        clientAddress: request.ip,
        audience: "internal",
      });
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (code === "UNAUTHENTICATED")
        return reply.code(401).send({ error: error instanceof Error ? error.message : "" });
      return reply.code(503).send({ error: "The service is temporarily unavailable; please retry shortly" });
    }
    let upstream: Response;
    try {
      upstream = await fetch(`${base}/internal/downloads/${encodeURIComponent(token)}`, {
        headers: { [ACTOR_CONTEXT_HEADER]: actorContext, [REQUEST_ID_HEADER]: request.id },
      });
    } catch (error) {
      request.log.warn(
        { service, cause: error instanceof Error ? error.message : String(error) },
        "download upstream unreachable",
      );
      return reply.code(503).send({ error: "The service is temporarily unavailable; please retry shortly" });
    }
    if (upstream.status >= 500) {
      await upstream.body?.cancel();
      return reply.code(503).send({ error: "The service is temporarily unavailable; please retry shortly" });
    }
    reply.code(upstream.status);
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value) reply.header(name, value);
    }
    if (!upstream.body) return reply.send();
    return reply.send(Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>));
  });
}
