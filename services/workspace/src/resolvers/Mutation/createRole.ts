import { z } from "zod";
import { eventActor, eventScope } from "@support/events";
import { authorize } from "@support/permissions";
import { entityNameText, parseInput } from "@support/validation";
import { freshAccess } from "../../authorization.js";
import { unlessDuplicate } from "../../db/client.js";
import { countCustomRoles, createCustomRole, roleNameTaken } from "../../db/roles.js";
import { lockedWorkspace } from "../../db/workspaces.js";
import { assertWithinOwn, managerOf } from "../../domain/members.js";
import { grantablePermissions } from "../../domain/permission-input.js";
import { assertCustomRoleAllowed, customRoleView, duplicateRoleName, refuseBuiltInName } from "../../domain/roles.js";
import { publish } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

export const ticketAccessInput = z.enum(["ALL", "ASSIGNED_TO_ME_OR_MY_TEAMS", "ASSIGNED_TO_ME"]);

const createRoleInput = z.object({
  name: entityNameText(),
  permissions: z.array(z.string()),
  ticketAccess: ticketAccessInput.nullish(),
});

/** A custom role (roles:create), as many as the plan allows, within the creator's own permissions. */
export const createRole: MutationResolvers["createRole"] = async (_, args, ctx) => {
  const access = await authorize(freshAccess(ctx), args.workspaceId, "roles:create");
  const input = parseInput(createRoleInput, args.input, ["input"]);
  const { name } = input;
  const permissions = grantablePermissions(input.permissions, "input.permissions", "a role");
  // A supervisor (or a custom role with roles:create) makes roles within their own reach.
  assertWithinOwn(managerOf(ctx.actor, access), permissions, "create a role with");
  refuseBuiltInName(name);
  const role = await unlessDuplicate(
    () =>
      ctx.db.$transaction(async (tx) => {
        // The row lock serialises role creation per workspace, so the allowance cannot be overrun.
        const workspace = await lockedWorkspace(tx, access.workspace.id);
        if (!workspace) throw new Error(`workspace ${access.workspace.id} vanished`);
        assertCustomRoleAllowed(workspace.plan, await countCustomRoles(tx, workspace.id));
        if (await roleNameTaken(tx, workspace.id, name)) throw duplicateRoleName(name);
        const created = await createCustomRole(tx, workspace.id, {
          name,
          permissions,
          ticketAccess: input.ticketAccess ?? "ALL",
        });
        await publish(tx, {
          type: "role.created",
          ...eventScope(access.workspace),
          actor: eventActor(ctx.actor),
          target: { type: "role", id: created.id, label: created.name },
          changes: [
            { field: "name", old: null, new: created.name },
            { field: "permissions", old: null, new: created.permissions },
            { field: "ticketAccess", old: null, new: created.ticketAccess },
          ],
          data: { roleId: created.id },
        });
        return created;
      }),
    () => duplicateRoleName(name),
  );
  return customRoleView(role);
};
