import { pageInMemory } from "@support/service-kit";
import { compareTimeIdKeys, memberKey, timeIdCursor } from "../domain/pages.js";
import type { RoleResolvers } from "../generated/graphql.js";

export const Role: RoleResolvers = {
  /**
   * The members holding a role, in the order they joined: a page of the workspace's memberships,
   * which the request's loader reads once for every role (and workspace) asked about.
   */
  members: async (role, args, ctx) => {
    const memberships = await ctx.workspaceMemberships.load(role.workspaceId);
    const holders = memberships.filter((m) => (m.role === "CUSTOM" ? m.customRoleId : m.role) === role.id);
    return pageInMemory(holders, args, { codec: timeIdCursor, keyOf: memberKey, compare: compareTimeIdKeys });
  },
};
