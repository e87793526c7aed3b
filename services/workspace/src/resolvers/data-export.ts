import { randomUUID } from "node:crypto";
import { notFound, unauthenticated } from "@support/errors";
import {
  downloadRequesterOf,
  downloadToken,
  renewDownload,
  requesterOf,
  takeExportAllowance,
  type DownloadClaims,
} from "@support/service-kit";
import type { WorkspaceContext } from "../context.js";
import { authorize } from "./access.js";
import type {
  MutationExportWorkspaceDataArgs,
  MutationRenewWorkspaceDataExportLinkArgs,
} from "../generated/graphql.js";

/** SPEC section 7: at most one workspace-data export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;
export const EXPORT_LINK_TTL_SECONDS = 300;

/**
 * `exportWorkspaceData(id)` (SPEC section 7, docs/adr/0009): `workspace_data:export`
 * (the owner; members while membersCanExportData is on). One per 60 s per workspace, decided by
 * one atomic upsert; returns a single-use link for the requester on the gateway, which streams the
 * zip when fetched.
 */
export async function exportWorkspaceData(args: MutationExportWorkspaceDataArgs, ctx: WorkspaceContext) {
  const access = await authorize(ctx.db, ctx.actor, args.id, "workspace_data:export");
  const requestedBy = requesterOf(ctx.actor)!;
  const requester = downloadRequesterOf(ctx.actor)!;
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
        requester,
        expiresAt: new Date(allowance.takenAt.getTime() + EXPORT_LINK_TTL_SECONDS * 1000),
      },
    });
    return { row: created, nextAllowedAt: allowance.nextAllowedAt };
  });
  return { ...linkOf(ctx, row), nextAllowedAt: nextAllowedAt.toISOString() };
}

/** The link of an export's current version: `<gateway>/downloads/workspace/<token>`, no header needed. */
function linkOf(ctx: WorkspaceContext, row: DownloadClaims) {
  return {
    exportId: row.id,
    url: `${ctx.downloadBaseUrl}/downloads/workspace/${downloadToken(ctx.signer, "workspace-data.zip", row)}`,
    expiresAt: row.expiresAt.toISOString(),
  };
}

/**
 * `renewWorkspaceDataExportLink(id)`: a fresh single-use link for an export the caller asked
 * for (a dropped download), without a new export or the 60-second allowance (docs/adr/0009). The
 * caller must still hold workspace_data:export; the previous link stops working. An export that is
 * not the caller's, too old, or out of links is NOT_FOUND.
 */
export async function renewWorkspaceDataExportLink(
  args: MutationRenewWorkspaceDataExportLinkArgs,
  ctx: WorkspaceContext,
) {
  const requestedBy = requesterOf(ctx.actor);
  if (!requestedBy) throw unauthenticated();
  if (!/^[0-9a-f-]{36}$/i.test(args.id)) throw notFound("Export");
  const existing = await ctx.db.workspaceExport.findUnique({ where: { id: args.id } });
  if (!existing || existing.requestedBy !== requestedBy) throw notFound("Export");
  await authorize(ctx.db, ctx.actor, existing.workspaceId, "workspace_data:export");
  if (!(await renewDownload(ctx.db.workspaceExport, args.id, ctx.actor, EXPORT_LINK_TTL_SECONDS)))
    throw notFound("Export");
  const row = await ctx.db.workspaceExport.findUniqueOrThrow({ where: { id: args.id } });
  const allowance = await ctx.db.exportAllowance.findUnique({ where: { workspaceId: row.workspaceId } });
  const last = allowance?.lastRequestedAt ?? row.createdAt;
  return {
    ...linkOf(ctx, row),
    nextAllowedAt: new Date(last.getTime() + EXPORT_INTERVAL_SECONDS * 1000).toISOString(),
  };
}
