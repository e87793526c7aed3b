import { notFound, unauthenticated } from "@support/errors";
import { renewDownload, requesterOf } from "@support/service-kit";
import { isUuid } from "@support/validation";
import { authorizeLog } from "../../authorization.js";
import type { MutationResolvers } from "../../generated/graphql.js";
import { EXPORT_INTERVAL_SECONDS } from "./exportActivityLog.js";

/**
 * A fresh single-use link for an export the caller asked for (a dropped download), without a new
 * export or the 60-second allowance (docs/adr/0009). The caller must still hold
 * activity_log:export; the previous link stops working. An export that is not the caller's, too
 * old, or out of links is NOT_FOUND.
 */
export const renewActivityLogExportLink: MutationResolvers["renewActivityLogExportLink"] = async (_, args, ctx) => {
  const exportId = args.id;
  const requestedBy = requesterOf(ctx.actor);
  if (!requestedBy) throw unauthenticated();
  if (!isUuid(exportId)) throw notFound("Export");
  const existing = await ctx.db.activityExport.findUnique({ where: { id: exportId } });
  if (!existing || existing.requestedBy !== requestedBy) throw notFound("Export");
  await authorizeLog(ctx, existing.workspaceId, "activity_log:export");
  if (!(await renewDownload(ctx.db.activityExport, exportId, ctx.actor, ctx.exportLinkTtlSeconds)))
    throw notFound("Export");
  const row = await ctx.db.activityExport.findUniqueOrThrow({ where: { id: exportId } });
  const allowance = await ctx.db.exportAllowance.findUnique({ where: { workspaceId: row.workspaceId } });
  const lastRequestedAt = allowance?.lastRequestedAt ?? row.createdAt;
  return { row, nextAllowedAt: new Date(lastRequestedAt.getTime() + EXPORT_INTERVAL_SECONDS * 1000) };
};
