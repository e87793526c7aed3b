import { notFound, unauthenticated } from "@support/errors";
import { authorize } from "@support/permissions";
import { requesterOf } from "@support/service-kit";
import { freshAccess } from "../../authorization.js";
import { findExport, renewExportLink } from "../../db/exports.js";
import { exportAnswer } from "../../domain/exports.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/**
 * A fresh single-use link for an export the caller asked for (a dropped download), without a new
 * export or the 60-second allowance (docs/adr/0009). The caller must still hold
 * workspace_data:export; the previous link stops working. An export that is not the caller's,
 * too old, or out of links is NOT_FOUND.
 */
export const renewWorkspaceDataExportLink: MutationResolvers["renewWorkspaceDataExportLink"] = async (_, args, ctx) => {
  const requestedBy = requesterOf(ctx.actor);
  if (!requestedBy) throw unauthenticated();
  if (!/^[0-9a-f-]{36}$/i.test(args.id)) throw notFound("Export");
  const existing = await findExport(ctx.db, args.id);
  if (!existing || existing.requestedBy !== requestedBy) throw notFound("Export");
  await authorize(freshAccess(ctx), existing.workspaceId, "workspace_data:export");
  const renewed = await renewExportLink(ctx.db, args.id, ctx.actor);
  if (!renewed) throw notFound("Export");
  return exportAnswer(ctx, renewed.row, renewed.lastRequestedAt);
};
