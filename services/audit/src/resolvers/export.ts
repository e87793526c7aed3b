import { randomUUID } from "node:crypto";
import { z } from "zod";
import { invalidInput, notFound, unauthenticated } from "@support/errors";
import {
  downloadRequesterOf,
  downloadToken,
  renewDownload,
  requesterOf,
  takeExportAllowance,
  type DownloadClaims,
} from "@support/service-kit";
import type { AuditContext } from "../context.js";
import { activityFilter } from "./activity-log.js";
import { requireLogAccess } from "./access.js";
import type { MutationExportActivityLogArgs, MutationRenewActivityLogExportLinkArgs } from "../generated/graphql.js";

/** SPEC section 6: at most one export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;

const args = z.object({ workspaceId: z.string(), filter: activityFilter });

/**
 * Starts a CSV export (docs/adr/0009): one per 60 seconds per workspace (`takeExportAllowance`).
 * Nothing is produced here: the link streams the CSV from the database when it is fetched.
 */
export async function exportActivityLog(rawArgs: MutationExportActivityLogArgs, ctx: AuditContext) {
  const parsed = args.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const { workspaceId, filter } = parsed.data;
  await requireLogAccess(ctx, workspaceId, "activity_log:export");
  const requestedBy = requesterOf(ctx.actor);
  const requester = downloadRequesterOf(ctx.actor);
  if (!requestedBy || !requester) throw unauthenticated();

  const id = randomUUID();
  const { row, nextAllowedAt } = await ctx.db.$transaction(async (tx) => {
    const allowance = await takeExportAllowance(
      tx,
      workspaceId,
      EXPORT_INTERVAL_SECONDS,
      "This workspace's activity log was exported less than 60 seconds ago",
    );
    const created = await tx.activityExport.create({
      data: {
        id,
        workspaceId,
        requestedBy,
        requester,
        filter: filter ?? {},
        expiresAt: new Date(allowance.takenAt.getTime() + ctx.exportLinkTtlSeconds * 1000),
      },
    });
    return { row: created, nextAllowedAt: allowance.nextAllowedAt };
  });
  return { ...linkOf(ctx, row), nextAllowedAt: nextAllowedAt.toISOString() };
}

/** The link of an export's current version: `<gateway's public origin>/downloads/audit/<token>`, no header needed. */
function linkOf(ctx: AuditContext, row: DownloadClaims) {
  return {
    exportId: row.id,
    url: `${ctx.downloadBaseUrl}/downloads/audit/${downloadToken(ctx.signer, "activity-log.csv", row)}`,
    expiresAt: row.expiresAt.toISOString(),
  };
}

const renewArgs = z.object({ id: z.string() });

/**
 * `renewActivityLogExportLink(id)`: a fresh single-use link for an export the caller asked
 * for (a dropped download), without a new export or the 60-second allowance (docs/adr/0009). The
 * caller must still hold activity_log:export; the previous link stops working. An export that is
 * not the caller's, too old, or out of links is NOT_FOUND.
 */
export async function renewActivityLogExportLink(rawArgs: MutationRenewActivityLogExportLinkArgs, ctx: AuditContext) {
  const parsed = renewArgs.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const { id: exportId } = parsed.data;
  const requestedBy = requesterOf(ctx.actor);
  if (!requestedBy) throw unauthenticated();
  if (!/^[0-9a-f-]{36}$/i.test(exportId)) throw notFound("Export");
  const existing = await ctx.db.activityExport.findUnique({ where: { id: exportId } });
  if (!existing || existing.requestedBy !== requestedBy) throw notFound("Export");
  await requireLogAccess(ctx, existing.workspaceId, "activity_log:export");
  if (!(await renewDownload(ctx.db.activityExport, exportId, ctx.actor, ctx.exportLinkTtlSeconds)))
    throw notFound("Export");
  const row = await ctx.db.activityExport.findUniqueOrThrow({ where: { id: exportId } });
  const next = await ctx.db.exportAllowance.findUnique({ where: { workspaceId: row.workspaceId } });
  return {
    ...linkOf(ctx, row),
    nextAllowedAt: new Date(
      (next?.lastRequestedAt ?? row.createdAt).getTime() + EXPORT_INTERVAL_SECONDS * 1000,
    ).toISOString(),
  };
}
