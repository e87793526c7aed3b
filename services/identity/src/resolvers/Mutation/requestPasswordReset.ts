import { randomBytes } from "node:crypto";
import { z } from "zod";
import { eventActor } from "@support/events";
import { parseInput } from "@support/validation";
import { replacePasswordReset } from "../../db/password-resets.js";
import { userByEmail } from "../../db/users.js";
import { emailSchema, normaliseEmail } from "../../domain/credentials.js";
import { passwordResetMail } from "../../domain/mail.js";
import { throttleKeys } from "../../domain/throttle.js";
import { publish, userTarget } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { enqueueMail } from "../../mail/outbox.js";

/** Reset tokens are told apart from session and invitation tokens by prefix (and never logged). */
const RESET_TOKEN_PREFIX = "pwr_";

const requestPasswordResetInput = z.object({ email: emailSchema });

/**
 * Anyone may ask. The answer is the same whether or not the address belongs to an active user
 * (no account enumeration); only an active user's mailbox gets a link. Throttled per address
 * asked for and per client address, counted before the look-up, so the throttle's answer tells
 * nothing either. A new link replaces the user's earlier ones.
 */
export const requestPasswordReset: MutationResolvers["requestPasswordReset"] = async (_, args, ctx) => {
  const { email } = parseInput(requestPasswordResetInput, args.input, ["input"]);
  await ctx.resetThrottle.reserve(throttleKeys(email, ctx.clientAddress));
  const user = await userByEmail(ctx.db, normaliseEmail(email));
  if (!user || user.status !== "ACTIVE") return true;

  const token = `${RESET_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  const now = new Date();
  const expiresAt = new Date(now.getTime() + ctx.config.PASSWORD_RESET_TTL_MINUTES * 60_000);
  await ctx.db.$transaction(async (tx) => {
    const resetId = await replacePasswordReset(tx, { userId: user.id, token, expiresAt, now });
    // The token travels only in the mail (identity's own outbox), never in the event.
    await enqueueMail(tx, {
      dedupeKey: `password-reset:${resetId}`,
      to: user.email,
      ...passwordResetMail({ appBaseUrl: ctx.config.APP_BASE_URL, firstName: user.firstName, token, expiresAt }),
    });
    await publish(tx, {
      type: "user.password_reset_requested",
      workspaceId: null,
      organisationId: user.organisationId,
      // Whoever asked is anonymous (perhaps not the user): the system mailed the link.
      actor: eventActor("system"),
      target: userTarget(user),
      data: { userId: user.id, expiresAt: expiresAt.toISOString() },
    });
  });
  return true;
};
