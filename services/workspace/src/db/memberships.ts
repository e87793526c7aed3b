import DataLoader from "dataloader";
import { notFound } from "@support/errors";
import { isUuid, type PagingArguments } from "@support/validation";
import type { SeatUse } from "../domain/members.js";
import { timeIdCursor } from "../domain/pages.js";
import { memberKey } from "../domain/pages.js";
import type { Db, Tx } from "./client.js";
import { Prisma, type CustomRole, type Membership } from "./generated/client.js";
import { readPage } from "./pages.js";

/** What `WorkspaceMember`'s fields read: a membership, with its custom role when a page loaded it. */
export type MemberView = Membership & { customRole?: CustomRole | null };

/**
 * Members and live pending invitations of a workspace, against its seats. Pending invitations
 * are this service's rows: written when identity reserves the seats (under the workspace lock),
 * so they are exact at decision time (docs/adr/0004).
 */
export async function seatUse(
  db: Db | Tx,
  workspace: { id: string; seats: number },
  options: { exceptInvitationId?: string } = {},
): Promise<SeatUse> {
  const [members, pendingInvitations] = await Promise.all([
    db.membership.count({ where: { workspaceId: workspace.id } }),
    db.pendingInvitation.count({
      where: {
        workspaceId: workspace.id,
        expiresAt: { gt: new Date() },
        ...(options.exceptInvitationId ? { invitationId: { not: options.exceptInvitationId } } : {}),
      },
    }),
  ]);
  return { seats: workspace.seats, members, pendingInvitations };
}

/**
 * Serialises membership-changing writes of one workspace (and its deletion), so two approvals
 * cannot both take the last seat and a role is never read stale beside a transfer of ownership.
 * Returns the current seats.
 */
export async function lockWorkspace(tx: Tx, workspaceId: string): Promise<{ id: string; seats: number }> {
  const rows = await tx.$queryRaw<Array<{ id: string; seats: number }>>`
    SELECT id, seats FROM workspace WHERE id = ${workspaceId}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new Error(`workspace ${workspaceId} vanished`);
  return row;
}

/** "First Last" (or the email) from the person copy, for event targets. */
export async function personLabel(db: Db | Tx, userId: string): Promise<string | null> {
  const person = await db.person.findUnique({ where: { userId } });
  if (!person) return null;
  const name = [person.firstName, person.lastName].filter(Boolean).join(" ");
  return name || person.email || null;
}

export const memberTarget = async (db: Db | Tx, userId: string) => ({
  type: "member" as const,
  id: userId,
  label: await personLabel(db, userId),
});

/** A user's membership of a workspace, or null. */
export const findMembership = (db: Db | Tx, workspaceId: string, userId: string) =>
  db.membership.findUnique({ where: { workspaceId_userId: { workspaceId, userId } } });

/** A member of the workspace, NOT_FOUND for anyone else (and for what is not an id). */
export async function memberOf(db: Db | Tx, workspaceId: string, userId: string): Promise<Membership> {
  const membership = isUuid(userId) ? await findMembership(db, workspaceId, userId) : null;
  if (!membership) throw notFound("Member");
  return membership;
}

/** The workspace's owner's membership (every workspace has exactly one). */
export async function ownerOf(tx: Tx, workspaceId: string): Promise<Membership> {
  const owner = await tx.membership.findFirst({ where: { workspaceId, role: "OWNER" } });
  if (!owner) throw new Error(`workspace ${workspaceId} has no owner`);
  return owner;
}

/** Makes a member the owner; the owner's overrides would be meaningless (the owner cannot be restricted). */
export const makeOwner = (tx: Tx, workspaceId: string, userId: string) =>
  tx.membership.update({
    where: { workspaceId_userId: { workspaceId, userId } },
    data: { role: "OWNER", customRoleId: null, granted: [], denied: [] },
  });

/** The previous owner of a transfer: ADMIN from now on. */
export const makeAdmin = (tx: Tx, workspaceId: string, userId: string) =>
  tx.membership.update({
    where: { workspaceId_userId: { workspaceId, userId } },
    data: { role: "ADMIN", customRoleId: null },
  });

/** The memberships of these users in a workspace (those that exist). */
export const membersByIds = (tx: Tx, workspaceId: string, userIds: string[]) =>
  tx.membership.findMany({ where: { workspaceId, userId: { in: userIds } } });

/** A member's overrides, replaced. */
export const setOverrides = (
  tx: Tx,
  workspaceId: string,
  userId: string,
  overrides: { granted: string[]; denied: string[] },
) => tx.membership.update({ where: { workspaceId_userId: { workspaceId, userId } }, data: overrides });

/** Every membership of a workspace (the owner invariant's check). */
export const membershipsOf = (tx: Tx, workspaceId: string) => tx.membership.findMany({ where: { workspaceId } });

/**
 * A page of a workspace's members, in the order they joined, with their custom roles (one query
 * for the page, not one per member).
 */
export const membersPage = (db: Db, workspaceId: string, args: PagingArguments, totalCount: () => Promise<number>) =>
  readPage<MemberView, Prisma.MembershipWhereInput, Prisma.MembershipOrderByWithRelationInput[]>(
    args,
    timeIdCursor,
    { columns: ["createdAt", "userId"], ascending: true, instant: true, keyOf: memberKey },
    ({ where, orderBy, take }) =>
      db.membership.findMany({
        where: { AND: [{ workspaceId }, where] },
        include: { customRole: true },
        orderBy,
        take,
      }),
    totalCount,
  );

/** Per request: every membership of each workspace asked about, in the order they joined, one query per batch. */
export function workspaceMembershipsLoader(db: Db): DataLoader<string, Membership[]> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const rows = await db.membership.findMany({
      where: { workspaceId: { in: [...workspaceIds] } },
      orderBy: [{ createdAt: "asc" }, { userId: "asc" }],
    });
    return workspaceIds.map((id) => rows.filter((m) => m.workspaceId === id));
  });
}

/**
 * Per request: how many rows of `table` (its members, its teams) each workspace asked about has,
 * one grouped query per batch, so `workspaces { nodes { members { totalCount } } }` counts once
 * for the page.
 */
export function countLoader(db: Db, table: "membership" | "team"): DataLoader<string, number> {
  return new DataLoader(async (workspaceIds: readonly string[]) => {
    const groups = await db.$queryRaw<Array<{ workspaceId: string; count: number }>>`
      SELECT workspace_id::text AS "workspaceId", count(*)::int AS count FROM ${Prisma.raw(table)}
      WHERE workspace_id = ANY(${[...workspaceIds]}::uuid[]) GROUP BY workspace_id`;
    return workspaceIds.map((id) => groups.find((g) => g.workspaceId === id)?.count ?? 0);
  });
}

/** A user's memberships in an organisation's workspaces, with the workspace and custom role. */
export const membershipsOfUser = (db: Db, userId: string, organisationId: string) =>
  db.membership.findMany({
    where: { userId, workspace: { organisationId } },
    include: { workspace: true, customRole: true },
  });

/** The memberships of these workspaces (of these users only, when given), by workspace then as they joined. */
export const membershipsIn = (db: Db, workspaceIds: string[], userIds?: string[]) =>
  db.membership.findMany({
    where: { workspaceId: { in: workspaceIds }, ...(userIds ? { userId: { in: userIds } } : {}) },
    orderBy: [{ workspaceId: "asc" }, { createdAt: "asc" }],
  });

/** The workspaces (id and name) of an organisation a user owns, by name. */
export async function workspacesOwnedBy(db: Db, userId: string, organisationId: string) {
  const owned = await db.membership.findMany({
    where: { userId, role: "OWNER", workspace: { organisationId } },
    include: { workspace: { select: { id: true, name: true } } },
    orderBy: { workspace: { name: "asc" } },
  });
  return owned.map((m) => m.workspace);
}

/** Every membership of a user, with its workspace. */
export const membershipsWithWorkspaces = (tx: Tx, userId: string) =>
  tx.membership.findMany({ where: { userId }, include: { workspace: true } });

/**
 * Who inherits a workspace whose owner `ownerId` leaves: its longest-standing admin, or failing
 * that supervisor, or failing that member; null when nobody else is left.
 */
export async function heirOf(tx: Tx, workspaceId: string, ownerId: string): Promise<Membership | null> {
  const first = (where: Prisma.MembershipWhereInput) =>
    tx.membership.findFirst({ where: { workspaceId, ...where }, orderBy: { createdAt: "asc" } });
  return (
    (await first({ role: "ADMIN" })) ??
    (await first({ role: "SUPERVISOR" })) ??
    (await first({ userId: { not: ownerId } }))
  );
}
