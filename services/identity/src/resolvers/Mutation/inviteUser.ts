import { randomUUID } from "node:crypto";
import { AppError, ErrorCode, conflict } from "@support/errors";
import { eventActor } from "@support/events";
import { parseInput } from "@support/validation";
import { requireUser } from "../../authorization.js";
import type { Db, Tx } from "../../db/client.js";
import { lockInvitation } from "../../db/invitation-locks.js";
import { otherPendingInvitation } from "../../db/invitations.js";
import { lockOrganisation } from "../../db/organisations.js";
import { userByEmail } from "../../db/users.js";
import { normaliseEmail } from "../../domain/credentials.js";
import {
  hashInvitationToken,
  invitationExpiry,
  invitedOrgRole,
  inviteInputSchema,
  newInvitationToken,
} from "../../domain/invitations.js";
import { invitationEvents, publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { enqueueInvitationMail } from "../../mail/invitation-mail.js";

/** One pending invitation per email and organisation: another is CONFLICT, resent rather than sent again. */
async function refuseDuplicate(db: Db | Tx, organisationId: string, emailNormalized: string, now: Date) {
  if (await otherPendingInvitation(db, { organisationId, emailNormalized }, now)) {
    throw new AppError(
      ErrorCode.CONFLICT,
      "A pending invitation for this email already exists; resendInvitation sends it again with a new token",
      { reason: "INVITATION_PENDING" },
    );
  }
}

/**
 * Invites someone into the organisation and at least one workspace, and mails the invitee the
 * acceptance token (never in the answer). The workspace service holds each workspace's seat.
 */
export const inviteUser: MutationResolvers["inviteUser"] = async (_, args, ctx) => {
  const actor = requireUser(ctx);
  const input = parseInput(inviteInputSchema, args.input, ["input"]);
  const orgRole = invitedOrgRole(actor, input.orgRole);
  const emailNormalized = normaliseEmail(input.email);

  const existing = await userByEmail(ctx.db, emailNormalized);
  if (existing && existing.organisationId !== actor.organisationId) {
    // Emails are unique across organisations; such an invitation could never be accepted.
    throw conflict("This email address already has an account in another organisation");
  }
  const now = new Date();
  // Early and friendly; re-checked under the organisation lock below.
  await refuseDuplicate(ctx.db, actor.organisationId, emailNormalized, now);

  // The workspace service decides the inviter's right, the custom roles and the seats of every
  // workspace, and holds the seats, under the same lock as join-request approvals (docs/adr/0004).
  const invitationId = randomUUID();
  const expiresAt = invitationExpiry(now, ctx.config.INVITATION_TTL_DAYS);
  const token = newInvitationToken();
  try {
    const invitation = await ctx.db.$transaction(async (tx) => {
      // Held from before the seats are reserved until this commits or dies with its connection:
      // a reservation whose invitation is neither recorded nor locked was left by an inviteUser
      // that died in between, and the workspace service gives its seats back (/internal/invitations/known).
      await lockInvitation(tx, invitationId);
      await ctx.workspaces.reserveInvitationSeats({
        invitationId,
        email: input.email,
        expiresAt: expiresAt.toISOString(),
        workspaces: input.workspaces.map((w) => ({ ...w, customRoleId: w.customRoleId ?? null })),
        // A member of one of the workspaces is refused there (CONFLICT, reason ALREADY_MEMBER), holding no seat.
        userId: existing?.id ?? null,
      });
      // Under the organisation lock, so two concurrent invitations cannot both be the "first"
      // pending invitation for an email.
      await lockOrganisation(tx, actor.organisationId);
      await refuseDuplicate(tx, actor.organisationId, emailNormalized, now);
      const created = await tx.invitation.create({
        data: {
          id: invitationId,
          organisationId: actor.organisationId,
          email: input.email,
          emailNormalized,
          firstName: input.firstName,
          lastName: input.lastName,
          orgRole,
          tokenHash: hashInvitationToken(token),
          invitedById: actor.userId,
          expiresAt,
          workspaces: {
            create: input.workspaces.map((w) => ({
              workspaceId: w.workspaceId,
              role: w.role,
              customRoleId: w.customRoleId ?? null,
            })),
          },
        },
        include: { workspaces: true },
      });
      await enqueueInvitationMail(tx, ctx.config, created, token, actor.userId);
      await publish(
        tx,
        ...invitationEvents(created, eventActor(actor), "invitation.sent", (workspace) => ({
          changes: [
            { field: "email", old: null, new: created.email },
            { field: "role", old: null, new: workspace.role },
            { field: "status", old: null, new: "PENDING" },
          ],
          data: {
            invitationId: created.id,
            email: created.email,
            role: workspace.role,
            customRoleId: workspace.customRoleId,
            expiresAt: created.expiresAt.toISOString(),
          },
        })),
      );
      return created;
    });
    // The token goes to the invitee's mailbox only (docs/adr/0016); the inviter never sees it.
    ctx.mail.kick();
    return { invitation };
  } catch (error) {
    // Not recorded: the seats go back (none when the reservation was refused; releasing is
    // idempotent). Should this fail too, the next reservation in the workspace gives them back.
    await ctx.workspaces
      .releaseInvitationSeats(invitationId)
      .catch((releaseError: unknown) =>
        ctx.logger.error(
          { err: releaseError, invitationId },
          "could not release the seats of an unrecorded invitation",
        ),
      );
    throw error;
  }
};
