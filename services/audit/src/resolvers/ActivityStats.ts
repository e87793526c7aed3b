import { z } from "zod";
import { pageInMemory } from "@support/service-kit";
import { cursorCodec, cursorKey, pagingArguments, parseInput } from "@support/validation";
import { compareMembers, memberKeyOf } from "../domain/activity-stats.js";
import type { ActivityStatsResolvers } from "../generated/graphql.js";

/** A member's place in the chart's order (@support/validation's codec): a count and an actor's type and id. */
const memberCursor = cursorCodec(z.object({ total: cursorKey.integer(), actor: z.string().min(1).max(300) }));
const membersArgs = z.object(pagingArguments);

export const ActivityStats: ActivityStatsResolvers = {
  /**
   * The chart's bars as a connection. Every actor of the range is counted in one query anyway
   * (their number follows the workspace's members and API keys), so the page is cut from the whole
   * list in memory and `totalCount` is free.
   */
  members: (stats, rawArgs) => {
    return pageInMemory(stats.members, parseInput(membersArgs, rawArgs ?? {}), {
      codec: memberCursor,
      keyOf: memberKeyOf,
      compare: compareMembers,
    });
  },
};
