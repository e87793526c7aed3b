import type { PagingArguments } from "@support/validation";
import type { MemberToggles } from "@support/permissions";
import { nameIdCursor, type Page } from "../domain/pages.js";
import type { SqlReader } from "@support/service-kit";
import type { Db, Tx } from "./client.js";
import { Prisma, type Workspace } from "./generated/client.js";
import { standingsWindow, type WorkspaceStanding } from "./access.js";
import { readRawPage } from "./pages.js";
import type { PurgingService } from "../domain/deletion.js";

/** Which workspaces a caller lists: one (an API key's), or an organisation's, all or those the user belongs to. */
export type WorkspaceVisibility = { workspaceId: string } | { organisationId: string; memberId: string | null };

/** Which workspaces `visibility` selects, in SQL over `workspace w` (the page and its count). */
const visibleSql = (visibility: WorkspaceVisibility): Prisma.Sql =>
  "workspaceId" in visibility
    ? Prisma.sql`w.id = ${visibility.workspaceId}::uuid`
    : visibility.memberId === null
      ? Prisma.sql`w.organisation_id = ${visibility.organisationId}::uuid`
      : Prisma.sql`w.organisation_id = ${visibility.organisationId}::uuid
                   AND EXISTS (SELECT 1 FROM membership v WHERE v.workspace_id = w.id AND v.user_id = ${visibility.memberId}::uuid)`;

/**
 * A page of the workspaces a caller sees, by name, each with the caller's standing (`userId`'s
 * membership; null for an API key), read in one statement; totalCount counted only when asked.
 */
export function workspaceStandingsPage(
  reader: SqlReader,
  visibility: WorkspaceVisibility,
  userId: string | null,
  args: PagingArguments,
): Promise<Page<WorkspaceStanding>> {
  return readRawPage(
    args,
    nameIdCursor,
    (standing): [string, string] => [standing.workspace.name, standing.workspace.id],
    (window) => standingsWindow(reader, userId, visibleSql(visibility), window),
    async () => {
      const statement = Prisma.sql`SELECT count(*)::int AS count FROM workspace w WHERE ${visibleSql(visibility)}`;
      const [{ count }] = await reader.$queryRawUnsafe<[{ count: number }]>(statement.text, ...statement.values);
      return count;
    },
  );
}

export const findWorkspace = (db: Db | Tx, id: string) => db.workspace.findUnique({ where: { id } });

export const createWorkspaceRow = (tx: Tx, organisationId: string, name: string) =>
  tx.workspace.create({ data: { organisationId, name } });

export const renameWorkspace = (tx: Tx, id: string, name: string) =>
  tx.workspace.update({ where: { id }, data: { name } });

export const updateToggles = (tx: Tx, id: string, toggles: Partial<MemberToggles>) =>
  tx.workspace.update({ where: { id }, data: toggles });

/**
 * Locks a workspace's row for the rest of the transaction and reads it: null once it is gone
 * (serialises with every membership change and with a second deletion).
 */
export async function lockedWorkspace(tx: Tx, id: string): Promise<Workspace | null> {
  const [locked] = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id FROM workspace WHERE id = ${id}::uuid FOR UPDATE`;
  return locked ? tx.workspace.findUnique({ where: { id: locked.id } }) : null;
}

/**
 * Deletes a workspace and every row of it in this database (memberships, roles, overrides, teams,
 * join requests, API keys, reserved invitations), leaving the deletion's record.
 */
export async function deleteWorkspaceRows(tx: Tx, workspace: Workspace, requestedBy: string) {
  const record = await tx.workspaceDeletion.create({
    data: { workspaceId: workspace.id, organisationId: workspace.organisationId, name: workspace.name, requestedBy },
  });
  // Memberships first: a membership's custom role is ON DELETE RESTRICT.
  await tx.membership.deleteMany({ where: { workspaceId: workspace.id } });
  await tx.workspace.delete({ where: { id: workspace.id } });
  return record;
}

export const findDeletion = (db: Db, workspaceId: string) =>
  db.workspaceDeletion.findUnique({ where: { workspaceId } });

/** A workspace that must exist (a join request's). */
export const getWorkspace = (db: Db, id: string) => db.workspace.findUniqueOrThrow({ where: { id } });

/** The ids of an organisation's workspaces. */
export async function workspaceIdsOf(db: Db, organisationId: string): Promise<string[]> {
  const all = await db.workspace.findMany({ where: { organisationId }, select: { id: true } });
  return all.map((w) => w.id);
}

/**
 * Writes billing's state of a workspace if it is newer (a greater `aggregateVersion`) than the copy
 * holds; answers whether it was (an older event, delivered late, or an unknown workspace: not).
 */
export async function applyBillingState(
  tx: Tx,
  workspaceId: string,
  state: { plan: Workspace["plan"]; seats: number; aggregateVersion: number },
): Promise<boolean> {
  const { count } = await tx.workspace.updateMany({
    where: { id: workspaceId, billingVersion: { lt: state.aggregateVersion } },
    data: { plan: state.plan, seats: state.seats, billingVersion: state.aggregateVersion },
  });
  return count > 0;
}

/** Records when a service purged a deleted workspace's data, the first time it says so. */
export async function recordPurge(tx: Tx, workspaceId: string, service: PurgingService, at: Date): Promise<void> {
  const column = PURGED_AT[service];
  await tx.workspaceDeletion.updateMany({ where: { workspaceId, [column]: null }, data: { [column]: at } });
}

/** The deletion record's column of each purging service. */
const PURGED_AT = {
  identity: "identityPurgedAt",
  ticketing: "ticketingPurgedAt",
  billing: "billingPurgedAt",
} as const satisfies Record<PurgingService, keyof Prisma.WorkspaceDeletionWhereInput>;
