import { authorize } from "@support/permissions";
import { BUILT_IN_ROLES } from "@support/permissions";
import { findMembership, membersPage, seatUse } from "../db/memberships.js";
import { customRolesOf } from "../db/roles.js";
import { teamsPage } from "../db/teams.js";
import { pageInMemory } from "@support/service-kit";
import { builtInRoleView, compareRoleKeys, customRoleView, roleCursor, roleKey } from "../domain/roles.js";
import { togglesOf } from "../domain/settings.js";
import type { WorkspaceResolvers } from "../generated/graphql.js";

/**
 * A workspace's fields. Its standing checks go through the request's loader (`ctx.workspaces`),
 * so a page of workspaces, or of references to them, reads the caller's access once for all.
 */
export const Workspace: WorkspaceResolvers = {
  __resolveReference: async (ref, ctx) => (await authorize(ctx, ref.id)).workspace,
  myRole: async (workspace, _, ctx) => {
    if (ctx.actor.kind !== "user") return null;
    return (await findMembership(ctx.db, workspace.id, ctx.actor.userId))?.role ?? null;
  },
  /** A copy, as the query's `myPermissions`: the list is shared by every standing like the caller's. */
  myPermissions: async (workspace, _, ctx) => [...(await authorize(ctx, workspace.id)).permissions],
  /** In the order they joined; their custom roles come along, one query for the page. */
  members: async (workspace, args, ctx) => {
    await authorize(ctx, workspace.id, "members:list");
    return membersPage(ctx.db, workspace.id, args, () => ctx.memberCounts.load(workspace.id));
  },
  /**
   * Built-in roles first, then custom ones by name. The roles are few enough to read whole
   * (custom roles are bounded by the plan's allowance, built-in ones are six) and page in memory.
   */
  roles: async (workspace, args, ctx) => {
    await authorize(ctx, workspace.id, "roles:list");
    const custom = await customRolesOf(ctx.db, workspace.id);
    const roles = [...BUILT_IN_ROLES.map((role) => builtInRoleView(workspace.id, role)), ...custom.map(customRoleView)];
    return pageInMemory(roles, args, { codec: roleCursor, keyOf: roleKey, compare: compareRoleKeys });
  },
  teams: async (workspace, args, ctx) => {
    await authorize(ctx, workspace.id, "teams:list");
    return teamsPage(ctx.db, workspace.id, args, () => ctx.teamCounts.load(workspace.id));
  },
  settings: async (workspace, _, ctx) =>
    togglesOf((await authorize(ctx, workspace.id, "workspace_settings:view")).workspace),
  memberCount: async (workspace, _, ctx) => (await seatUse(ctx.db, workspace)).members,
  pendingInvitations: async (workspace, _, ctx) => (await seatUse(ctx.db, workspace)).pendingInvitations,
};
