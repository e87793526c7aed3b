import { notFound } from "@support/errors";
import { visibleUser } from "../authorization.js";
import type { UserResolvers } from "../generated/graphql.js";

export const User: UserResolvers = {
  /** Batched through the per-request loader; another organisation's user is NOT_FOUND, as a missing one. */
  __resolveReference: async (ref, ctx) => {
    const user = visibleUser(ctx, await ctx.users.load(ref.id));
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
  /** For the workspace service's `workspaceCount` (`@requires`), never in the API. */
  acceptedInvitationIds: (user, _, ctx) => ctx.acceptedInvitationIds.load(user.id),
};
