import { randomUUID } from "node:crypto";
import { downloadToken, requesterOf, takeExportAllowance } from "@support/service-kit";
import type { WorkspaceContext } from "../context.js";
import { authorize } from "./access.js";

/** SPEC section 7: at most one workspace-data export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;
export const EXPORT_LINK_TTL_SECONDS = 300;

/**
 * `exportWorkspaceData(workspaceId)` (SPEC section 7, docs/adr/0009): `workspace_data:export`
 * (the owner; members while membersCanExportData is on). One per 60 s per workspace, decided by
 * one atomic upsert; returns a single-use link for the requester on the gateway, which streams the
 * zip when fetched.
 */
export async function exportWorkspaceData(args: { workspaceId: string }, ctx: WorkspaceContext) {
  const access = await authorize(ctx.db, ctx.actor, args.workspaceId, "workspace_data:export");
  const requestedBy = requesterOf(ctx.actor)!;
  const workspaceId = access.workspace.id;
  const { row, nextAllowedAt } = await ctx.db.$transaction(async (tx) => {
    const allowance = await takeExportAllowance(
      tx,
      workspaceId,
      EXPORT_INTERVAL_SECONDS,
      "This workspace's data was exported less than 60 seconds ago",
    );
    const created = await tx.workspaceExport.create({
      data: {
        id: randomUUID(),
        workspaceId,
        requestedBy,
        expiresAt: new Date(allowance.takenAt.getTime() + EXPORT_LINK_TTL_SECONDS * 1000),
      },
    });
    return { row: created, nextAllowedAt: allowance.nextAllowedAt };
  });
  return {
    url: `${ctx.downloadBaseUrl}/downloads/workspace/${downloadToken(ctx.signer, row)}`,
    expiresAt: row.expiresAt.toISOString(),
    nextAllowedAt: nextAllowedAt.toISOString(),
  };
}
