import { findCustomRole } from "../db/roles.js";
import { customRoleView } from "../domain/roles.js";
import type { WorkspaceMemberResolvers } from "../generated/graphql.js";

export const WorkspaceMember: WorkspaceMemberResolvers = {
  user: (member) => ({ __typename: "User", id: member.userId }),
  /** From the page's read when it brought the role along, else read on its own. */
  customRole: async (member, _, ctx) => {
    if (!member.customRoleId) return null;
    const role =
      member.customRole !== undefined ? member.customRole : await findCustomRole(ctx.db, member.customRoleId);
    return role ? customRoleView(role) : null;
  },
  overrides: (member) => ({ granted: member.granted, denied: member.denied }),
  joinedAt: (member) => member.createdAt,
};
