import { eventActor } from "@support/events";
import { authorize } from "@support/permissions";
import { freshAccess } from "../../authorization.js";
import { lockWorkspace, memberOf } from "../../db/memberships.js";
import { customRoleOf } from "../../db/roles.js";
import {
  actingUserId,
  assertCanChangeRole,
  assertMayGive,
  assertMayManage,
  assignableRole,
  managerOf,
} from "../../domain/members.js";
import { changeMembershipRole } from "../../memberships.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Gives a member a built-in role (never OWNER) or a custom role (members:update); never one's own. */
export const setMemberRole: MutationResolvers["setMemberRole"] = async (_, args, ctx) => {
  const access = await authorize(freshAccess(ctx), args.workspaceId, "members:update");
  const next = assignableRole(args.input.role, args.input.customRoleId, "input");
  return ctx.db.$transaction(async (tx) => {
    // Serialised with transferOwnership: otherwise the heir could be read as ADMIN, made OWNER
    // by a concurrent transfer, then overwritten here, leaving the workspace without an owner.
    await lockWorkspace(tx, access.workspace.id);
    const target = await memberOf(tx, access.workspace.id, args.userId);
    assertCanChangeRole(actingUserId(ctx.actor), target);
    const manager = managerOf(ctx.actor, access);
    assertMayManage(manager, [target]);
    const custom = next.customRoleId ? await customRoleOf(tx, access.workspace.id, next.customRoleId) : null;
    assertMayGive(manager, next, custom?.permissions ?? null);
    return changeMembershipRole(tx, {
      workspace: access.workspace,
      membership: target,
      ...next,
      actor: eventActor(ctx.actor),
    });
  });
};
