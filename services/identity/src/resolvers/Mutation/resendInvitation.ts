import { AppError, ErrorCode, conflict } from "@support/errors";
import { eventActor } from "@support/events";
import { orgInvitation, requireInviterRights, requireUser } from "../../authorization.js";
import { otherPendingInvitation, updatePendingInvitation } from "../../db/invitations.js";
import { lockOrganisation } from "../../db/organisations.js";
import { userByEmail } from "../../db/users.js";
import { hashInvitationToken, invitationExpiry, newInvitationToken } from "../../domain/invitations.js";
import { invitationEvents, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { enqueueInvitationMail } from "../../mail/invitation-mail.js";

/**
 * Sends a pending invitation again (expired ones too): a new mail with a new token (the old one
 * stops working) and a new expiry, same invitation id, people and workspaces. Its seats are reserved again with
 * the workspace service (an expired invitation had given them back, so seats may have run out
 * since: PLAN_LIMIT). An accepted or revoked invitation is CONFLICT.
 */
export const resendInvitation: MutationResolvers["resendInvitation"] = async (_, args, ctx) => {
  const actor = requireUser(ctx);
  const invitation = await orgInvitation(ctx, actor, args.id);
  await requireInviterRights(ctx, actor, invitation, "resend");
  if (invitation.status !== "PENDING") {
    throw new AppError(ErrorCode.CONFLICT, `This invitation is already ${invitation.status.toLowerCase()}`, {
      reason: invitation.status === "ACCEPTED" ? "INVITATION_ACCEPTED" : "INVITATION_REVOKED",
    });
  }
  const expiresAt = invitationExpiry(new Date(), ctx.config.INVITATION_TTL_DAYS);
  const existing = await userByEmail(ctx.db, invitation.emailNormalized);
  // Idempotent per invitation: refreshes the rows' expiry, checking seats and membership again.
  await ctx.workspaces.reserveInvitationSeats({
    invitationId: invitation.id,
    email: invitation.email,
    expiresAt: expiresAt.toISOString(),
    workspaces: invitation.workspaces.map((w) => ({
      workspaceId: w.workspaceId,
      role: w.role,
      customRoleId: w.customRoleId,
    })),
    userId: existing?.organisationId === invitation.organisationId ? existing.id : null,
  });
  const token = newInvitationToken();
  const resent = await ctx.db.$transaction(async (tx) => {
    await lockOrganisation(tx, invitation.organisationId);
    // A newer invitation of the same email, sent while this one was expired, stays the only pending one.
    if (await otherPendingInvitation(tx, invitation, new Date(), invitation.id)) {
      throw conflict("Another pending invitation for this email exists; resend that one");
    }
    // An acceptance or revocation meanwhile wins.
    const updated = await updatePendingInvitation(tx, invitation.id, {
      tokenHash: hashInvitationToken(token),
      expiresAt,
    });
    if (!updated) throw conflict("This invitation was accepted or revoked meanwhile");
    await enqueueInvitationMail(tx, ctx.config, updated, token, actor.userId);
    await publish(
      tx,
      ...invitationEvents(updated, eventActor(actor), "invitation.sent", (workspace) => ({
        changes: [{ field: "expiresAt", old: invitation.expiresAt.toISOString(), new: expiresAt.toISOString() }],
        data: {
          invitationId: updated.id,
          email: updated.email,
          role: workspace.role,
          customRoleId: workspace.customRoleId,
          expiresAt: expiresAt.toISOString(),
        },
      })),
    );
    return updated;
  });
  ctx.mail.kick();
  return { invitation: resent };
};
