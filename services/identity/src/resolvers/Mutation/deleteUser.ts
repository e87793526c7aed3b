import { conflict } from "@support/errors";
import { diffFields, eventActor } from "@support/events";
import { changeOrgPerson, orgUser, requireOrgAdminOver } from "../../authorization.js";
import { publish, userTarget } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { withdrawMailAbout } from "../../mail/outbox.js";

/** Org admins only; not yourself, not the last org admin, not a workspace owner. Answers the deleted user's id. */
export const deleteUser: MutationResolvers["deleteUser"] = async (_, args, ctx) => {
  const actor = requireOrgAdminOver(ctx, args.id, { action: "delete users", onSelf: "delete" });
  const target = await orgUser(ctx.db, actor, args.id);
  // The workspace service is the authority on ownership, and a workspace keeps exactly one
  // owner: an owner is deleted only once every workspace they own has another (docs/adr/0004).
  const owned = await ctx.workspaces.ownedWorkspaces(target.id);
  if (owned.length > 0) {
    const names = owned.map((workspace) => `"${workspace.name}"`).join(", ");
    throw conflict(
      `${target.firstName} ${target.lastName} owns the workspace${owned.length === 1 ? "" : "s"} ${names}; ` +
        "transfer ownership before deleting this user",
    );
  }
  return changeOrgPerson(ctx, actor, { userId: target.id, deleted: true }, async (tx, current) => {
    // Sessions go with the user (ON DELETE CASCADE); invitations they sent keep a null inviter.
    await tx.user.delete({ where: { id: current.id } });
    await withdrawMailAbout(tx, { userId: current.id, reason: "the recipient's account was deleted" });
    await publish(tx, {
      type: "user.deleted",
      workspaceId: null,
      organisationId: actor.organisationId,
      actor: eventActor(actor),
      target: userTarget(current),
      changes: diffFields(
        { email: current.email, orgRole: current.orgRole, status: current.status } as Record<string, unknown>,
        { email: null, orgRole: null, status: null },
        ["email", "orgRole", "status"],
      ),
      data: { userId: current.id, aggregateVersion: current.version + 1 },
    });
    return current.id;
  });
};
