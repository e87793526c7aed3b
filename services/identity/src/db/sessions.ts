import type { UserActor } from "@support/actor-context";
import { hashToken, newSessionToken, sessionExpiry } from "../domain/credentials.js";
import type { Db, Tx } from "./client.js";
import type { Prisma, User } from "./generated/client.js";

/** Opens a session for `user` and answers its token (only its hash is stored). */
export async function openSession(tx: Tx, user: User, ttlHours: number): Promise<string> {
  const token = newSessionToken();
  await tx.session.create({
    data: { userId: user.id, tokenHash: hashToken(token), expiresAt: sessionExpiry(new Date(), ttlHours) },
  });
  return token;
}

/** Ends the sessions `where` names that are still open. */
export async function revokeSessions(db: Db | Tx, where: Prisma.SessionWhereInput): Promise<void> {
  await db.session.updateMany({ where: { ...where, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** An authenticated session: who it signs in, and until when the answer holds. */
export interface SessionCheck {
  actor: UserActor;
  expiresAt: Date;
}

/**
 * The gateway's session check: a revoked or expired session, or a user who is no longer ACTIVE,
 * authenticates nobody (SPEC: disabling ends sessions on the next request). The gateway may
 * remember an answer until the session's expiry; identity produces revocations to
 * cache.invalidations, which every gateway reads (docs/adr/0011).
 */
export async function authenticateSession(db: Db, token: string): Promise<SessionCheck | null> {
  return sessionCheck(await db.session.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } }));
}

/**
 * The same check by session id, for a download link followed without a header (docs/adr/0009):
 * the link names the session it was asked for in, and is honoured only while that session still
 * authenticates its user (not logged out, not expired, the user still ACTIVE).
 */
export async function authenticateSessionById(db: Db, sessionId: string, userId: string): Promise<SessionCheck | null> {
  const session = await db.session.findUnique({ where: { id: sessionId }, include: { user: true } });
  return session?.userId === userId ? sessionCheck(session) : null;
}

function sessionCheck(session: Prisma.SessionGetPayload<{ include: { user: true } }> | null): SessionCheck | null {
  if (!session || session.revokedAt || session.expiresAt <= new Date() || session.user.status !== "ACTIVE") return null;
  return {
    actor: {
      kind: "user",
      userId: session.user.id,
      organisationId: session.user.organisationId,
      orgRole: session.user.orgRole,
      sessionId: session.id,
    },
    expiresAt: session.expiresAt,
  };
}
