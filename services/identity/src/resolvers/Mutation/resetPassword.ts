import { z } from "zod";
import { badUserInput } from "@support/errors";
import { parseInput } from "@support/validation";
import { takePasswordReset } from "../../db/password-resets.js";
import { revokeSessions } from "../../db/sessions.js";
import { passwordSchema } from "../../domain/credentials.js";
import { hashPassword } from "../../domain/passwords.js";
import { ownUserEvent, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const resetPasswordInput = z.object({ token: z.string().min(1).max(200), password: passwordSchema });

/**
 * The link's token and a new password. Of two concurrent uses of a token exactly one wins;
 * unknown, used, replaced and expired tokens get one answer. Every session of the user ends, and
 * every gateway hears of it.
 */
export const resetPassword: MutationResolvers["resetPassword"] = async (_, args, ctx) => {
  const input = parseInput(resetPasswordInput, args.input, ["input"]);
  const passwordHash = await hashPassword(input.password);
  const userId = await ctx.db.$transaction(async (tx) => {
    const resetUserId = await takePasswordReset(tx, input.token);
    const user = resetUserId ? await tx.user.findUnique({ where: { id: resetUserId } }) : null;
    if (!user || user.status !== "ACTIVE") {
      throw badUserInput("This password reset link is invalid, used or expired: ask for a new one", "input.token", {
        reason: "RESET_TOKEN_INVALID",
      });
    }
    const updated = await tx.user.update({
      where: { id: user.id },
      data: { passwordHash, version: { increment: 1 } },
    });
    await revokeSessions(tx, { userId: user.id });
    await publish(tx, {
      type: "user.password_reset",
      ...ownUserEvent(updated),
      data: { userId: updated.id },
    });
    return updated.id;
  });
  await ctx.invalidations.credentials({ userIds: [userId] });
  return true;
};
