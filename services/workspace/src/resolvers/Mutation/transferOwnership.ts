import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { freshAccess, requireUser } from "../../authorization.js";
import {
  lockWorkspace,
  makeAdmin,
  makeOwner,
  memberOf,
  memberTarget,
  membershipsOf,
  ownerOf,
} from "../../db/memberships.js";
import { assertCanTransfer, assertExactlyOneOwner } from "../../domain/members.js";
import { publish } from "../../events/publish.js";
import { ownershipPassed } from "../../memberships.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** The owner hands ownership to another member and becomes ADMIN. */
export const transferOwnership: MutationResolvers["transferOwnership"] = async (_, args, ctx) => {
  const actor = requireUser(ctx.actor, "transfer ownership");
  const access = await authorize(freshAccess({ actor, db: ctx.db }), args.workspaceId, "members:list");
  const { workspace } = access;
  return ctx.db.$transaction(async (tx) => {
    await lockWorkspace(tx, workspace.id);
    const owner = await ownerOf(tx, workspace.id);
    const heir = await memberOf(tx, workspace.id, args.userId);
    assertCanTransfer(actor.userId, owner, heir);
    await makeAdmin(tx, workspace.id, owner.userId);
    await makeOwner(tx, workspace.id, heir.userId);
    assertExactlyOneOwner(await membershipsOf(tx, workspace.id));
    const [transferred, heirChanged] = await ownershipPassed(tx, {
      workspace,
      heir,
      previousOwnerId: owner.userId,
      actor: eventActor(actor),
      reason: "transferred",
    });
    await publish(
      tx,
      transferred,
      {
        type: "member.role_changed",
        ...eventScope(workspace),
        actor: eventActor(actor),
        target: await memberTarget(tx, owner.userId),
        changes: [{ field: "role", old: "OWNER", new: "ADMIN" }],
        data: { userId: owner.userId, role: "ADMIN", customRoleId: null },
      },
      heirChanged,
    );
    return workspace;
  });
};
