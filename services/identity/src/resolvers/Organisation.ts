import { visibleOrganisation } from "../authorization.js";
import type { OrganisationResolvers } from "../generated/graphql.js";

export const Organisation: OrganisationResolvers = {
  /** Only the caller's own organisation; any other is NOT_FOUND, as a missing one. */
  __resolveReference: async (ref, ctx) => visibleOrganisation(ctx, await ctx.organisations.load(ref.id)),
};
