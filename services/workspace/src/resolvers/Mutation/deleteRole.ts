import { conflict, notFound } from "@support/errors";
import { eventActor, eventScope } from "@support/events";
import { authorizeRole } from "../../authorization.js";
import { countRoleHolders, deleteCustomRole, lockCustomRole } from "../../db/roles.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** Deletes a custom role no member holds (roles:delete); answers its id. */
export const deleteRole: MutationResolvers["deleteRole"] = async (_, args, ctx) => {
  const { row: role, access } = await authorizeRole(ctx, args.id, "roles:delete");
  return ctx.db.$transaction(async (tx) => {
    if (!(await lockCustomRole(tx, role.id))) throw notFound("Role");
    const holders = await countRoleHolders(tx, role.id);
    if (holders > 0) {
      throw conflict(
        `The role "${role.name}" is held by ${holders} member${holders === 1 ? "" : "s"}; give them another role first`,
      );
    }
    await deleteCustomRole(tx, role.id);
    await publish(tx, {
      type: "role.deleted",
      ...eventScope(access.workspace),
      actor: eventActor(ctx.actor),
      target: { type: "role", id: role.id, label: role.name },
      changes: [
        { field: "name", old: role.name, new: null },
        { field: "permissions", old: role.permissions, new: null },
      ],
      data: { roleId: role.id },
    });
    return role.id;
  });
};
