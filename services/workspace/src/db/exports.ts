import { randomUUID } from "node:crypto";
import type { Actor } from "@support/actor-context";
import { downloadRequesterOf, renewDownload, requesterOf, takeExportAllowance } from "@support/service-kit";
import { EXPORT_INTERVAL_SECONDS, EXPORT_LINK_TTL_SECONDS } from "../domain/exports.js";
import type { Db } from "./client.js";

/**
 * Records an export for the signed-in caller (who must be one) if the workspace's 60-second
 * allowance lets it: one atomic upsert decides (RATE_LIMITED otherwise, from service-kit).
 */
export async function createExport(db: Db, actor: Actor, workspaceId: string) {
  const requestedBy = requesterOf(actor)!;
  const requester = downloadRequesterOf(actor)!;
  return db.$transaction(async (tx) => {
    const allowance = await takeExportAllowance(
      tx,
      workspaceId,
      EXPORT_INTERVAL_SECONDS,
      "This workspace's data was exported less than 60 seconds ago",
    );
    const row = await tx.workspaceExport.create({
      data: {
        id: randomUUID(),
        workspaceId,
        requestedBy,
        requester,
        expiresAt: new Date(allowance.takenAt.getTime() + EXPORT_LINK_TTL_SECONDS * 1000),
      },
    });
    return { row, takenAt: allowance.takenAt };
  });
}

export const findExport = (db: Db, id: string) => db.workspaceExport.findUnique({ where: { id } });

/**
 * A fresh link version for the caller's export (the previous link stops working); null when the
 * export is not theirs, too old or out of renewals. With when the workspace's last export was asked.
 */
export async function renewExportLink(db: Db, id: string, actor: Actor) {
  if (!(await renewDownload(db.workspaceExport, id, actor, EXPORT_LINK_TTL_SECONDS))) return null;
  const row = await db.workspaceExport.findUniqueOrThrow({ where: { id } });
  const allowance = await db.exportAllowance.findUnique({ where: { workspaceId: row.workspaceId } });
  return { row, lastRequestedAt: allowance?.lastRequestedAt ?? row.createdAt };
}

/** An export with its workspace, as a download link names it. */
export const exportWithWorkspace = (db: Db, id: string) =>
  db.workspaceExport.findUnique({ where: { id }, include: { workspace: true } });

/**
 * Uses a link once, in PostgreSQL (so across replicas): false when it was used, expired or renewed
 * since (a renewed link's old version consumes nothing).
 */
export async function consumeExportLink(db: Db, row: { id: string; linkVersion: number }): Promise<boolean> {
  const consumed = await db.workspaceExport.updateMany({
    where: { id: row.id, linkVersion: row.linkVersion, consumedAt: null, expiresAt: { gt: new Date() } },
    data: { consumedAt: new Date() },
  });
  return consumed.count === 1;
}

/** What the workspace's own files of the zip hold: its memberships, custom roles and teams, and its people. */
export async function workspaceDataOf(db: Db, workspaceId: string) {
  const [memberships, roles, teams] = await Promise.all([
    db.membership.findMany({ where: { workspaceId }, include: { customRole: true }, orderBy: { createdAt: "asc" } }),
    db.customRole.findMany({ where: { workspaceId }, include: { _count: { select: { memberships: true } } } }),
    db.team.findMany({ where: { workspaceId }, include: { members: true }, orderBy: { name: "asc" } }),
  ]);
  const people = await db.person.findMany({ where: { userId: { in: memberships.map((m) => m.userId) } } });
  return { memberships, roles, teams, people: new Map(people.map((p) => [p.userId, p])) };
}
