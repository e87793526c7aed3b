import { notFound } from "@support/errors";
import { pageInMemory } from "@support/service-kit";
import { compareText, idCursor } from "../domain/pages.js";
import type { TeamResolvers } from "../generated/graphql.js";

export const Team: TeamResolvers = {
  /** Batched (a page of tickets names its teams); a team of a workspace the caller cannot see is NOT_FOUND. */
  __resolveReference: async (ref, ctx) => {
    const team = await ctx.teams.load(ref.id);
    if (!team) throw notFound("Team");
    return team;
  },
  /** A page of the team's members (User references) by id, from the member ids its view holds. */
  members: (team, args) => {
    const members = team.memberIds.map((id) => ({ __typename: "User" as const, id }));
    return pageInMemory(members, args, {
      codec: idCursor,
      keyOf: (user): [string] => [user.id],
      compare: (a, b) => compareText(a[0], b[0]),
    });
  },
};
