import { notFound } from "@support/errors";
import type { TicketAccess } from "@support/permissions";
import { isUuid } from "@support/validation";
import type { Db, Tx } from "./client.js";
import type { CustomRole } from "./generated/client.js";

export const customRolesOf = (db: Db | Tx, workspaceId: string) => db.customRole.findMany({ where: { workspaceId } });

/** A custom role by id; null for a missing one and for what is not an id. */
export const findCustomRole = async (db: Db | Tx, id: string) =>
  isUuid(id) ? db.customRole.findUnique({ where: { id } }) : null;

export const countCustomRoles = (tx: Tx, workspaceId: string) => tx.customRole.count({ where: { workspaceId } });

/** Whether another role of the workspace has this name, whatever its case. */
export async function roleNameTaken(db: Db | Tx, workspaceId: string, name: string, exceptId?: string) {
  const found = await db.customRole.findFirst({
    where: { workspaceId, name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
  });
  return found !== null;
}

export interface RoleFields {
  name: string;
  permissions: string[];
  ticketAccess: TicketAccess;
}

export const createCustomRole = (tx: Tx, workspaceId: string, fields: RoleFields) =>
  tx.customRole.create({ data: { workspaceId, ...fields } });

export const updateCustomRole = (tx: Tx, id: string, fields: RoleFields) =>
  tx.customRole.update({ where: { id }, data: fields });

export const deleteCustomRole = (tx: Tx, id: string) => tx.customRole.delete({ where: { id } });

/**
 * Locks a custom role's row for the rest of the transaction; false once it is gone. A deletion
 * so waits for assignments in flight (they hold it FOR SHARE, see `customRoleOf`): their members
 * are counted rather than hitting the foreign key afterwards.
 */
export async function lockCustomRole(tx: Tx, id: string): Promise<boolean> {
  const locked = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id FROM custom_role WHERE id = ${id}::uuid FOR UPDATE`;
  return locked.length > 0;
}

/**
 * A custom role read again under its row lock, null once it is gone: an edit's fields not given
 * keep their current values (two edits at once would otherwise undo each other), and the event's
 * old values are the ones actually replaced.
 */
export const lockedCustomRole = async (tx: Tx, id: string): Promise<CustomRole | null> =>
  (await lockCustomRole(tx, id)) ? findCustomRole(tx, id) : null;

export const countRoleHolders = (tx: Tx, customRoleId: string) => tx.membership.count({ where: { customRoleId } });

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

/** A workspace's custom roles by name, id and name only. */
export const customRoleNames = (db: Db, workspaceId: string) =>
  db.customRole.findMany({ where: { workspaceId }, select: { id: true, name: true }, orderBy: { name: "asc" } });

/** A custom role of this workspace, or null (no lock: for a role given long ago, e.g. at invite time). */
export const customRoleIn = (tx: Tx, workspaceId: string, id: string) =>
  tx.customRole.findFirst({ where: { id, workspaceId } });
