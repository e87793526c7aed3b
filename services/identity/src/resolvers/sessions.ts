import type { UserActor } from "@support/actor-context";
import { hashToken } from "../domain/credentials.js";
import type { Db } from "../db/client.js";

/**
 * The gateway's session check, run on every request: a revoked or expired session, or a user
 * who is no longer ACTIVE, authenticates nobody (SPEC: disabling ends sessions on the next request).
 */
export async function authenticateSession(db: Db, token: string): Promise<UserActor | null> {
  const session = await db.session.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!session || session.revokedAt || session.expiresAt <= new Date() || session.user.status !== "ACTIVE") return null;
  return {
    kind: "user",
    userId: session.user.id,
    organisationId: session.user.organisationId,
    orgRole: session.user.orgRole,
    sessionId: session.id,
  };
}
