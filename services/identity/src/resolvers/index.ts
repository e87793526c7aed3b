import { notFound } from "@support/errors";
import type { IdentityContext } from "../context.js";
import type { User } from "../db/generated/client.js";
import { logIn, logOut, signUp } from "./auth.js";
import { requestPasswordReset, resetPassword } from "./password-reset.js";
import { deleteUser, setOrgRole, setUserStatus, updateUser, users } from "./people.js";
import {
  acceptedInvitations,
  acceptInvitation,
  invitationFields,
  invitations,
  invitationWorkspaceFields,
  inviteUser,
  resendInvitation,
  revokeInvitation,
} from "./invitations.js";
import type { Resolvers } from "../generated/graphql.js";

/** Another organisation's user answers exactly as a missing one: null, then NOT_FOUND at the edge. */
function visibleToActor(user: User | null, ctx: IdentityContext): User | null {
  if (!user) return null;
  if (ctx.actor.kind === "anonymous") return null;
  return user.organisationId === ctx.actor.organisationId ? user : null;
}

export const resolvers: Resolvers = {
  Query: {
    me: async (_, __, ctx) => (ctx.actor.kind === "user" ? ctx.users.load(ctx.actor.userId) : null),
    users: (_, args, ctx) => users(args, ctx),
    invitations: (_, args, ctx) => invitations(args, ctx),
  },
  Mutation: {
    signUp: (_, args, ctx) => signUp(args, ctx),
    logIn: (_, args, ctx) => logIn(args, ctx),
    logOut: (_, __, ctx) => logOut(ctx),
    updateUser: (_, args, ctx) => updateUser(args, ctx),
    setOrgRole: (_, args, ctx) => setOrgRole(args, ctx),
    setUserStatus: (_, args, ctx) => setUserStatus(args, ctx),
    deleteUser: (_, args, ctx) => deleteUser(args, ctx),
    inviteUser: (_, args, ctx) => inviteUser(args, ctx),
    acceptInvitation: (_, args, ctx) => acceptInvitation(args, ctx),
    revokeInvitation: (_, args, ctx) => revokeInvitation(args, ctx),
    resendInvitation: (_, args, ctx) => resendInvitation(args, ctx),
    requestPasswordReset: (_, args, ctx) => requestPasswordReset(args, ctx),
    resetPassword: (_, args, ctx) => resetPassword(args, ctx),
  },
  Invitation: invitationFields,
  InvitationWorkspace: invitationWorkspaceFields,
  User: {
    __resolveReference: async (ref, ctx) => {
      const user = visibleToActor(await ctx.users.load(ref.id), ctx);
      if (!user) throw notFound("User");
      return user;
    },
    organisation: async (user, _, ctx) => {
      const organisation = await ctx.organisations.load(user.organisationId);
      // Never missing (a foreign key); the SDL's `Organisation!` wants it said rather than a null.
      if (!organisation) throw notFound("Organisation");
      return organisation;
    },
    createdAt: (user) => user.createdAt,
    acceptedInvitationIds: (user, _, ctx) => acceptedInvitations(ctx).load(user.id),
  },
  Organisation: {
    __resolveReference: async (ref, ctx) => {
      const organisation = await ctx.organisations.load(ref.id);
      if (!organisation || ctx.actor.kind === "anonymous" || organisation.id !== ctx.actor.organisationId) {
        throw notFound("Organisation");
      }
      return organisation;
    },
  },
};
