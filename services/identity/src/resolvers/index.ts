import { notFound } from "@support/errors";
import type { IdentityContext } from "../context.js";
import type { User, Organisation } from "../db/generated/client.js";
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

type Args = Record<string, unknown>;

/** Another organisation's user answers exactly as a missing one: null, then NOT_FOUND at the edge. */
function visibleToActor(user: User | null, ctx: IdentityContext): User | null {
  if (!user) return null;
  if (ctx.actor.kind === "anonymous") return null;
  return user.organisationId === ctx.actor.organisationId ? user : null;
}

export const resolvers = {
  Query: {
    me: async (_: unknown, __: unknown, ctx: IdentityContext) =>
      ctx.actor.kind === "user" ? ctx.users.load(ctx.actor.userId) : null,
    users: (_: unknown, args: Args, ctx: IdentityContext) => users(args, ctx),
    invitations: (_: unknown, args: Args, ctx: IdentityContext) => invitations(args, ctx),
  },
  Mutation: {
    signUp: (_: unknown, args: { input: unknown }, ctx: IdentityContext) => signUp(args, ctx),
    logIn: (_: unknown, args: { input: unknown }, ctx: IdentityContext) => logIn(args, ctx),
    logOut: (_: unknown, __: unknown, ctx: IdentityContext) => logOut(ctx),
    updateUser: (_: unknown, args: { id: string; input: unknown }, ctx: IdentityContext) => updateUser(args, ctx),
    setOrgRole: (_: unknown, args: { id: string; input: unknown }, ctx: IdentityContext) => setOrgRole(args, ctx),
    setUserStatus: (_: unknown, args: { id: string; input: unknown }, ctx: IdentityContext) => setUserStatus(args, ctx),
    deleteUser: (_: unknown, args: { id: string }, ctx: IdentityContext) => deleteUser(args, ctx),
    inviteUser: (_: unknown, args: { input: unknown }, ctx: IdentityContext) => inviteUser(args, ctx),
    acceptInvitation: (_: unknown, args: Args, ctx: IdentityContext) => acceptInvitation(args, ctx),
    revokeInvitation: (_: unknown, args: { id: string }, ctx: IdentityContext) => revokeInvitation(args, ctx),
    resendInvitation: (_: unknown, args: { id: string }, ctx: IdentityContext) => resendInvitation(args, ctx),
    requestPasswordReset: (_: unknown, args: { input: unknown }, ctx: IdentityContext) =>
      requestPasswordReset(args, ctx),
    resetPassword: (_: unknown, args: { input: unknown }, ctx: IdentityContext) => resetPassword(args, ctx),
  },
  Invitation: invitationFields,
  InvitationWorkspace: invitationWorkspaceFields,
  User: {
    __resolveReference: async (ref: { id: string }, ctx: IdentityContext) => {
      const user = visibleToActor(await ctx.users.load(ref.id), ctx);
      if (!user) throw notFound("User");
      return user;
    },
    organisation: async (user: User, _: unknown, ctx: IdentityContext) => ctx.organisations.load(user.organisationId),
    createdAt: (user: User) => user.createdAt,
    acceptedInvitationIds: (user: User, _: unknown, ctx: IdentityContext) => acceptedInvitations(ctx).load(user.id),
  },
  Organisation: {
    __resolveReference: async (ref: { id: string }, ctx: IdentityContext): Promise<Organisation> => {
      const organisation = await ctx.organisations.load(ref.id);
      if (!organisation || ctx.actor.kind === "anonymous" || organisation.id !== ctx.actor.organisationId) {
        throw notFound("Organisation");
      }
      return organisation;
    },
  },
};
