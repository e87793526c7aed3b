import { hashToken } from "../domain/credentials.js";
import type { Tx } from "./client.js";

/** A new reset link for the user, replacing (using up) their earlier ones; answers its id. */
export async function replacePasswordReset(
  tx: Tx,
  reset: { userId: string; token: string; expiresAt: Date; now: Date },
): Promise<string> {
  await tx.passwordReset.updateMany({ where: { userId: reset.userId, usedAt: null }, data: { usedAt: reset.now } });
  const created = await tx.passwordReset.create({
    data: { userId: reset.userId, tokenHash: hashToken(reset.token), expiresAt: reset.expiresAt },
  });
  return created.id;
}

/**
 * Uses up the reset token in one conditional UPDATE, so of two concurrent uses exactly one wins;
 * answers its user's id, or null for an unknown, used, replaced or expired token.
 */
export async function takePasswordReset(tx: Tx, token: string): Promise<string | null> {
  const [reset] = await tx.$queryRaw<Array<{ user_id: string }>>`
    UPDATE password_reset SET used_at = now()
    WHERE token_hash = ${hashToken(token)} AND used_at IS NULL AND expires_at > now()
    RETURNING user_id`;
  return reset?.user_id ?? null;
}
