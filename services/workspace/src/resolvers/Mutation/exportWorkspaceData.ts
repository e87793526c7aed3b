import { authorize } from "@support/permissions";
import { freshAccess } from "../../authorization.js";
import { createExport } from "../../db/exports.js";
import { exportAnswer } from "../../domain/exports.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/**
 * `exportWorkspaceData(id)` (SPEC section 7, docs/adr/0009): `workspace_data:export` (the owner;
 * members while membersCanExportData is on). One per 60 s per workspace, decided by one atomic
 * upsert; answers a single-use link for the requester on the gateway, which streams the zip
 * (routes/downloads.ts) when followed.
 */
export const exportWorkspaceData: MutationResolvers["exportWorkspaceData"] = async (_, args, ctx) => {
  const { workspace } = await authorize(freshAccess(ctx), args.id, "workspace_data:export");
  const { row, takenAt } = await createExport(ctx.db, ctx.actor, workspace.id);
  return exportAnswer(ctx, row, takenAt);
};
