import { z } from "zod";
import { badUserInput, forbidden } from "@support/errors";
import { diffFields, type NewEvent } from "@support/events";
import { parseInput, personNameText } from "@support/validation";
import { changeOrgPerson, orgUser, requireUser } from "../../authorization.js";
import type { Tx } from "../../db/client.js";
import type { Prisma, User } from "../../db/generated/client.js";
import { adminsAndPerson } from "../../db/users.js";
import { invitationWorkspaceSchema } from "../../domain/invitations.js";
import { assertKeepsAnAdmin, assertNotSelf, assertOrgAdmin, orgRoleSchema, type OrgRole } from "../../domain/people.js";
import { publish, userStateEvent } from "../../events/publish.js";
import type { MutationResolvers } from "../../generated/graphql.js";

const updateUserInput = z
  .object({
    firstName: personNameText().optional(),
    lastName: personNameText().optional(),
    orgRole: orgRoleSchema.optional(),
    setWorkspaces: z.array(invitationWorkspaceSchema).default([]),
    removeWorkspaces: z.array(z.string().uuid("must be a workspace id")).default([]),
  })
  .superRefine((input, issue) => {
    const ids = [...input.setWorkspaces.map((w) => w.workspaceId), ...input.removeWorkspaces];
    if (new Set(ids).size !== ids.length) {
      issue.addIssue({ code: "custom", message: "each workspace may appear only once", path: ["setWorkspaces"] });
    }
  });

/** GraphQL passes explicit nulls for omitted nullable fields; treat them as "unchanged". */
function withoutNulls(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}

/**
 * Names (the user, org admins, or an admin of one of their workspaces), org role (org admins) and
 * workspace memberships (applied by the workspace service, which checks the caller administers
 * each workspace). Nobody changes their own roles.
 */
export const updateUser: MutationResolvers["updateUser"] = async (_, args, ctx) => {
  const actor = requireUser(ctx);
  const input = parseInput(updateUserInput, withoutNulls(args.input), ["input"]);
  const target = await orgUser(ctx.db, actor, args.id);
  const self = actor.userId === target.id;
  const changesWorkspaces = input.setWorkspaces.length > 0 || input.removeWorkspaces.length > 0;
  const changesNames = input.firstName !== undefined || input.lastName !== undefined;
  const changesOrgRole = input.orgRole !== undefined && input.orgRole !== target.orgRole;

  // Validate the whole input before writing anything (docs/adr/0004, consequences).
  if (changesOrgRole) {
    assertOrgAdmin(actor, "set organisation roles");
    assertNotSelf(actor.userId, target.id, "change the organisation role of");
  }
  if (changesWorkspaces) assertNotSelf(actor.userId, target.id, "change the workspace roles of");
  if (changesNames && !self && actor.orgRole !== "ORG_ADMIN") {
    // Workspace admins may edit the people of the workspaces they administer.
    const shared = await ctx.workspaces.memberships([target.id]);
    if (!shared.some((membership) => membership.userId === target.id)) {
      throw forbidden("You can edit only people of the workspaces you administer");
    }
  }
  if (!changesNames && input.orgRole === undefined && !changesWorkspaces) {
    throw badUserInput("Nothing to change: give a name, an organisation role or workspaces", "input");
  }
  if (input.orgRole !== undefined) assertOrgAdmin(actor, "set organisation roles");
  if (changesOrgRole && input.orgRole === "MEMBER") {
    // Early, friendly refusal; re-checked under the lock below.
    const people = await adminsAndPerson(ctx.db, actor.organisationId, target.id);
    assertKeepsAnAdmin(people, { userId: target.id, orgRole: "MEMBER" });
  }

  // Workspace part first, all or nothing on its side; workspace authorizes the end user.
  if (changesWorkspaces) {
    await ctx.workspaces.applyMemberships({
      userId: target.id,
      set: input.setWorkspaces.map((w) => ({
        workspaceId: w.workspaceId,
        role: w.role,
        customRoleId: w.customRoleId ?? null,
      })),
      remove: input.removeWorkspaces,
    });
  }
  if (!changesNames && !changesOrgRole) return target;

  const write = async (tx: Tx, current: User): Promise<User> => {
    const data: Prisma.UserUpdateInput = {};
    if (input.firstName !== undefined) data.firstName = input.firstName;
    if (input.lastName !== undefined) data.lastName = input.lastName;
    if (changesOrgRole) data.orgRole = input.orgRole as OrgRole;
    data.version = { increment: 1 };
    const updated = await tx.user.update({ where: { id: current.id }, data });
    const events: Array<NewEvent<"user.updated" | "user.org_role_changed">> = [];
    const nameChanges = diffFields(current, updated, ["firstName", "lastName"]);
    const base = userStateEvent(actor, updated);
    if (nameChanges.length > 0) events.push({ ...base, type: "user.updated", changes: nameChanges });
    if (current.orgRole !== updated.orgRole) {
      events.push({
        ...base,
        type: "user.org_role_changed",
        changes: [{ field: "orgRole", old: current.orgRole, new: updated.orgRole }],
      });
    }
    await publish(tx, ...events);
    return updated;
  };

  if (changesOrgRole) {
    return changeOrgPerson(ctx, actor, { userId: target.id, orgRole: input.orgRole as OrgRole }, write);
  }
  return ctx.db.$transaction(async (tx) => write(tx, await orgUser(tx, actor, target.id)));
};
