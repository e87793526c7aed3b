import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { FastifyInstance, FastifyReply } from "fastify";
import { GraphQLError } from "graphql";
import {
  ACTOR_CONTEXT_HEADER,
  ANONYMOUS,
  signActorContext,
  type Actor,
  type ActorContextKey,
} from "@support/actor-context";
import { REQUEST_ID_HEADER } from "@support/logger";
import { downloadRequesterSchema, isDownloadToken } from "@support/service-kit";
import type { Authenticator } from "./authenticate.js";

/** What of the service's answer reaches the client; nothing else (no internal headers). */
const PASSED_HEADERS = ["content-type", "content-disposition", "cache-control"];

export const DOWNLOAD_ROUTE = "/downloads/:service/:token";

const UNAVAILABLE = "The service is temporarily unavailable; please retry shortly";
const GONE = "This download link is unknown, used or expired";

/** How long the gateway waits for a service to say whose a link is. */
const REQUESTER_TIMEOUT_MS = 5_000;

/**
 * `GET /downloads/:service/:token`: a download link a subgraph issued (an export, docs/adr/0009).
 * The link is a browser link: it needs no header. Followed without one, the gateway asks the
 * service whose it is (the signature binds the export, workspace, requester and purpose; an
 * unknown, tampered, renewed-over, expired or used link is 404), checks that requester's
 * credential again (the session still signed in and its user active, or the API key unrevoked;
 * otherwise 401), then forwards as that requester. Followed with an Authorization header, the
 * caller is authenticated as for GraphQL (401 for a refused credential) and must be the requester.
 * Either way the service's `/internal/downloads/:token` checks the requester's rights now,
 * consumes the link once in PostgreSQL and streams the file through.
 */
export function registerDownloads(
  app: FastifyInstance,
  deps: { authenticator: Authenticator; signingKey: ActorContextKey; services: Record<string, string> },
): void {
  const internalContext = (actor: Actor, clientAddress?: string) =>
    signActorContext(actor, deps.signingKey, {
      ...(clientAddress === undefined ? {} : { clientAddress }),
      audience: "internal",
    });
  // The link is not used up by a 503 (docs/adr/0009): the client may follow it again shortly.
  const unavailable = (reply: FastifyReply) => reply.code(503).header("retry-after", "5").send({ error: UNAVAILABLE });

  app.get<{ Params: { service: string; token: string } }>(DOWNLOAD_ROUTE, async (request, reply) => {
    const { service, token } = request.params;
    const base = Object.hasOwn(deps.services, service) ? deps.services[service] : undefined;
    // One spelling only: the link as issued. A percent-encoded or otherwise re-spelled path (which
    // the router would decode to the same parameters) is not the link, so caches and logs see one URL.
    const path = request.url.split("?", 1)[0];
    if (!base || !isDownloadToken(token) || path !== `/downloads/${service}/${token}`)
      return reply.code(404).send({ error: "Not found" });
    const header = request.headers.authorization;
    const authorization = Array.isArray(header) ? header[0] : header;
    let actor: Actor;
    try {
      if (authorization) {
        actor = await deps.authenticator.authenticate(authorization, request.id);
      } else {
        // A plain link: whose is it? (the service verifies the signature and that it is unused)
        let answer: Response;
        try {
          answer = await fetch(`${base}/internal/download-requesters/${encodeURIComponent(token)}`, {
            headers: { [ACTOR_CONTEXT_HEADER]: await internalContext(ANONYMOUS), [REQUEST_ID_HEADER]: request.id },
            signal: AbortSignal.timeout(REQUESTER_TIMEOUT_MS),
          });
        } catch (error) {
          request.log.warn(
            { service, cause: error instanceof Error ? error.message : String(error) },
            "download requester lookup failed",
          );
          return unavailable(reply);
        }
        if (answer.status === 404) {
          await answer.body?.cancel();
          return reply.code(404).send({ error: GONE });
        }
        const parsed = answer.ok
          ? downloadRequesterSchema.safeParse(((await answer.json()) as { requester?: unknown }).requester)
          : null;
        if (!parsed?.success) {
          await answer.body?.cancel().catch(() => undefined);
          request.log.warn({ service, status: answer.status }, "download requester lookup answered unexpectedly");
          return unavailable(reply);
        }
        const checked = await deps.authenticator.reauthenticate(parsed.data, request.id);
        if (!checked)
          return reply
            .code(401)
            .send({ error: "The sign-in this link was asked with has ended; sign in and ask for a new link" });
        actor = checked;
      }
    } catch (error) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      if (code === "UNAUTHENTICATED")
        return reply.code(401).send({ error: error instanceof Error ? error.message : "" });
      return unavailable(reply);
    }
    if (actor.kind === "anonymous") return reply.code(401).send({ error: "Authentication required" });
    const actorContext = await internalContext(actor, request.ip);
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
      return unavailable(reply);
    }
    if (upstream.status >= 500) {
      await upstream.body?.cancel();
      return unavailable(reply);
    }
    reply.code(upstream.status);
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value) reply.header(name, value);
    }
    // A link is a credential for a few minutes: never sent on to another site as a Referer.
    reply.header("referrer-policy", "no-referrer");
    if (!upstream.body) return reply.send();
    return reply.send(Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>));
  });
}
