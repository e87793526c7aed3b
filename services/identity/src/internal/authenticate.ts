import type { FastifyInstance } from "fastify";
import type { Db } from "../db/client.js";
import { authenticateSession, type SessionCheck } from "../db/sessions.js";

/** A session check's answer: a refused session is a successful answer too (`actor: null`). */
export const sessionAnswer = (session: SessionCheck | null) =>
  session ? { actor: session.actor, expiresAt: session.expiresAt.toISOString() } : { actor: null };

/**
 * `POST /internal/authenticate`: the gateway asks about a session token it has not checked
 * recently. A refused token is a successful answer (`actor: null`); 401 is kept for the gateway's
 * own context being refused. `expiresAt` bounds how long the gateway may remember the answer
 * (docs/adr/0011).
 */
export function registerAuthenticateRoute(app: FastifyInstance, db: Db): void {
  app.post<{ Body: { token?: unknown } }>("/internal/authenticate", async (request) => {
    const token = request.body?.token;
    return sessionAnswer(typeof token === "string" ? await authenticateSession(db, token) : null);
  });
}
