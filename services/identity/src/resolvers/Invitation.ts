import { invitationState } from "../domain/invitations.js";
import type { InvitationResolvers } from "../generated/graphql.js";

export const Invitation: InvitationResolvers = {
  /** EXPIRED is derived, never stored. */
  status: (invitation) => invitationState(invitation, new Date()),
  /** Null once the inviter has been deleted. */
  invitedBy: (invitation, _, ctx) => (invitation.invitedById ? ctx.users.load(invitation.invitedById) : null),
};
