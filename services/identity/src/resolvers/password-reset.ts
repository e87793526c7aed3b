import { randomBytes } from "node:crypto";
import { z } from "zod";
import { badUserInput } from "@support/errors";
import { emailSchema, hashToken, normaliseEmail, passwordSchema } from "../domain/credentials.js";
import { hashPassword } from "../domain/passwords.js";
import { throttleKeys } from "../domain/throttle.js";
import { publish } from "../events/publish.js";
import { enqueueMail } from "../mail/outbox.js";
import { passwordResetMail } from "../domain/mail.js";
import { userTarget } from "./shared.js";
import type { IdentityContext } from "../context.js";
import { parseInput } from "@support/validation";
import type { MutationRequestPasswordResetArgs, MutationResetPasswordArgs } from "../generated/graphql.js";

/** Reset tokens are told apart from session and invitation tokens by prefix (and never logged). */
const RESET_TOKEN_PREFIX = "pwr_";

const requestPasswordResetInput = z.object({ email: emailSchema });
const resetPasswordInput = z.object({ token: z.string().min(1).max(200), password: passwordSchema });

/**
 * `requestPasswordReset`: anyone may ask. The answer is the same whether or not the address
 * belongs to an active user (no account enumeration); only an active user's mailbox gets a link.
 * Throttled per address asked for and per client address, counted before the look-up, so the
 * throttle's answer tells nothing either. A new link replaces the user's earlier ones.
 */
export async function requestPasswordReset(
  args: MutationRequestPasswordResetArgs,
  ctx: IdentityContext,
): Promise<boolean> {
  const { email } = parseInput(requestPasswordResetInput, args.input, ["input"]);
  await ctx.resetThrottle.reserve(throttleKeys(email, ctx.clientAddress));
  const user = await ctx.db.user.findUnique({ where: { emailNormalized: normaliseEmail(email) } });
  if (!user || user.status !== "ACTIVE") return true;

  const token = `${RESET_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ctx.config.PASSWORD_RESET_TTL_MINUTES * 60_000);
  await ctx.db.$transaction(async (tx) => {
    await tx.passwordReset.updateMany({ where: { userId: user.id, usedAt: null }, data: { usedAt: now } });
    const reset = await tx.passwordReset.create({
      data: { userId: user.id, tokenHash: hashToken(token), expiresAt },
    });
    // The token travels only in the mail (identity's own outbox), never in the event.
    await enqueueMail(tx, {
      dedupeKey: `password-reset:${reset.id}`,
      to: user.email,
      ...passwordResetMail({ appBaseUrl: ctx.config.APP_BASE_URL, firstName: user.firstName, token, expiresAt }),
    });
    await publish(tx, {
      type: "user.password_reset_requested",
      workspaceId: null,
      organisationId: user.organisationId,
      // Whoever asked is anonymous (perhaps not the user): the system mailed the link.
      actor: { type: "system" },
      target: userTarget(user),
      data: { userId: user.id, expiresAt: expiresAt.toISOString() },
    });
  });
  return true;
}

/**
 * `resetPassword`: the link's token and a new password. The token is taken in one conditional
 * UPDATE, so of two concurrent uses exactly one wins; unknown, used, replaced and expired tokens
 * get one answer. Every session of the user ends, and every gateway hears of it.
 */
export async function resetPassword(args: MutationResetPasswordArgs, ctx: IdentityContext): Promise<boolean> {
  const input = parseInput(resetPasswordInput, args.input, ["input"]);
  const passwordHash = await hashPassword(input.password);
  const userId = await ctx.db.$transaction(async (tx) => {
    const [reset] = await tx.$queryRaw<Array<{ user_id: string }>>`
      UPDATE password_reset SET used_at = now()
      WHERE token_hash = ${hashToken(input.token)} AND used_at IS NULL AND expires_at > now()
      RETURNING user_id`;
    const user = reset ? await tx.user.findUnique({ where: { id: reset.user_id } }) : null;
    if (!user || user.status !== "ACTIVE") {
      throw badUserInput("This password reset link is invalid, used or expired: ask for a new one", "input.token", {
        reason: "RESET_TOKEN_INVALID",
      });
    }
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, version: { increment: 1 } },
    });
    await tx.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: new Date() } });
    await publish(tx, {
      type: "user.password_reset",
      workspaceId: null,
      organisationId: updated.organisationId,
      actor: { type: "user", id: updated.id },
      target: userTarget(updated),
      data: { userId: updated.id },
    });
    return updated.id;
  });
  await ctx.invalidations.credentials({ userIds: [userId] });
  return true;
}
