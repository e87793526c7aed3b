import { z } from "zod";
import { notFound } from "@support/errors";
import { diffFields, eventActor, eventScope } from "@support/events";
import { entityNameText, parseInput } from "@support/validation";
import { authorizeRole } from "../../authorization.js";
import { unlessDuplicate } from "../../db/client.js";
import { lockedCustomRole, roleNameTaken, updateCustomRole } from "../../db/roles.js";
import { assertWithinOwn, managerOf } from "../../domain/members.js";
import { grantablePermissions } from "../../domain/permission-input.js";
import { customRoleView, duplicateRoleName, refuseBuiltInName } from "../../domain/roles.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { ticketAccessInput } from "./createRole.js";

const updateRoleInput = z.object({
  name: entityNameText().nullish(),
  permissions: z.array(z.string()).nullish(),
  ticketAccess: ticketAccessInput.nullish(),
});

/** Edits a custom role (roles:update); applies on the next request of every member holding it. */
export const updateRole: MutationResolvers["updateRole"] = async (_, args, ctx) => {
  const { row: loaded, access } = await authorizeRole(ctx, args.id, "roles:update");
  const input = parseInput(updateRoleInput, args.input, ["input"]);
  const givenPermissions = input.permissions
    ? grantablePermissions(input.permissions, "input.permissions", "a role")
    : null;
  if (givenPermissions) assertWithinOwn(managerOf(ctx.actor, access), givenPermissions, "give a role");
  if (input.name && input.name !== loaded.name) refuseBuiltInName(input.name);
  const role = await unlessDuplicate(
    () =>
      ctx.db.$transaction(async (tx) => {
        const before = await lockedCustomRole(tx, loaded.id);
        if (!before) throw notFound("Role");
        const name = input.name ?? before.name;
        const permissions = givenPermissions ?? before.permissions;
        const ticketAccess = input.ticketAccess ?? before.ticketAccess;
        const changes = diffFields(before, { name, permissions, ticketAccess }, [
          "name",
          "permissions",
          "ticketAccess",
        ]);
        if (changes.length === 0) return before;
        if (name !== before.name && (await roleNameTaken(tx, before.workspaceId, name, before.id)))
          throw duplicateRoleName(name);
        const updated = await updateCustomRole(tx, before.id, { name, permissions, ticketAccess });
        await publish(tx, {
          type: "role.updated",
          ...eventScope(access.workspace),
          actor: eventActor(ctx.actor),
          target: { type: "role", id: updated.id, label: updated.name },
          changes,
          data: { roleId: updated.id },
        });
        return updated;
      }),
    () => duplicateRoleName(input.name ?? loaded.name),
  );
  return customRoleView(role);
};
