import { pagingWindow } from "@support/service-kit";
import { z } from "zod";
import { badUserInput, conflict, forbidden, notFound } from "@support/errors";
import { diffFields, eventActorFrom, type NewEvent } from "@support/events";
import type { UserActor } from "@support/actor-context";
import {
  connectionOf,
  cursorCodec,
  cursorKey,
  isUuid,
  pagingArguments,
  parseInput,
  personNameText,
} from "@support/validation";
import { invitationWorkspaceSchema } from "../domain/invitations.js";
import {
  assertKeepsAnAdmin,
  assertNotSelf,
  assertOrgAdmin,
  type OrgRole,
  type PersonChange,
  type UserStatus,
} from "../domain/people.js";
import { publish } from "../events/publish.js";
import type { IdentityContext } from "../context.js";
import type { Tx } from "../db/client.js";
import type { Prisma, User } from "../db/generated/client.js";
import { loadOrgUser, lockOrganisation, requireUser, userStateData, userTarget } from "./shared.js";
import type {
  MutationDeleteUserArgs,
  MutationSetOrgRoleArgs,
  MutationSetUserStatusArgs,
  MutationUpdateUserArgs,
  QueryUsersArgs,
} from "../generated/graphql.js";

const orgRoleSchema = z.enum(["ORG_ADMIN", "MEMBER"]);
const statusSchema = z.enum(["ACTIVE", "DISABLED", "SUSPENDED"]);

/**
 * Runs an org-role/status/deletion change of one person in a transaction holding the
 * organisation's lock, re-checking there what the request was authorized with (the actor is
 * still an active org admin) and that an active org admin remains.
 */
async function changePerson<T>(
  ctx: IdentityContext,
  actor: UserActor,
  change: PersonChange,
  write: (tx: Tx, target: User) => Promise<T>,
): Promise<T> {
  if (!isUuid(change.userId)) throw notFound("User");
  const result = await ctx.db.$transaction(async (tx) => {
    await lockOrganisation(tx, actor.organisationId);
    const people = await tx.user.findMany({
      where: { organisationId: actor.organisationId, OR: [{ orgRole: "ORG_ADMIN" }, { id: change.userId }] },
      select: { id: true, orgRole: true, status: true },
    });
    const me = people.find((person) => person.id === actor.userId);
    if (!me || me.orgRole !== "ORG_ADMIN" || me.status !== "ACTIVE") {
      throw forbidden("Only organisation admins can do this");
    }
    const target = await loadOrgUser(tx, actor, change.userId);
    assertKeepsAnAdmin(people, change);
    return write(tx, target);
  });
  // The person's sessions may now be refused or carry another org role: every gateway forgets them
  // (the invalidation is in Kafka before this answers, docs/adr/0011).
  await ctx.invalidations.credentials({ userIds: [change.userId] });
  return result;
}

const setOrgRoleInput = z.object({ role: orgRoleSchema });

export async function setOrgRole(args: MutationSetOrgRoleArgs, ctx: IdentityContext): Promise<User> {
  const actor = requireUser(ctx);
  assertOrgAdmin(actor, "set organisation roles");
  const { role } = parseInput(setOrgRoleInput, args.input, ["input"]);
  assertNotSelf(actor.userId, args.id, "change the organisation role of");
  return changePerson(ctx, actor, { userId: args.id, orgRole: role }, async (tx, target) => {
    if (target.orgRole === role) return target;
    const updated = await tx.user.update({
      where: { id: target.id },
      data: { orgRole: role, version: { increment: 1 } },
    });
    await publish(tx, {
      type: "user.org_role_changed",
      workspaceId: null,
      organisationId: actor.organisationId,
      actor: eventActorFrom(actor),
      target: userTarget(updated),
      changes: [{ field: "orgRole", old: target.orgRole, new: updated.orgRole }],
      data: userStateData(updated),
    });
    return updated;
  });
}

const setUserStatusInput = z.object({ status: statusSchema });

export async function setUserStatus(args: MutationSetUserStatusArgs, ctx: IdentityContext): Promise<User> {
  const actor = requireUser(ctx);
  assertOrgAdmin(actor, "change a user's status");
  const { status } = parseInput(setUserStatusInput, args.input, ["input"]);
  assertNotSelf(actor.userId, args.id, "change the status of");
  return changePerson(ctx, actor, { userId: args.id, status }, async (tx, target) => {
    if (target.status === status) return target;
    const updated = await tx.user.update({ where: { id: target.id }, data: { status, version: { increment: 1 } } });
    // The session check already refuses non-ACTIVE users on their next request; revoking the
    // sessions too means re-enabling them does not revive old (possibly leaked) tokens.
    if (status !== "ACTIVE") {
      await tx.session.updateMany({ where: { userId: target.id, revokedAt: null }, data: { revokedAt: new Date() } });
    }
    await publish(tx, {
      type: "user.status_changed",
      workspaceId: null,
      organisationId: actor.organisationId,
      actor: eventActorFrom(actor),
      target: userTarget(updated),
      changes: [{ field: "status", old: target.status, new: updated.status }],
      data: userStateData(updated),
    });
    return updated;
  });
}

/** Answers the deleted user's id. */
export async function deleteUser(args: MutationDeleteUserArgs, ctx: IdentityContext): Promise<string> {
  const actor = requireUser(ctx);
  assertOrgAdmin(actor, "delete users");
  assertNotSelf(actor.userId, args.id, "delete");
  const target = await loadOrgUser(ctx.db, actor, args.id);
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
  return changePerson(ctx, actor, { userId: target.id, deleted: true }, async (tx, current) => {
    // Sessions go with the user (ON DELETE CASCADE); invitations they sent keep a null inviter.
    await tx.user.delete({ where: { id: current.id } });
    await publish(tx, {
      type: "user.deleted",
      workspaceId: null,
      organisationId: actor.organisationId,
      actor: eventActorFrom(actor),
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
}

// --- updateUser ---------------------------------------------------------------------------

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

export async function updateUser(args: MutationUpdateUserArgs, ctx: IdentityContext): Promise<User> {
  const actor = requireUser(ctx);
  const input = parseInput(updateUserInput, withoutNulls(args.input), ["input"]);
  const target = await loadOrgUser(ctx.db, actor, args.id);
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
    const admins = await ctx.db.user.findMany({
      where: { organisationId: actor.organisationId, orgRole: "ORG_ADMIN" },
      select: { id: true, orgRole: true, status: true },
    });
    assertKeepsAnAdmin(admins, { userId: target.id, orgRole: "MEMBER" });
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
    const base = {
      workspaceId: null,
      organisationId: actor.organisationId,
      actor: eventActorFrom(actor),
      target: userTarget(updated),
      data: userStateData(updated),
    };
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
    return changePerson(ctx, actor, { userId: target.id, orgRole: input.orgRole as OrgRole }, write);
  }
  return ctx.db.$transaction(async (tx) => write(tx, await loadOrgUser(tx, actor, target.id)));
}

// --- users (the Users page) ------------------------------------------------------------------

const usersArgs = z.object({
  filter: z
    .object({
      search: z.string().trim().max(200).nullish(),
      status: statusSchema.nullish(),
    })
    .nullish(),
  ...pagingArguments,
});

/**
 * The page cursor (@support/validation's codec): the key of the list's order, last name, first
 * name and id, so a user added or removed between pages shifts nothing (an offset would).
 */
type UserKey = [lastName: string, firstName: string, id: string];
const usersCursor = cursorCodec(z.tuple([z.string().max(300), z.string().max(300), cursorKey.uuid()]));
const userKey = (user: User): UserKey => [user.lastName, user.firstName, user.id];

/** The users after (or, backward, before) `key` in the list's order: last name, first name, id. */
function beyondUser([lastName, firstName, id]: UserKey, backward: boolean): Prisma.UserWhereInput {
  const beyond = backward ? "lt" : "gt";
  return {
    OR: [
      { lastName: { [beyond]: lastName } },
      { lastName, firstName: { [beyond]: firstName } },
      { lastName, firstName, id: { [beyond]: id } },
    ],
  };
}

/**
 * Org admins see everyone of the organisation; workspace admins the people of the workspaces
 * they administer (the workspace service answers only those); anyone else is refused.
 */
export async function users(args: QueryUsersArgs, ctx: IdentityContext) {
  const actor = requireUser(ctx);
  const { filter, ...paging } = parseInput(usersArgs, args);
  const window = pagingWindow(paging, usersCursor);
  const where: Prisma.UserWhereInput = { organisationId: actor.organisationId };
  if (actor.orgRole !== "ORG_ADMIN") {
    const memberships = await ctx.workspaces.memberships();
    if (memberships.length === 0) throw forbidden("Only organisation and workspace admins can list users");
    where.id = { in: [...new Set(memberships.map((membership) => membership.userId))] };
  }
  if (filter?.status) where.status = filter.status as UserStatus;
  if (filter?.search) {
    const contains = { contains: filter.search, mode: "insensitive" as const };
    where.OR = [{ firstName: contains }, { lastName: contains }, { email: contains }];
  }
  const order = window.backward ? ("desc" as const) : ("asc" as const);
  const [rows, totalCount] = await Promise.all([
    ctx.db.user.findMany({
      where: window.from ? { AND: [where, beyondUser(window.from, window.backward)] } : where,
      orderBy: [{ lastName: order }, { firstName: order }, { id: order }],
      take: window.size + 1,
    }),
    ctx.db.user.count({ where }),
  ]);
  return { ...connectionOf(rows, window, userKey, usersCursor), totalCount };
}
