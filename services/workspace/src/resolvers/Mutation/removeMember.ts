import { eventActor } from "@support/events";
import { authorize } from "@support/permissions";
import { freshAccess } from "../../authorization.js";
import { lockWorkspace, memberOf } from "../../db/memberships.js";
import { actingUserId, assertCanRemove, assertMayManage, managerOf } from "../../domain/members.js";
import { removeMembership } from "../../memberships.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Removes a member (members:remove); not the owner, not oneself. Answers the removed user's id. */
export const removeMember: MutationResolvers["removeMember"] = async (_, args, ctx) => {
  const access = await authorize(freshAccess(ctx), args.workspaceId, "members:remove");
  return ctx.db.$transaction(async (tx) => {
    // As in setMemberRole: the target's role is read under the lock transferOwnership takes.
    await lockWorkspace(tx, access.workspace.id);
    const target = await memberOf(tx, access.workspace.id, args.userId);
    assertCanRemove(actingUserId(ctx.actor), target);
    assertMayManage(managerOf(ctx.actor, access), [target]);
    await removeMembership(tx, {
      workspace: access.workspace,
      membership: target,
      actor: eventActor(ctx.actor),
      reason: "removed",
    });
    return target.userId;
  });
};
