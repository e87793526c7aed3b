import { z } from "zod";
import { forbidden } from "@support/errors";
import { pagingWindow } from "@support/service-kit";
import { connectionOf, pagingArguments, parseInput } from "@support/validation";
import { requireUser } from "../../authorization.js";
import type { Prisma } from "../../db/generated/client.js";
import { usersPage } from "../../db/users.js";
import { statusSchema, userKey, usersCursor, type UserStatus } from "../../domain/people.js";
import type { QueryResolvers } from "../../generated/graphql.js";

const usersArgs = z.object({
  filter: z
    .object({
      search: z.string().trim().max(200).nullish(),
      status: statusSchema.nullish(),
    })
    .nullish(),
  ...pagingArguments,
});

/**
 * The Users page. Org admins see everyone of the organisation; workspace admins the people of the
 * workspaces they administer (the workspace service answers only those); anyone else is refused.
 */
export const users: QueryResolvers["users"] = async (_, args, ctx) => {
  const actor = requireUser(ctx);
  const { filter, ...paging } = parseInput(usersArgs, args);
  const window = pagingWindow(paging, usersCursor);
  const where: Prisma.UserWhereInput = { organisationId: actor.organisationId };
  if (actor.orgRole !== "ORG_ADMIN") {
    const memberships = await ctx.workspaces.memberships();
    if (memberships.length === 0) throw forbidden("Only organisation and workspace admins can list users");
    where.id = { in: [...new Set(memberships.map((membership) => membership.userId))] };
  }
  if (filter?.status) where.status = filter.status as UserStatus;
  if (filter?.search) {
    const contains = { contains: filter.search, mode: "insensitive" as const };
    where.OR = [{ firstName: contains }, { lastName: contains }, { email: contains }];
  }
  const { rows, totalCount } = await usersPage(ctx.db, where, window);
  // The key before the spread, not after (docs/adr/0032): the page must not outlive its request.
  return { totalCount, ...connectionOf(rows, window, userKey, usersCursor) };
};
