import { conflict } from "@support/errors";
import { eventActor } from "@support/events";
import { orgInvitation, requireInviterRights, requireUser } from "../../authorization.js";
import { updatePendingInvitation } from "../../db/invitations.js";
import { invitationEvents, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Withdraws a pending invitation (the inviter's rights); its token stops working and its seats are freed. */
export const revokeInvitation: MutationResolvers["revokeInvitation"] = async (_, args, ctx) => {
  const actor = requireUser(ctx);
  const invitation = await orgInvitation(ctx, actor, args.id);
  await requireInviterRights(ctx, actor, invitation, "revoke");
  return ctx.db.$transaction(async (tx) => {
    // An invitation accepted or revoked meanwhile is not revoked again.
    const revoked = await updatePendingInvitation(tx, invitation.id, { status: "REVOKED", revokedAt: new Date() });
    if (!revoked) throw conflict(`This invitation is already ${invitation.status.toLowerCase()}`);
    await publish(
      tx,
      ...invitationEvents(revoked, eventActor(actor), "invitation.revoked", () => ({
        changes: [{ field: "status", old: "PENDING", new: "REVOKED" }],
        data: { invitationId: revoked.id },
      })),
    );
    return revoked;
  });
};
