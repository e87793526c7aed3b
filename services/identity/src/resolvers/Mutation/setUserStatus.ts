import { z } from "zod";
import { parseInput } from "@support/validation";
import { changeOrgPerson, requireOrgAdminOver } from "../../authorization.js";
import { revokeSessions } from "../../db/sessions.js";
import { withdrawMailAbout } from "../../mail/outbox.js";
import { statusSchema } from "../../domain/people.js";
import { publish, userStateEvent } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const setUserStatusInput = z.object({ status: statusSchema });

/** Org admins only; not yourself. A user who is not ACTIVE cannot sign in and loses their sessions. */
export const setUserStatus: MutationResolvers["setUserStatus"] = async (_, args, ctx) => {
  const actor = requireOrgAdminOver(ctx, args.id, { action: "change a user's status", onSelf: "change the status of" });
  // The SDL's UserStatus enum has let only these values through: this refuses nothing before the checks above.
  const { status } = parseInput(setUserStatusInput, args.input, ["input"]);
  return changeOrgPerson(ctx, actor, { userId: args.id, status }, async (tx, target) => {
    if (target.status === status) return target;
    const updated = await tx.user.update({ where: { id: target.id }, data: { status, version: { increment: 1 } } });
    // The session check already refuses non-ACTIVE users on their next request; revoking the
    // sessions too means re-enabling them does not revive old (possibly leaked) tokens.
    if (status !== "ACTIVE") {
      await revokeSessions(tx, { userId: target.id });
      await withdrawMailAbout(tx, { userId: target.id, reason: "the recipient's account is no longer active" });
    }
    await publish(tx, {
      type: "user.status_changed",
      ...userStateEvent(actor, updated),
      changes: [{ field: "status", old: target.status, new: updated.status }],
    });
    return updated;
  });
};
