import type { UserActor } from "@support/actor-context";
import { hashToken } from "../domain/credentials.js";
import type { Db } from "../db/client.js";

/**
 * The gateway's session check: a revoked or expired session, or a user who is no longer ACTIVE,
 * authenticates nobody (SPEC: disabling ends sessions on the next request). The gateway may
 * remember an answer until the session's expiry; identity produces revocations to
 * cache.invalidations, which every gateway reads (docs/adr/0011).
 */
export async function authenticateSession(
  db: Db,
  token: string,
): Promise<{ actor: UserActor; expiresAt: Date } | null> {
  const session = await db.session.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
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

/**
 * The same check by session id, for a download link followed without a header (docs/adr/0009):
 * the link names the session it was asked for in, and is honoured only while that session still
 * authenticates its user (not logged out, not expired, the user still ACTIVE).
 */
export async function authenticateSessionById(
  db: Db,
  sessionId: string,
  userId: string,
): Promise<{ actor: UserActor; expiresAt: Date } | null> {
  const session = await db.session.findUnique({ where: { id: sessionId }, include: { user: true } });
  if (!session || session.userId !== userId) return null;
  if (session.revokedAt || session.expiresAt <= new Date() || session.user.status !== "ACTIVE") return null;
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
