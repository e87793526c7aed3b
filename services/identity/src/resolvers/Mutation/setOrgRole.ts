import { z } from "zod";
import { parseInput } from "@support/validation";
import { changeOrgPerson, requireOrgAdminOver } from "../../authorization.js";
import { orgRoleSchema } from "../../domain/people.js";
import { publish, userStateEvent } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const setOrgRoleInput = z.object({ role: orgRoleSchema });

/** Org admins only; not yourself; the organisation keeps an active org admin. */
export const setOrgRole: MutationResolvers["setOrgRole"] = async (_, args, ctx) => {
  const actor = requireOrgAdminOver(ctx, args.id, {
    action: "set organisation roles",
    onSelf: "change the organisation role of",
  });
  // The SDL's OrgRole enum has let only these values through: this refuses nothing before the checks above.
  const { role } = parseInput(setOrgRoleInput, args.input, ["input"]);
  return changeOrgPerson(ctx, actor, { userId: args.id, orgRole: role }, async (tx, target) => {
    if (target.orgRole === role) return target;
    const updated = await tx.user.update({
      where: { id: target.id },
      data: { orgRole: role, version: { increment: 1 } },
    });
    await publish(tx, {
      type: "user.org_role_changed",
      ...userStateEvent(actor, updated),
      changes: [{ field: "orgRole", old: target.orgRole, new: updated.orgRole }],
    });
    return updated;
  });
};
