import { z } from "zod";
import { conflict, unauthenticated } from "@support/errors";
import { parseInput, personNameText } from "@support/validation";
import { isUniqueViolation, type Tx } from "../../db/client.js";
import type { User } from "../../db/generated/client.js";
import { invitationById, type InvitationWithWorkspaces } from "../../db/invitations.js";
import { lockOrganisation } from "../../db/organisations.js";
import { openSession } from "../../db/sessions.js";
import { userByEmail } from "../../db/users.js";
import { passwordSchema } from "../../domain/credentials.js";
import { assertAcceptable, hashInvitationToken } from "../../domain/invitations.js";
import { hashPassword, verifyPassword } from "../../domain/passwords.js";
import { throttleKeys } from "../../domain/throttle.js";
import { creationChanges, invitationEvents, ownUserEvent, publish, userStateData } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const acceptInput = z.object({
  token: z.string().min(1, "must not be empty"),
  password: z.string().min(1, "must not be empty"),
  firstName: personNameText().nullish(),
  lastName: personNameText().nullish(),
});

/**
 * Accepts an invitation with the token from its mail, and signs in: creates the user when the
 * email is new (the password becomes theirs), or adds an existing user of the organisation to the
 * workspaces (the password must be theirs). Each refusal has its reason (`assertAcceptable`).
 */
export const acceptInvitation: MutationResolvers["acceptInvitation"] = async (_, args, ctx) => {
  const input = parseInput(acceptInput, args);
  const invitation = await ctx.db.invitation.findUnique({ where: { tokenHash: hashInvitationToken(input.token) } });
  assertAcceptable(invitation, new Date());

  const existing = await userByEmail(ctx.db, invitation.emailNormalized);
  let passwordHash: string | null = null;
  if (existing) {
    if (existing.organisationId !== invitation.organisationId) {
      throw conflict("This email address already has an account in another organisation");
    }
    // An existing person proves it is them with their own password; the invitation adds workspaces.
    // That is a sign-in, so it counts against the same throttle as logIn: otherwise whoever
    // holds the token (e.g. the admin who invited a colleague's email) could guess without limit.
    const keys = throttleKeys(existing.emailNormalized, ctx.clientAddress);
    await ctx.throttle.reserve(keys);
    const ok = await verifyPassword(existing.passwordHash, input.password);
    if (!ok || existing.status !== "ACTIVE") throw unauthenticated("Invalid email or password");
    await ctx.throttle.recordSuccess(keys);
  } else {
    passwordHash = await hashPassword(parseInput(passwordSchema, input.password, ["password"]));
  }

  try {
    return await ctx.db.$transaction(async (tx) => {
      await lockOrganisation(tx, invitation.organisationId);
      // Re-read under the lock: a concurrent accept or revoke wins once.
      const pending = await invitationById(tx, invitation.id);
      assertAcceptable(pending, new Date());
      // Hashed above whenever there is no existing user to add.
      const user = existing ?? (await createInvitedUser(tx, pending, passwordHash as string, input));
      await tx.invitation.update({
        where: { id: pending.id },
        data: { status: "ACCEPTED", acceptedAt: new Date(), acceptedUserId: user.id },
      });
      await publish(
        tx,
        ...invitationEvents(pending, ownUserEvent(user).actor, "invitation.accepted", (workspace) => ({
          changes: [{ field: "status", old: "PENDING", new: "ACCEPTED" }],
          data: {
            invitationId: pending.id,
            userId: user.id,
            role: workspace.role,
            customRoleId: workspace.customRoleId,
          },
        })),
      );
      const token = await openSession(tx, user, ctx.config.SESSION_TTL_HOURS);
      return { token, user };
    });
  } catch (error) {
    // Someone signed up with this email in the meantime.
    if (isUniqueViolation(error)) throw conflict("An account with this email already exists");
    throw error;
  }
};

/** The invitee, new to the organisation, with the invitation's org role (and names unless they gave theirs). */
async function createInvitedUser(
  tx: Tx,
  invitation: InvitationWithWorkspaces,
  passwordHash: string,
  input: { firstName?: string | null; lastName?: string | null },
): Promise<User> {
  const user = await tx.user.create({
    data: {
      organisationId: invitation.organisationId,
      firstName: input.firstName ?? invitation.firstName,
      lastName: input.lastName ?? invitation.lastName,
      email: invitation.email,
      emailNormalized: invitation.emailNormalized,
      passwordHash,
      orgRole: invitation.orgRole,
      status: "ACTIVE",
    },
  });
  await publish(tx, {
    type: "user.created",
    ...ownUserEvent(user),
    changes: creationChanges(user),
    data: userStateData(user),
  });
  return user;
}
