import { randomUUID } from "node:crypto";
import { z } from "zod";
import { unauthenticated } from "@support/errors";
import { downloadRequesterOf, requesterOf, takeExportAllowance } from "@support/service-kit";
import { parseInput } from "@support/validation";
import { authorizeLog } from "../../authorization.js";
import { activityFilter } from "../../domain/activity-filter.js";
import type { MutationResolvers } from "../../generated/graphql.js";

/** SPEC section 6: at most one export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;

const args = z.object({ workspaceId: z.string(), filter: activityFilter });

/**
 * Starts a CSV export (docs/adr/0009): one per 60 seconds per workspace (`takeExportAllowance`).
 * Nothing is produced here: the link streams the CSV from the database when it is fetched
 * (routes/activity-log-download.ts).
 */
export const exportActivityLog: MutationResolvers["exportActivityLog"] = async (_, rawArgs, ctx) => {
  const { workspaceId, filter } = parseInput(args, rawArgs);
  await authorizeLog(ctx, workspaceId, "activity_log:export");
  const requestedBy = requesterOf(ctx.actor);
  const requester = downloadRequesterOf(ctx.actor);
  if (!requestedBy || !requester) throw unauthenticated();

  const id = randomUUID();
  return ctx.db.$transaction(async (tx) => {
    const allowance = await takeExportAllowance(
      tx,
      workspaceId,
      EXPORT_INTERVAL_SECONDS,
      "This workspace's activity log was exported less than 60 seconds ago",
    );
    const row = await tx.activityExport.create({
      data: {
        id,
        workspaceId,
        requestedBy,
        requester,
        filter: filter ?? {},
        expiresAt: new Date(allowance.takenAt.getTime() + ctx.exportLinkTtlSeconds * 1000),
      },
    });
    return { row, nextAllowedAt: allowance.nextAllowedAt };
  });
};
