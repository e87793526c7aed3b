import DataLoader from "dataloader";
import { z } from "zod";
import { conflict, invalidInput, isAppError, notFound, planLimit } from "@support/errors";
import { eventActorFrom } from "@support/events";
import { cursorCodec, cursorKey, entityNameText, isUuid, type PagingArguments } from "@support/validation";
import {
  BUILT_IN_ROLES,
  CUSTOM_ROLE_ALLOWANCE,
  builtInRolePermissions,
  builtInRoleTicketAccess,
  canCreateCustomRole,
  type BuiltInRole,
  type TicketAccess,
} from "@support/permissions";
import type { CustomRole, Membership } from "../db/generated/client.js";
import type { WorkspaceContext } from "../context.js";
import { assertWithinOwn, managerOf } from "../domain/members.js";
import { grantablePermissions } from "../domain/permission-input.js";
import { publish, workspaceEvent } from "../events/publish.js";
import { authorize, isUniqueViolation, requirePermission } from "./access.js";
import { compareText, memberKey, pageOf, timeIdCursor } from "./pages.js";
import type { Db, Tx } from "../db/client.js";
import type { MutationCreateRoleArgs, MutationDeleteRoleArgs, MutationUpdateRoleArgs } from "../generated/graphql.js";

/** A role as the graph shows it: built-in ones are listed too, with their fixed ticket access. */
export interface RoleView {
  id: string;
  workspaceId: string;
  name: string;
  builtIn: boolean;
  permissions: string[];
  ticketAccess: TicketAccess;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export const builtInRoleView = (workspaceId: string, role: BuiltInRole): RoleView => ({
  id: role,
  workspaceId,
  name: role,
  builtIn: true,
  permissions: builtInRolePermissions(role),
  ticketAccess: builtInRoleTicketAccess(role),
  createdAt: null,
  updatedAt: null,
});

export const customRoleView = (role: CustomRole): RoleView => ({ ...role, builtIn: false });

const roleName = entityNameText();
const ticketAccess = z.enum(["ALL", "ASSIGNED_TO_ME_OR_MY_TEAMS", "ASSIGNED_TO_ME"]);
const createRoleInput = z.object({
  name: roleName,
  permissions: z.array(z.string()),
  ticketAccess: ticketAccess.nullish(),
});
const updateRoleInput = z.object({
  name: roleName.nullish(),
  permissions: z.array(z.string()).nullish(),
  ticketAccess: ticketAccess.nullish(),
});

const roleTarget = (role: CustomRole) => ({ type: "role" as const, id: role.id, label: role.name });

function duplicateName(name: string) {
  return conflict(`A role named "${name}" already exists in this workspace`, "input.name");
}

/** Built-in names are taken: a custom role called "Admin" would be ambiguous in every list. */
function refuseBuiltInName(name: string): void {
  if (BUILT_IN_ROLES.some((role) => role.toLowerCase() === name.toLowerCase())) throw duplicateName(name);
}

async function sameNameExists(db: Db | Tx, workspaceId: string, name: string, exceptId?: string): Promise<boolean> {
  const found = await db.customRole.findFirst({
    where: { workspaceId, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
  });
  return found !== null;
}

/**
 * A role's place in the list: built-in roles first (OWNER, ADMIN, SUPERVISOR, AGENT, SUPPORT,
 * MEMBER), then custom ones by name.
 */
type RoleKey = [number, string, string];
const roleKey = (role: RoleView): RoleKey => [
  role.builtIn ? BUILT_IN_ROLES.indexOf(role.id as BuiltInRole) : BUILT_IN_ROLES.length,
  role.name,
  role.id,
];
const compareRoleKeys = (a: RoleKey, b: RoleKey): number =>
  a[0] - b[0] ||
  compareText(a[1].toLowerCase(), b[1].toLowerCase()) ||
  compareText(a[1], b[1]) ||
  compareText(a[2], b[2]);
const roleCursor = cursorCodec(
  z.tuple([
    cursorKey.integer(0, BUILT_IN_ROLES.length),
    z.string().max(500),
    z.union([z.enum(BUILT_IN_ROLES as [BuiltInRole, ...BuiltInRole[]]), cursorKey.uuid()]),
  ]),
);

/**
 * A page of the workspace's roles. The roles are few enough to read whole (custom roles are
 * bounded by the plan's allowance, built-in ones are six) and page in memory; their members
 * come from the request's loader of workspace memberships, one query for every role listed.
 */
export async function listRoles(workspaceId: string, args: PagingArguments, ctx: WorkspaceContext) {
  const access = await ctx.accesses.load(workspaceId);
  if (!access) throw notFound("Workspace");
  requirePermission(access, "roles:list");
  const custom = await ctx.db.customRole.findMany({ where: { workspaceId } });
  const roles = [...BUILT_IN_ROLES.map((role) => builtInRoleView(workspaceId, role)), ...custom.map(customRoleView)];
  const sorted = roles.sort((a, b) => compareRoleKeys(roleKey(a), roleKey(b)));
  return pageOf(sorted, args, roleCursor, roleKey, compareRoleKeys);
}

/**
 * The members holding a role, in the order they joined: a page of the workspace's memberships,
 * which the request's loader reads once for every role (and workspace) asked about.
 */
export async function roleMembers(role: RoleView, args: PagingArguments, ctx: WorkspaceContext) {
  const memberships = await ctx.workspaceMemberships.load(role.workspaceId);
  const holders = memberships.filter((m) => (m.role === "CUSTOM" ? m.customRoleId : m.role) === role.id);
  return pageOf(holders, args, timeIdCursor, memberKey, compareTimeIdKeys);
}

/** Order of `[createdAt ISO, id]` keys: ISO instants of one format sort as text. */
export const compareTimeIdKeys = (a: [string, string], b: [string, string]): number =>
  compareText(a[0], b[0]) || compareText(a[1], b[1]);

/** Per request: every membership of each workspace asked about, in the order they joined, one query per batch. */
export function workspaceMembershipsLoader(ctx: Pick<WorkspaceContext, "db">): DataLoader<string, Membership[]> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const rows = await ctx.db.membership.findMany({
      where: { workspaceId: { in: [...workspaceIds] } },
      orderBy: [{ createdAt: "asc" }, { userId: "asc" }],
    });
    return workspaceIds.map((id) => rows.filter((m) => m.workspaceId === id));
  });
}

export async function createRole(args: MutationCreateRoleArgs, ctx: WorkspaceContext): Promise<RoleView> {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "roles:create");
  const parsed = createRoleInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const { name } = parsed.data;
  const permissions = grantablePermissions(parsed.data.permissions, "input.permissions", "a role");
  // A supervisor (or a custom role with roles:create) makes roles within their own reach.
  assertWithinOwn(managerOf(ctx.actor, access), permissions, "create a role with");
  refuseBuiltInName(name);
  try {
    const role = await ctx.db.$transaction(async (tx) => {
      // The row lock serialises role creation per workspace, so the allowance cannot be overrun.
      await tx.$queryRaw`SELECT id FROM workspace WHERE id = ${access.workspace.id}::uuid FOR UPDATE`;
      const { plan } = await tx.workspace.findUniqueOrThrow({ where: { id: access.workspace.id } });
      const existing = await tx.customRole.count({ where: { workspaceId: access.workspace.id } });
      if (!canCreateCustomRole(plan, existing)) {
        const allowance = CUSTOM_ROLE_ALLOWANCE[plan];
        throw planLimit(
          allowance === 0
            ? `The ${plan} plan includes no custom roles; upgrade to PRO or UNLIMITED to create one`
            : `The ${plan} plan includes ${allowance} custom role${allowance === 1 ? "" : "s"} and this workspace has ${existing}; upgrade to create more`,
        );
      }
      if (await sameNameExists(tx, access.workspace.id, name)) throw duplicateName(name);
      const created = await tx.customRole.create({
        data: {
          workspaceId: access.workspace.id,
          name,
          permissions,
          ticketAccess: parsed.data.ticketAccess ?? "ALL",
        },
      });
      await publish(
        tx,
        workspaceEvent(
          access.workspace,
          eventActorFrom(ctx.actor),
          "role.created",
          roleTarget(created),
          [
            { field: "name", old: null, new: created.name },
            { field: "permissions", old: null, new: created.permissions },
            { field: "ticketAccess", old: null, new: created.ticketAccess },
          ],
          { roleId: created.id },
        ),
      );
      return created;
    });
    return customRoleView(role);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(name);
    throw error;
  }
}

/** A custom role by id, NOT_FOUND unless the actor can see its workspace. */
async function loadRole(ctx: WorkspaceContext, id: string, permission: "roles:update" | "roles:delete") {
  if (!isUuid(id)) throw notFound("Role");
  const role = await ctx.db.customRole.findUnique({ where: { id } });
  if (!role) throw notFound("Role");
  try {
    const access = await authorize(ctx.db, ctx.actor, role.workspaceId, permission);
    return { role, access };
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") throw notFound("Role");
    throw error;
  }
}

export async function updateRole(args: MutationUpdateRoleArgs, ctx: WorkspaceContext): Promise<RoleView> {
  const { role: loaded, access } = await loadRole(ctx, args.id, "roles:update");
  const parsed = updateRoleInput.safeParse(args.input);
  if (!parsed.success) throw invalidInput(parsed.error.issues, ["input"]);
  const givenPermissions = parsed.data.permissions
    ? grantablePermissions(parsed.data.permissions, "input.permissions", "a role")
    : null;
  if (givenPermissions) assertWithinOwn(managerOf(ctx.actor, access), givenPermissions, "give a role");
  if (parsed.data.name && parsed.data.name !== loaded.name) refuseBuiltInName(parsed.data.name);
  try {
    const role = await ctx.db.$transaction(async (tx) => {
      // Re-read under a row lock: fields not given keep their current values, not the ones seen
      // before the transaction (two edits at once would otherwise undo each other), and the
      // event's old values are the ones actually replaced.
      await tx.$queryRaw`SELECT id FROM custom_role WHERE id = ${loaded.id}::uuid FOR UPDATE`;
      const before = await tx.customRole.findUnique({ where: { id: loaded.id } });
      if (!before) throw notFound("Role");
      const name = parsed.data.name ?? before.name;
      const permissions = givenPermissions ?? before.permissions;
      const ticketAccessNext = parsed.data.ticketAccess ?? before.ticketAccess;
      const changes = [
        ...(name !== before.name ? [{ field: "name", old: before.name, new: name }] : []),
        ...(JSON.stringify(permissions) !== JSON.stringify(before.permissions)
          ? [{ field: "permissions", old: before.permissions, new: permissions }]
          : []),
        ...(ticketAccessNext !== before.ticketAccess
          ? [{ field: "ticketAccess", old: before.ticketAccess, new: ticketAccessNext }]
          : []),
      ];
      if (changes.length === 0) return before;
      if (name !== before.name && (await sameNameExists(tx, before.workspaceId, name, before.id)))
        throw duplicateName(name);
      const updated = await tx.customRole.update({
        where: { id: before.id },
        data: { name, permissions, ticketAccess: ticketAccessNext },
      });
      await publish(
        tx,
        workspaceEvent(access.workspace, eventActorFrom(ctx.actor), "role.updated", roleTarget(updated), changes, {
          roleId: updated.id,
        }),
      );
      return updated;
    });
    return customRoleView(role);
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicateName(parsed.data.name ?? loaded.name);
    throw error;
  }
}

export async function deleteRole(args: MutationDeleteRoleArgs, ctx: WorkspaceContext): Promise<string> {
  const { role, access } = await loadRole(ctx, args.id, "roles:delete");
  return ctx.db.$transaction(async (tx) => {
    // Waits for assignments in flight (they hold the role FOR SHARE, see customRoleOf), so their
    // members are counted here rather than hitting the foreign key afterwards.
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM custom_role WHERE id = ${role.id}::uuid FOR UPDATE`;
    if (locked.length === 0) throw notFound("Role");
    const holders = await tx.membership.count({ where: { customRoleId: role.id } });
    if (holders > 0) {
      throw conflict(
        `The role "${role.name}" is held by ${holders} member${holders === 1 ? "" : "s"}; give them another role first`,
      );
    }
    await tx.customRole.delete({ where: { id: role.id } });
    await publish(
      tx,
      workspaceEvent(
        access.workspace,
        eventActorFrom(ctx.actor),
        "role.deleted",
        roleTarget(role),
        [
          { field: "name", old: role.name, new: null },
          { field: "permissions", old: role.permissions, new: null },
        ],
        { roleId: role.id },
      ),
    );
    return role.id;
  });
}

/**
 * Used by setMemberRole, join approvals and invitations: a custom role of this workspace, or
 * NOT_FOUND — a role of another workspace answers exactly like one that does not exist.
 */
export async function customRoleOf(db: Db | Tx, workspaceId: string, customRoleId: string): Promise<CustomRole> {
  // FOR SHARE keeps the role from being deleted until the caller's transaction ends (deleteRole
  // takes it FOR UPDATE); a role deleted just before is simply not found.
  const locked = isUuid(customRoleId)
    ? await db.$queryRaw<Array<{ id: string }>>`
        SELECT id FROM custom_role WHERE id = ${customRoleId}::uuid AND workspace_id = ${workspaceId}::uuid FOR SHARE`
    : [];
  const role = locked.length > 0 ? await db.customRole.findUnique({ where: { id: customRoleId } }) : null;
  if (!role || role.workspaceId !== workspaceId) throw notFound("Role");
  return role;
}
