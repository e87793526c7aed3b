import { randomUUID } from "node:crypto";
import { z } from "zod";
import { invalidInput, unauthenticated } from "@support/errors";
import { downloadToken, requesterOf, takeExportAllowance } from "@support/service-kit";
import type { AuditContext } from "../context.js";
import { activityFilter } from "./activity-log.js";
import { requireLogAccess } from "./access.js";

/** SPEC section 6: at most one export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;

const args = z.object({ workspaceId: z.string(), filter: activityFilter });

/**
 * Starts a CSV export (docs/adr/0009): one per 60 seconds per workspace (`takeExportAllowance`).
 * Nothing is produced here: the link streams the CSV from the database when it is fetched.
 */
export async function exportActivityLog(rawArgs: unknown, ctx: AuditContext) {
  const parsed = args.safeParse(rawArgs);
  if (!parsed.success) throw invalidInput(parsed.error.issues);
  const { workspaceId, filter } = parsed.data;
  await requireLogAccess(ctx, workspaceId, "activity_log:export");
  const requestedBy = requesterOf(ctx.actor);
  if (!requestedBy) throw unauthenticated();

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
        filter: filter ?? {},
        expiresAt: new Date(allowance.takenAt.getTime() + ctx.exportLinkTtlSeconds * 1000),
      },
    });
    return { row: created, nextAllowedAt: allowance.nextAllowedAt };
  });
  return {
    url: `${ctx.downloadBaseUrl}/downloads/audit/${downloadToken(ctx.signer, row)}`,
    expiresAt: row.expiresAt.toISOString(),
    nextAllowedAt: nextAllowedAt.toISOString(),
  };
}
